"""A visitor signs up on a portal with Customer signup on, is told the request waits for
approval, and cannot sign in until the operator approves it."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

from domains.models import DnsStatus, PortalDomain
from portal.models import Customer, CustomerStatus

from .conftest import screenshot

DOMAIN = "portal.alpha.localhost"  # browsers resolve *.localhost to this machine
SIGNUP_PASSWORD = "Signup-Pass-2026!"


def test_signup_waits_for_approval(transactional_db, page, live_server, admin_a):
    PortalDomain.objects.create(
        account=admin_a.account,
        domain=DOMAIN,
        brand_name="Alpha Customer Hub",
        currencies=["USD"],
        access_areas=["cdr", "balance"],
        customer_signup=True,
        status=DnsStatus.VERIFIED,
    )
    port = urlsplit(live_server.url).port

    page.goto(f"http://{DOMAIN}:{port}/login/")
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(f"http://{DOMAIN}:{port}/signup/")
    page.get_by_label("Company name").fill("NewCo Telecom")
    page.get_by_label("Your name").fill("Nina New")
    page.get_by_label("Email").fill("nina@newco.test")
    page.get_by_label("Phone").fill("+44 20 7946 0000")
    page.locator("#id_password1").fill(SIGNUP_PASSWORD)
    page.locator("#id_password2").fill(SIGNUP_PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status")).to_contain_text("your request is waiting for approval")
    screenshot(page, "portal-signup-pending")
    customer = Customer.objects.for_account(admin_a.account).get(name="NewCo Telecom")
    assert customer.status == CustomerStatus.PENDING

    page.get_by_role("link", name="Back to sign-in").click()
    page.get_by_label("Email").fill("nina@newco.test")
    page.get_by_label("Password").fill(SIGNUP_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("Your account is waiting for approval")).to_be_visible()
