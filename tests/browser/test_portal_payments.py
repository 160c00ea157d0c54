"""A portal contact pays 25 by card on the Account's own Stripe gateway (the fake Stripe mounted
in the live server, tests/fakes/django_mount.py), comes back to the portal's own host and sees the
customer's balance change; Stripe's signed webhook to the gateway's URL credits nothing more."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.actors import PLATFORM
from accounts.models import Account
from domains.models import DnsStatus, PortalDomain
from payment_gateways.models import BalanceEntry, Gateway
from payment_gateways.services import create_gateway
from payment_gateways.webhooks import webhook_path
from portal import services
from portal.models import Customer

from .conftest import screenshot

DOMAIN = "portal.alpha.localhost"  # browsers resolve *.localhost to this machine
CONTACT_PASSWORD = "Portal-Pass-2026!"
WEBHOOK_SECRET = "whsec_" + "c" * 32


def portal_customer(account, *, access_areas):
    """A Verified portal domain of ``account`` (USD) with ``access_areas``, and a USD customer
    whose contact hanna@harbor.example signs in with CONTACT_PASSWORD."""
    PortalDomain.objects.create(
        account=account,
        domain=DOMAIN,
        brand_name="Alpha Customer Hub",
        currencies=["USD"],
        access_areas=access_areas,
        status=DnsStatus.VERIFIED,
    )
    customer = services.create_customer(
        actor=PLATFORM, account=account, data={"name": "Harbor Logistics", "currency": "USD"}
    )
    services.create_contact(
        actor=PLATFORM,
        customer=customer,
        data={"name": "Hanna Harbor", "email": "hanna@harbor.example", "phone": ""},
        password=CONTACT_PASSWORD,
    )
    return customer


@pytest.fixture
def account_stripe(settings, live_server, admin_a):
    """Account A's own Stripe gateway (Verified) at the dev mount's fake Stripe, whose checkout
    page is on the live server and whose webhooks reach the gateway's URL there."""
    from tests.fakes import django_mount

    settings.ROOT_URLCONF = "payment_gateways.tests.dev_urls"
    base = live_server.url
    settings.PANEL_BASE_URL = base  # the portal's links take its scheme and port
    settings.PAYMENT_REDIRECT_ORIGINS = [*settings.PAYMENT_REDIRECT_ORIGINS, base]
    stripe = django_mount.STRIPE
    stripe.public_url = f"{base}/dev/fake-stripe"
    keys = stripe.add_account()
    settings.STRIPE_API_BASE = stripe.public_url
    gateway = create_gateway(
        actor=PLATFORM,
        account=admin_a.account,
        gateway_type=Gateway.Type.STRIPE,
        data={
            "name": "Alpha Stripe",
            "mode": Gateway.Mode.TEST,
            "currencies": ["USD"],
            "public_key": keys.publishable_key,
            "secret_key": keys.secret_key,
            "webhook_secret": WEBHOOK_SECRET,
        },
    )
    Gateway.objects.for_account(admin_a.account).filter(pk=gateway.pk).update(
        status=Gateway.Status.VERIFIED
    )
    hook = (f"{base}{webhook_path(gateway)}", WEBHOOK_SECRET)
    stripe.webhook_endpoints.append(hook)
    yield stripe, gateway
    stripe.webhook_endpoints.remove(hook)


def test_a_contact_pays_25_by_card_and_sees_the_balance_change(
    transactional_db, page, live_server, admin_a, account_stripe
):
    stripe, gateway = account_stripe
    account = admin_a.account
    customer = portal_customer(account, access_areas=["balance", "payments"])
    account_opening = Account.objects.get(pk=account.pk).balance
    portal = f"http://{DOMAIN}:{urlsplit(live_server.url).port}"

    page.goto(f"{portal}/login/")
    page.get_by_label("Email").fill("hanna@harbor.example")
    page.get_by_label("Password").fill(CONTACT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#balance")).to_have_text("$0.00 USD")
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Payments").click()
    expect(page).to_have_url(f"{portal}/payments/")
    expect(page.get_by_text("No payments yet.")).to_be_visible()
    page.get_by_role("link", name="Make payment").click()
    page.get_by_label("Amount").fill("25")
    page.get_by_label("Credit card").check()
    screenshot(page, "portal-make-payment")
    page.get_by_role("button", name="Continue to payment").click()

    expect(page).to_have_url(re.compile(r"/dev/fake-stripe/pay/cs_test_"))
    page.get_by_role("button", name="Pay 25.00 USD").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(portal)}/payments/\d+/$"))
    expect(page.locator(".payment-outcome")).to_contain_text(
        "Completed. $25.00 USD was added to your balance."
    )
    expect(page.locator("#balance")).to_have_text("$25.00 USD")
    screenshot(page, "portal-payment-completed")
    assert [status for url, status in stripe.deliveries if str(gateway.uuid) in url][-1] == 200

    page.get_by_role("link", name="Payments").first.click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("$25.00 USD")
    expect(row).to_contain_text("Completed")
    assert Customer.objects.for_account(account).get(pk=customer.pk).balance == Decimal("25")
    assert Account.objects.get(pk=account.pk).balance == account_opening
    assert BalanceEntry.objects.for_account(account).filter(target_kind="customer").count() == 1
