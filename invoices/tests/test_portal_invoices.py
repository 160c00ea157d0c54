"""A portal customer's payment, once confirmed, pays the customer's open invoices oldest first
(the rest stays balance credit, a second delivery allocates nothing); the portal's Invoice area
lists the contact's own customer's invoices, serves their PDF and starts "Pay" through the
payments engine (fake Stripe, real HTTP), which pays that invoice first."""

import datetime
from decimal import Decimal

from accounts.actors import PLATFORM
from accounts.models import AuditEntry
from invoices import services
from invoices.models import Invoice, InvoicePayment, InvoiceStatus
from payment_gateways.models import BalanceEntry, Payment
from portal.models import Cdr, Customer
from portal.tests import test_payments as portal_payments
from portal.tests.test_payments import contact_client, customer_balance, pay, stripe_webhook

# The portal payments' fixtures: A's Verified Stripe gateway at a fake Stripe; another customer.
stripe_a = portal_payments.stripe_a
neighbour = portal_payments.neighbour


def _open_invoice(customer, days_ago: int, cost: str) -> Invoice:
    """An issued invoice of one call ``days_ago`` days back costing ``cost``."""
    day = services.today_for(customer.account) - datetime.timedelta(days=days_ago)
    start, _ = services.period_bounds(customer.account, day, day)
    Cdr.objects.create(
        account=customer.account,
        customer=customer,
        start_time=start + datetime.timedelta(hours=12),
        caller="+15550001111",
        callee="447700900123",
        destination="United Kingdom",
        duration=60,
        rate=Decimal(cost),
        cost=Decimal(cost),
        currency=customer.currency,
    )
    return services.generate_invoice(
        actor=PLATFORM, customer=customer, period_from=day, period_to=day, issue=True, notify=False
    )


def _paid_by_webhook(world, stripe, anonymous_client, client, amount: str, times: int = 1):
    pay(client, amount=amount)
    payment = Payment.objects.for_account(world["a"]).get(target_kind="customer", status="pending")
    event = stripe.pay(payment.checkout_id)
    for _ in range(times):
        answer = stripe_webhook(anonymous_client, world["gateway_a"], stripe, event)
        assert answer.status_code == 200
    return payment


def _state(*invoices):
    return [
        (Invoice.objects.get(pk=i.pk).status, services.allocated(Invoice.objects.get(pk=i.pk)))
        for i in invoices
    ]


def test_a_payment_pays_open_invoices_oldest_first_once(
    world, stripe_a, anonymous_client, django_capture_on_commit_callbacks
):
    customer = world["customer_a"]
    newest = _open_invoice(customer, 3, "5.00")
    middle = _open_invoice(customer, 5, "20.00")
    oldest = _open_invoice(customer, 7, "10.00")
    # By issue date, then by number: "oldest" was issued a day earlier, "newest" has the lowest
    # number of the two issued today.
    Invoice.objects.filter(pk=oldest.pk).update(
        issue_date=oldest.issue_date - datetime.timedelta(days=1)
    )
    opening = customer_balance(world)
    client = contact_client()

    payment = _paid_by_webhook(world, stripe_a, anonymous_client, client, "25", times=2)
    ISSUED, PAID = InvoiceStatus.ISSUED, InvoiceStatus.PAID
    assert _state(oldest, newest, middle) == [
        (PAID, Decimal("10.00")),
        (PAID, Decimal("5.00")),
        (ISSUED, Decimal("10.00")),  # partly paid: 10.00 still outstanding
    ]
    assert customer_balance(world) == opening  # all of it went to the invoices
    assert InvoicePayment.objects.for_account(world["a"]).filter(payment=payment).count() == 3
    audit = AuditEntry.objects.for_account(world["a"]).filter(event="invoice.payment_allocated")
    assert sorted(e.data["amount"] for e in audit) == ["10.00", "10.00", "5.00"]
    assert AuditEntry.objects.for_account(world["a"]).filter(event="invoice.paid").count() == 2
    # The return after the webhook (a second confirmation) allocates nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/payments/{payment.pk}/return/?session_id=x", follow=True)
    assert services.allocate_customer_payment(payment) == []
    assert InvoicePayment.objects.for_account(world["a"]).count() == 3
    assert customer_balance(world) == opening


def test_an_over_payment_settles_every_open_invoice_and_the_rest_is_balance_credit(
    world, stripe_a, anonymous_client, neighbour
):
    customer = world["customer_a"]
    first, second = _open_invoice(customer, 6, "7.25"), _open_invoice(customer, 4, "2.75")
    draft = services.generate_invoice(
        actor=PLATFORM,
        customer=customer,
        period_from=services.today_for(customer.account) - datetime.timedelta(days=2),
        period_to=services.today_for(customer.account) - datetime.timedelta(days=2),
    )
    someone_else = _open_invoice(neighbour, 6, "3.00")
    opening = customer_balance(world)

    _paid_by_webhook(world, stripe_a, anonymous_client, contact_client(), "25")
    assert _state(first, second) == [
        (InvoiceStatus.PAID, Decimal("7.25")),
        (InvoiceStatus.PAID, Decimal("2.75")),
    ]
    assert _state(draft, someone_else) == [
        (InvoiceStatus.DRAFT, Decimal("0")),
        (InvoiceStatus.ISSUED, Decimal("0")),
    ]
    assert customer_balance(world) == opening + Decimal("15.00")
    credit, taken = BalanceEntry.objects.for_account(world["a"]).filter(target_id=str(customer.pk))
    assert (credit.amount, taken.amount) == (25, Decimal("-10.00"))
    assert taken.balance_after == opening + 15
    assert taken.description == f"Paid on invoices {first.number}, {second.number}"
    assert Customer.objects.get(pk=neighbour.pk).balance == 0
