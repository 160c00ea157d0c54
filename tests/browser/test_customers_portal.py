"""Add a customer and a portal contact in the panel, then sign in as that contact on the
portal's own domain, filter the calls by date and download them as CSV."""

import datetime
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from django.utils import timezone
from playwright.sync_api import expect

from domains.models import DnsStatus, PortalDomain
from portal.models import Cdr, Customer
from tests.fixtures import PASSWORD

from .conftest import doc_screenshot, screenshot

DOMAIN = "portal.alpha.localhost"  # browsers resolve *.localhost to this machine
CONTACT_PASSWORD = "Portal-Pass-2026!"


def test_customer_contact_and_the_portal_calls(transactional_db, page, live_server, admin_a):
    account = admin_a.account
    PortalDomain.objects.create(
        account=account,
        domain=DOMAIN,
        brand_name="Alpha Customer Hub",
        currencies=["USD"],
        access_areas=["cdr", "rate_card", "balance", "latest_calls"],
        status=DnsStatus.VERIFIED,
    )
    port = urlsplit(live_server.url).port

    # The panel: Customers → Add customer → its page → Add contact.
    page.goto("/login/")
    page.get_by_label("Email").fill(admin_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Customers").click()
    expect(page).to_have_url(re.compile(r"/customers/$"))
    page.get_by_role("link", name="Add customer").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Harbor Logistics")
    dialog.get_by_label("Debit limit").fill("-5")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("The debit limit cannot be negative.")).to_be_visible()
    doc_screenshot(page, "customers-add-error")
    dialog.get_by_label("Debit limit").fill("150")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Harbor Logistics", level=1)).to_be_visible()
    expect(page.get_by_text("Customer Harbor Logistics added.")).to_be_visible()
    customer = Customer.objects.for_account(account).get(name="Harbor Logistics")

    page.get_by_role("link", name="Add contact").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Hanna Harbor")
    dialog.get_by_label("Email").fill("hanna@harbor.example")
    dialog.get_by_label("Password").fill(CONTACT_PASSWORD)
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Contact hanna@harbor.example added.")).to_be_visible()
    expect(page.locator("tr", has_text="hanna@harbor.example")).to_contain_text("Set")
    screenshot(page, "customer-detail")

    # Calls: two this week, one 40 days ago.
    now = timezone.now()
    for days, callee in ((1, "442079460001"), (2, "442079460002"), (40, "442079460040")):
        Cdr.objects.create(
            account=account,
            customer=customer,
            start_time=now - datetime.timedelta(days=days),
            caller="+15550001234",
            callee=callee,
            destination="United Kingdom",
            duration=90,
            rate=Decimal("0.02"),
            cost=Decimal("0.03"),
            currency="USD",
        )

    # The portal: sign in as the contact, on the portal's own host.
    page.goto(f"http://{DOMAIN}:{port}/login/")
    page.get_by_label("Email").fill("hanna@harbor.example")
    page.get_by_label("Password").fill(CONTACT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"http://{DOMAIN}:{port}/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#balance")).to_have_text("$0.00 USD")
    doc_screenshot(page, "portal-dashboard")
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="CDR").click()
    table = page.locator("table.table--portal-cdrs")
    expect(table).to_contain_text("442079460001")
    expect(table).not_to_contain_text("442079460040")  # older than the last 30 days

    day = timezone.localdate(now - datetime.timedelta(days=40)).isoformat()
    page.get_by_label("From").fill(day)
    page.get_by_label("To").fill(day)
    page.get_by_role("button", name="Filter").click()
    expect(table).to_contain_text("442079460040")
    expect(table).not_to_contain_text("442079460001")
    screenshot(page, "portal-cdr")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "442079460040" in text and "442079460001" not in text
    assert text.startswith("Start,Start (UTC),Caller,Callee")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"http://{DOMAIN}:{port}/login/")
