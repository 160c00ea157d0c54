"""The operator generates and issues a customer's invoice in the panel; the customer's contact
sees it in the portal's Invoices, downloads its PDF, pays it through the fake Stripe checkout
(mounted in the live server) and sees it Paid."""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

from invoices.models import Invoice, InvoiceStatus
from invoices.services import last_month, period_bounds, today_for
from portal.models import Cdr
from tests.fixtures import PASSWORD

from .conftest import screenshot
from .test_portal_payments import CONTACT_PASSWORD, DOMAIN, portal_customer
from .test_portal_payments import account_stripe as account_stripe  # the fixture


def test_an_invoice_generated_in_the_panel_is_paid_in_the_portal(
    transactional_db, page, live_server, admin_a, account_stripe
):
    account = admin_a.account
    customer = portal_customer(account, access_areas=["payments", "invoice"])
    start, _ = period_bounds(account, *last_month(today_for(account)))
    Cdr.objects.create(
        account=account,
        customer=customer,
        start_time=start + datetime.timedelta(days=3, hours=10),
        caller="+15550001111",
        callee="447700900123",
        destination="United Kingdom",
        duration=600,
        rate=Decimal("4.2"),
        cost=Decimal("42.00"),
        currency="USD",
    )

    # The panel: the customer's Invoices → Generate (last month, issued at once).
    page.goto("/login/")
    page.get_by_label("Email").fill(admin_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(f"/customers/{customer.pk}/invoices/")
    page.get_by_role("link", name="Generate").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Issue at once").check()
    dialog.get_by_role("button", name="Generate").click()
    expect(page.get_by_text(re.compile(r"^Invoice \S+ issued\.$"))).to_be_visible()
    invoice = Invoice.objects.for_account(account).get(customer=customer)
    number = invoice.number
    expect(page.get_by_text(f"Invoice {number} issued.")).to_be_visible()

    # The portal: Invoices lists it with its total, outstanding and status.
    portal = f"http://{DOMAIN}:{urlsplit(live_server.url).port}"
    page.goto(f"{portal}/login/")
    page.get_by_label("Email").fill("hanna@harbor.example")
    page.get_by_label("Password").fill(CONTACT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Invoices").click()
    expect(page).to_have_url(f"{portal}/invoices/")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("$42.00 USD")
    expect(row).to_contain_text("Issued")
    screenshot(page, "portal-invoices")

    with page.expect_download() as download:
        row.get_by_role("link", name=f"PDF of invoice {number}").click()
    assert download.value.suggested_filename == f"invoice-{number}.pdf"
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert number in pdf.pages[0].extract_text()

    # Pay: the outstanding amount through the fake Stripe checkout.
    row.get_by_role("link", name=f"Pay invoice {number}").click()
    expect(page.locator("#outstanding")).to_have_text("$42.00 USD")
    page.get_by_label("Credit card").check()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page).to_have_url(re.compile(r"/dev/fake-stripe/pay/cs_test_"))
    page.get_by_role("button", name="Pay 42.00 USD").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(portal)}/payments/\d+/$"))
    expect(page.locator(".payment-outcome")).to_contain_text(
        f"Completed. $42.00 USD was paid on invoice {number}."
    )

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Invoices").click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Paid")
    expect(row.get_by_role("link", name=f"Pay invoice {number}")).to_have_count(0)
    screenshot(page, "portal-invoice-paid")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
