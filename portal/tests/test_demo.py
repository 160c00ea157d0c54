"""The demo command's customers: both demo portals have customers, contacts, a rate card and
calls; running it again adds nothing and makes the printed contact logins work again."""

import io
from decimal import Decimal

from django.core.management import call_command

from accounts.models import Account
from payment_gateways.models import BalanceEntry
from portal.models import Cdr, Contact, Customer, CustomerStatus, Rate
from portal.payments import customer_payments


def test_demo_customers_contacts_rates_and_calls(db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    for account in Account.objects.all():
        customers = Customer.objects.for_account(account)
        statuses = set(customers.values_list("status", flat=True))
        assert CustomerStatus.ACTIVE in statuses and CustomerStatus.PENDING in statuses
        assert Contact.objects.for_account(account).count() >= customers.count()
        assert Rate.objects.for_account(account).count() >= 300
        assert Cdr.objects.for_account(account).count() >= 2000
    # Demo customer payments: credited through the engine, the balance ending as the demo lists.
    hotels = Customer.all_accounts.get(name="Rheinland Hotels")
    assert hotels.balance == Decimal("88.10")
    assert customer_payments(hotels.account, hotels).filter(status="completed").count() == 3
    assert BalanceEntry.all_accounts.filter(target_kind="customer").count() == 4
    line = next(line for line in out.getvalue().splitlines() if "ops@blueharbor.example" in line)
    contact = Contact.all_accounts.get(email="ops@blueharbor.example")
    contact.set_password("changed")
    contact.save()
    counts = (Customer.all_accounts.count(), Contact.all_accounts.count(), Cdr.all_accounts.count())
    call_command("demo", stdout=io.StringIO())
    again = (Customer.all_accounts.count(), Contact.all_accounts.count(), Cdr.all_accounts.count())
    assert BalanceEntry.all_accounts.filter(target_kind="customer").count() == 4
    assert Customer.all_accounts.get(pk=hotels.pk).balance == Decimal("88.10")
    assert again == counts
    contact.refresh_from_db()
    assert contact.check_password(line.split()[-1])
