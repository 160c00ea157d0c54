"""Demo invoices: each demo customer with calls gets the last three calendar months' invoices,
issued (without mail), the oldest of them paid by a payment recorded by hand. Each is dated as
the monthly run would have issued it, on the first day after its month (numbers follow those
dates), so the demo shows a history rather than one day's batch.

Idempotent: a month that has its invoice already is skipped."""

import datetime

from accounts.actors import PLATFORM
from portal.models import Cdr, Customer

from . import services
from .models import Invoice, InvoiceStatus

MONTHS = 3


def _months(today: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    months, day = [], today
    for _ in range(MONTHS):
        first, last = services.last_month(day)
        months.append((first, last))
        day = first
    return list(reversed(months))


def populate(accounts, stdout) -> None:
    for account_name, account in accounts.items():
        prefs = services.settings_for(account)
        if not prefs.footer:
            prefs.footer = f"Thank you for your business. {account_name}, payable within 30 days."
            prefs.save(update_fields=["footer"])
        calling = Customer.objects.for_account(account).filter(
            pk__in=Cdr.objects.for_account(account).values("customer_id")
        )
        made = 0
        for n, (first, last) in enumerate(_months(services.today_for(account))):
            for customer in calling.order_by("name"):
                existing = (
                    Invoice.objects.for_account(account)
                    .filter(customer=customer, period_from=first, period_to=last)
                    .exclude(status=InvoiceStatus.VOID)
                    .exists()
                )
                if existing:
                    continue
                invoice = services.generate_invoice(
                    actor=PLATFORM,
                    customer=customer,
                    period_from=first,
                    period_to=last,
                    issue=True,
                    notify=False,
                )
                issued = last + datetime.timedelta(days=1)
                terms = datetime.timedelta(days=prefs.payment_terms_days)
                Invoice.objects.for_account(account).filter(pk=invoice.pk).update(
                    issue_date=issued, due_date=issued + terms
                )
                made += 1
                if n == 0 and invoice.total > 0:
                    services.allocate_by_hand(
                        actor=PLATFORM,
                        invoice=invoice,
                        amount=invoice.total,
                        reference="Bank transfer (demo)",
                    )
        stdout.write(f"Demo invoices of {account_name}: {made} issued.")
