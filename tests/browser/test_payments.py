"""Payments in Chromium, as `make run` serves them: the fake Stripe and PayPal mounted in the
panel's own server under /dev/ (tests/fakes/django_mount.py), their checkout pages, and their
signed webhooks back to the panel. A new user pays 25 by card and sees the balance change."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import screenshot


def _sign_in_as_demo_admin(page):
    out = io.StringIO()
    call_command("demo", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "admin@acme.example" in line)
    page.goto("/login/")
    page.get_by_label("Email").fill("admin@acme.example")
    page.get_by_label("Password").fill(line.split()[-1])
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/config/$"))


@pytest.fixture
def dev_gateways(settings, live_server):
    """The dev mount's fakes, pointed at this live server (as dev settings do for runserver)."""
    from tests.fakes import django_mount

    settings.ROOT_URLCONF = "payment_gateways.tests.dev_urls"
    base = live_server.url
    stripe, paypal = django_mount.STRIPE, django_mount.PAYPAL
    stripe.public_url, paypal.public_url = f"{base}/dev/fake-stripe", f"{base}/dev/fake-paypal"
    account = stripe.add_account()
    stripe_hook = (f"{base}/webhooks/platform/stripe/", "whsec_" + "b" * 32)
    stripe.webhook_endpoints.append(stripe_hook)
    settings.STRIPE_API_BASE = stripe.public_url
    settings.PLATFORM_STRIPE_SECRET_KEY = account.secret_key
    settings.PLATFORM_STRIPE_WEBHOOK_SECRET = stripe_hook[1]
    client_id, secret = paypal.add_app()
    paypal.merchants[client_id] = "payments@platform.test"
    paypal_hook = (f"{base}/webhooks/platform/paypal/", "9BROWSERWEBHOOK00")
    paypal.listeners.append(paypal_hook)
    settings.PAYPAL_SANDBOX_API_BASE = paypal.public_url
    settings.PLATFORM_PAYPAL_CLIENT_ID, settings.PLATFORM_PAYPAL_SECRET = client_id, secret
    settings.PLATFORM_PAYPAL_WEBHOOK_ID = paypal_hook[1]
    settings.PLATFORM_PAYPAL_RECEIVER_EMAIL = "payments@platform.test"
    yield stripe, paypal
    stripe.webhook_endpoints.remove(stripe_hook)
    paypal.listeners.remove(paypal_hook)


def test_pay_25_by_card_on_stripes_page_and_see_the_balance_grow(
    page, transactional_db, dev_gateways
):
    stripe, _ = dev_gateways
    _sign_in_as_demo_admin(page)
    badge = page.locator(".topbar .badge")
    expect(badge).to_have_text("Balance: $1,138.17 USD")

    page.get_by_role("navigation", name="My Account").get_by_role("link", name="Payments").click()
    expect(page).to_have_url(re.compile(r"/account/payments/$"))
    expect(page.get_by_text("No payments yet.")).to_be_visible()
    page.get_by_role("link", name="Make Payment").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_have_attribute("open", "")
    expect(dialog.get_by_role("heading")).to_have_text("Make Payment")
    dialog.get_by_label("Credit card").check()
    expect(dialog.locator("#id_amount")).to_have_value("25")
    screenshot(page, "payment-dialog")
    dialog.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(re.compile(r"/dev/fake-stripe/pay/cs_test_"))
    expect(page.get_by_role("heading")).to_have_text("Pay 25.00 USD")
    screenshot(page, "payment-stripe-checkout")
    page.get_by_role("button", name="Pay 25.00 USD").click()

    expect(page).to_have_url(re.compile(r"/account/payments/\d+/$"))
    expect(page.locator(".payment-outcome")).to_contain_text(
        "Completed. $25.00 USD was added to your balance"
    )
    expect(badge).to_have_text("Balance: $1,163.17 USD")
    assert [status for url, status in stripe.deliveries if "webhooks/platform" in url][-1] == 200
    screenshot(page, "payment-completed")

    page.get_by_role("link", name="Receipt").click()
    expect(page.get_by_role("heading", name=re.compile("Receipt"))).to_be_visible()
    expect(page.locator(".receipt")).to_contain_text("Acme Telecom")
    expect(page.locator(".receipt")).to_contain_text("$25.00 USD")
    screenshot(page, "payment-receipt")

    page.goto("/account/payments/")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("$25.00 USD")
    expect(row).to_contain_text("Credit card")
    expect(row).to_contain_text("Completed")
    screenshot(page, "payments-page")


def test_pay_another_amount_with_paypal_and_refuse_a_too_small_one(
    page, transactional_db, dev_gateways
):
    _sign_in_as_demo_admin(page)
    page.goto("/account/payments/")
    page.get_by_role("link", name="Make Payment").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_have_attribute("open", "")
    dialog.get_by_label("PayPal").check()
    dialog.get_by_label("Other amount").fill("5")
    expect(dialog.locator("#id_amount")).to_have_value("other")  # typing picks "Other amount…"
    dialog.get_by_role("button", name="Pay").click()
    expect(dialog.locator("#id_other_amount_errors")).to_have_text(
        "The smallest payment is $10.00 USD."
    )
    expect(dialog.get_by_label("Other amount")).to_be_focused()
    screenshot(page, "payment-dialog-error")

    dialog.get_by_label("Other amount").fill("75.50")
    dialog.get_by_role("button", name="Pay").click()
    expect(page).to_have_url(re.compile(r"/dev/fake-paypal/checkoutnow\?token=EC-"))
    expect(page.get_by_role("heading")).to_have_text("Pay 75.50 USD")
    page.get_by_role("button", name="Pay Now").click()

    expect(page).to_have_url(re.compile(r"/account/payments/\d+/$"))
    expect(page.locator(".payment-outcome")).to_contain_text("Completed.")
    expect(page.locator(".topbar .badge")).to_have_text("Balance: $1,213.67 USD")
