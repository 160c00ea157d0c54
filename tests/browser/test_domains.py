"""Add a portal domain, Check it against a local DNS server, and open the branded portal."""

import re

from django.test import Client
from playwright.sync_api import expect

from domains.models import DnsStatus, PortalDomain
from domains.tests.images import png
from tests.conftest import PASSWORD
from tests.fakes.dns_server import dns_server  # noqa: F401  (fixture)

from .conftest import screenshot

DOMAIN = "portal.alpha.localhost"  # browsers resolve *.localhost to this machine
TARGET = "portals.console.test"


def test_add_check_and_open_a_portal(transactional_db, page, live_server, admin_a, dns_server):  # noqa: F811
    port = live_server.url.rsplit(":", 1)[1]
    dns_server.cname(DOMAIN, TARGET)

    page.goto("/login/")
    page.get_by_label("Email").fill(admin_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("navigation", name="My Account").get_by_role("link", name="Domains").click()
    expect(page).to_have_url(re.compile(r"/account/domains/$"))
    expect(page.get_by_text("Nothing here yet.")).to_be_visible()
    expect(page.get_by_text("an A record does not work")).to_be_visible()

    # The dialog: bad input first, answered next to the field, then the real thing.
    page.get_by_role("link", name="Add domain").click()
    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Add portal")).to_be_visible()
    expect(dialog.locator(".dns-record")).to_contain_text(TARGET)
    dialog.get_by_label("Domain").fill("https://x.com/path")
    dialog.get_by_role("button", name="Save").click()
    expect(
        dialog.get_by_text("Enter the domain only, without http:// or https://.")
    ).to_be_visible()
    screenshot(page, "domains-dialog-error")

    dialog.get_by_label("Domain").fill(DOMAIN)
    dialog.get_by_label("Brand name").fill("Alpha Customer Hub")
    dialog.get_by_label("Logo").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png(160, 40)}]
    )
    # A pale colour is allowed, with a warning said as it is picked (a live region).
    warning = dialog.locator("#id_primary_color_warning")
    dialog.get_by_label("Primary colour").fill("#ffe066")
    expect(warning).to_contain_text("contrast of 1.3:1 on white, below the 3:1")
    expect(warning).to_have_attribute("role", "status")
    dialog.get_by_label("Primary colour").fill("#7a1fa2")
    expect(warning).to_have_text("")
    dialog.get_by_label("Footer text").fill("Alpha Networks Ltd · support@alpha.test")
    dialog.get_by_label("Customer signup").select_option("Yes")
    dialog.get_by_label("New customer debit limit").fill("25")
    dialog.get_by_label("Balance").check()
    screenshot(page, "domains-dialog-filled")
    dialog.get_by_role("button", name="Save").click()

    # The domain's page: Pending, with the two records to create. The CNAME alone is not enough.
    expect(page).to_have_url(re.compile(r"/account/domains/\d+/$"))
    expect(page.get_by_text("Pending DNS").first).to_be_visible()
    records = page.locator(".dns-record").first
    expect(records).to_contain_text(TARGET)
    expect(records).to_contain_text(f"_portal-challenge.{DOMAIN}")
    screenshot(page, "domains-detail-records")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text(f"{DOMAIN} failed the check.")).to_be_visible()
    expect(
        page.get_by_text(f"No TXT record _portal-challenge.{DOMAIN} was found").first
    ).to_be_visible()
    token = records.locator("tr", has_text="TXT").locator("td").nth(2).inner_text().strip('"')
    assert token == PortalDomain.objects.get(domain=DOMAIN).verification_token
    dns_server.txt(f"_portal-challenge.{DOMAIN}", token)  # the operator creates the TXT record
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text(f"{DOMAIN} is Verified.")).to_be_visible()
    expect(page.locator(".fact-grid .badge").first).to_have_text("Verified")
    screenshot(page, "domains-detail-verified")
    assert PortalDomain.objects.get(domain=DOMAIN).status == DnsStatus.VERIFIED

    # The list: Verified, with Open pointing at the portal on this server's port.
    page.get_by_role("link", name="Portal domains", exact=False).click()
    row = page.locator("tr", has_text=DOMAIN)
    expect(row.locator(".badge")).to_have_text("Verified")
    open_link = row.get_by_role("link", name=f"Open the portal on {DOMAIN}")
    expect(open_link).to_have_attribute("href", f"http://{DOMAIN}:{port}/")
    screenshot(page, "domains-list")

    # Refresh re-checks the selected domains (and asks no delete question).
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Refresh: re-check the selected").click()
    expect(page.get_by_text(f"{DOMAIN} is Verified.")).to_be_visible()
    assert PortalDomain.objects.get(domain=DOMAIN).checks.count() == 3

    # The portal: branded, its colour through the stylesheet, sign-in answering honestly.
    page.goto(open_link.get_attribute("href"))
    expect(page).to_have_url(f"http://{DOMAIN}:{port}/login/")
    expect(page).to_have_title("Sign in · Alpha Customer Hub")
    expect(page.locator(".portal__brand")).to_have_text("Alpha Customer Hub")
    expect(page.locator("img.portal__logo")).to_be_visible()
    assert page.locator("img.portal__logo").evaluate("img => img.naturalWidth") == 160
    expect(page.locator(".portal__header")).to_have_css("background-color", "rgb(122, 31, 162)")
    expect(page.locator(".portal__footer")).to_have_text("Alpha Networks Ltd · support@alpha.test")
    expect(page.get_by_text("Account console")).to_have_count(0)
    screenshot(page, "portal-sign-in")
    page.get_by_label("Email").fill("someone@customer.example")
    page.get_by_label("Password").fill("whatever")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("That email and password do not match.")
    screenshot(page, "portal-sign-in-refused")

    # Deleting the domain (after confirming) stops the portal at once.
    page.goto(f"{live_server.url}/account/domains/")
    page.locator("tr", has_text=DOMAIN).get_by_role("checkbox").check()
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Delete selected").click()
    expect(page.get_by_text(f"Deleted 1 domain: {DOMAIN}.")).to_be_visible()
    assert questions == ["Delete the selected domain(s)?"]
    # (asked outside the browser, which would log the expected 404 as a page error)
    assert Client(HTTP_HOST=f"{DOMAIN}:{port}").get("/login/").status_code == 404
