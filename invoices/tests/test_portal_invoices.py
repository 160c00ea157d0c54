"""A portal customer's payment, once confirmed, pays the customer's open invoices oldest first
(the rest stays balance credit, a second delivery allocates nothing); the portal's Invoice area
lists the contact's own customer's invoices, serves their PDF and starts "Pay" through the
payments engine (fake Stripe, real HTTP), which pays that invoice first."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile

from accounts.actors import PLATFORM
from accounts.models import AuditEntry
from domains.models import PortalDomain
from invoices import services
from invoices.document import build, to_pdf
from invoices.models import Invoice, InvoicePayment, InvoiceStatus
from invoices.tests.test_invoices import _pdf_text
from payment_gateways.models import BalanceEntry, Payment
from payment_gateways.tests.conftest import pay_on_stripe_page
from portal.models import Cdr, Customer
from portal.tests import test_payments as portal_payments
from portal.tests.test_payments import (
    _areas,
    _text,
    contact_client,
    customer_balance,
    on_portal,
    pay,
    stripe_webhook,
)
from tests.querycount import assert_constant_queries

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
    world, stripe_a, anonymous_client, neighbour, client_admin_a
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

    client = contact_client()
    payment = _paid_by_webhook(world, stripe_a, anonymous_client, client, "25")
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
    # Both sides' payment pages say where the money went.
    paid_on = f"$10.00 USD was paid on invoices {first.number}, {second.number}; $15.00 USD"
    assert f"{paid_on} was added to your balance." in _text(client.get(f"/payments/{payment.pk}/"))
    panel = _text(client_admin_a.get(f"/account/payments/{payment.pk}/"))
    assert f"</strong> {paid_on} was added to the customer&#x27;s balance." in panel
    assert taken.description == f"Paid on invoices {first.number}, {second.number}"
    assert Customer.objects.get(pk=neighbour.pk).balance == 0


# --- The portal's Invoice area ----------------------------------------------------------------


def test_a_contact_sees_their_customer_s_invoices_never_drafts_nor_another_s(world, neighbour):
    customer = world["customer_a"]
    open_one = _open_invoice(customer, 6, "12.34")
    void = _open_invoice(customer, 5, "1.00")
    services.void_invoice(actor=PLATFORM, invoice=void, reason="Wrong rate")
    day = services.today_for(customer.account) - datetime.timedelta(days=4)
    draft = services.generate_invoice(
        actor=PLATFORM, customer=customer, period_from=day, period_to=day
    )
    services.allocate_by_hand(
        actor=PLATFORM, invoice=open_one, amount=Decimal("2.34"), reference="wire"
    )
    theirs = _open_invoice(neighbour, 6, "3.00")
    carla = contact_client()

    body = _text(carla.get("/invoices/"))
    assert f"Pay invoice {open_one.number}" in body and "$10.00 USD" in body  # outstanding
    assert void.number in body and "Void" in body and f"Pay invoice {void.number}" not in body
    assert theirs.number not in body and "Draft" not in body
    assert 'href="/invoices/"' in body  # in the menu

    pdf = carla.get(f"/invoices/{open_one.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="invoice-{open_one.number}.pdf"'
    text = _pdf_text(pdf.content)
    assert open_one.number in text and "$12.34 USD" in text and customer.name in text
    # A draft, another customer's and another account's invoice are no such page.
    for invoice in (draft, theirs, world["invoice_b"]):
        for suffix in ("pdf/", "pay/"):
            assert carla.get(f"/invoices/{invoice.pk}/{suffix}").status_code == 404
    nina = contact_client("nina@neighbour.test")
    assert nina.get(f"/invoices/{open_one.pk}/pdf/").status_code == 404
    assert theirs.number in _text(nina.get("/invoices/"))


@pytest.mark.parametrize(
    ("areas", "hidden"), [(["cdr", "payments"], None), (["payments", "invoice"], ["invoice"])]
)
def test_the_invoice_area_off_or_hidden_hides_the_link_and_404s(world, areas, hidden):
    invoice = _open_invoice(world["customer_a"], 6, "4.00")
    _areas(world, areas, hidden)
    client = contact_client()
    assert 'href="/invoices/"' not in _text(client.get("/"))
    for url in ("/invoices/", f"/invoices/{invoice.pk}/pdf/", f"/invoices/{invoice.pk}/pay/"):
        assert client.get(url).status_code == 404, url


def test_without_the_payments_area_invoices_are_shown_but_not_payable(world, stripe_a):
    invoice = _open_invoice(world["customer_a"], 6, "14.00")
    _areas(world, ["cdr", "invoice"])
    client = contact_client()
    body = _text(client.get("/invoices/"))
    assert invoice.number in body and f"Pay invoice {invoice.number}" not in body
    page = client.get(f"/invoices/{invoice.pk}/pay/")
    assert "No payment method is available yet." in _text(page)
    assert client.post(f"/invoices/{invoice.pk}/pay/", {"pay_via": "stripe"}).status_code == 400
    assert not stripe_a.sessions


def test_pay_on_an_invoice_pays_that_invoice_first_through_stripe(
    world, stripe_a, django_capture_on_commit_callbacks
):
    customer = world["customer_a"]
    older, chosen = _open_invoice(customer, 6, "5.00"), _open_invoice(customer, 4, "18.50")
    opening = customer_balance(world)
    client = contact_client()
    url = f"/invoices/{chosen.pk}/pay/"
    form = client.get(url)
    assert 'id="outstanding">$18.50 USD</strong>' in _text(form)
    refused = client.post(url, {"pay_via": "bitcoin"})
    assert refused.status_code == 400 and "That payment method is not offered." in _text(refused)
    # Below the payment minimum ($10): said above the form, nothing started.
    too_little = client.post(f"/invoices/{older.pk}/pay/", {"pay_via": "stripe"})
    assert too_little.status_code == 400
    assert "Enter an amount from $10.00 USD" in _text(too_little)
    assert not stripe_a.sessions

    response = client.post(url, {"pay_via": "stripe"})
    assert response.status_code == 302
    payment = Payment.objects.for_account(world["a"]).get(target_kind="customer", status="pending")
    assert (payment.amount, payment.description) == (
        Decimal("18.50"),
        f"Payment of invoice {chosen.number}",
    )
    back = pay_on_stripe_page(response["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(on_portal(back.headers["Location"]), follow=True)
    assert f"Payment received: $18.50 USD was paid on invoice {chosen.number}." in _text(page)
    assert f"</strong> $18.50 USD was paid on invoice {chosen.number}." in _text(page)
    assert _state(chosen, older) == [
        (InvoiceStatus.PAID, Decimal("18.50")),
        (InvoiceStatus.ISSUED, Decimal("0")),
    ]
    assert customer_balance(world) == opening
    # A paid invoice has nothing left to pay: no Pay, and its pay page says so.
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == "/invoices/"
    said = [str(m) for m in get_messages(again.wsgi_request)]
    assert said == [f"Invoice {chosen.number} is not open for payment."]
    assert f"Pay invoice {chosen.number}" not in _text(client.get("/invoices/"))


def test_the_portal_invoice_list_needs_a_fixed_number_of_queries(world):
    customer = world["customer_a"]
    client = contact_client()

    def render():
        assert client.get("/invoices/").status_code == 200

    def add_rows(n):
        have = Invoice.objects.for_account(world["a"]).filter(customer=customer).count()
        for i in range(have, n):
            _open_invoice(customer, 10 + i, "1.00")

    assert_constant_queries(render, add_rows, few=2, many=25)


# --- Branding on the PDF ----------------------------------------------------------------------


def _pdf_page(invoice):
    from pypdf import PdfReader

    invoice = Invoice.objects.select_related("account", "customer").get(pk=invoice.pk)
    page = PdfReader(io.BytesIO(to_pdf(build(invoice)))).pages[0]
    return page, page.get_contents().get_data()


def test_the_pdf_prints_the_portal_s_logo_and_colour_else_the_company_name(world):
    customer, domain = world["customer_a"], world["portal_domain_a"]
    PortalDomain.objects.for_account(world["a"]).filter(pk=domain.pk).update(
        primary_color="#ff0000"
    )
    invoice = _open_invoice(customer, 6, "3.00")
    page, content = _pdf_page(invoice)
    assert len(page.images) == 1  # the domain's PNG logo
    assert b"\n1 0 0 RG\n" in content  # the header rule in the domain's colour

    # An SVG logo is not embedded: the company name is printed instead, the colour stays.
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="20"></svg>'
    domain.logo.save("logo.svg", ContentFile(svg.encode()), save=False)
    PortalDomain.objects.for_account(world["a"]).filter(pk=domain.pk).update(logo=domain.logo.name)
    page, content = _pdf_page(invoice)
    assert not page.images and b"\n1 0 0 RG\n" in content
    assert page.extract_text().startswith(world["a"].name)

    # Without a portal: the company name only, no logo, no coloured rule.
    Customer.objects.for_account(world["a"]).filter(pk=customer.pk).update(portal_access=False)
    page, content = _pdf_page(invoice)
    assert not page.images and b"\n1 0 0 RG\n" not in content
    assert page.extract_text().startswith(world["a"].name)
