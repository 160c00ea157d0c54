"""The API tab in Chromium: add a Stripe gateway through Add ▾ and see it Verified by the
(local, fake) Stripe API; copy its webhook URL; re-check it from the toolbar."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.fakes.stripe_api import FakeStripe

from .conftest import screenshot


@pytest.fixture
def fake_stripe(settings):
    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        yield fake


def _sign_in_as_demo_admin(page):
    out = io.StringIO()
    call_command("demo", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "admin@acme.example" in line)
    page.goto("/login/")
    page.get_by_label("Email").fill("admin@acme.example")
    page.get_by_label("Password").fill(line.split()[-1])
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_add_a_stripe_gateway_and_see_it_verified(page, transactional_db, fake_stripe):
    stripe_account = fake_stripe.add_account()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _sign_in_as_demo_admin(page)

    page.get_by_role("navigation", name="My Account").get_by_role(
        "link", name="API", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/account/api/$"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)  # the demo's PayPal and Stripe gateways, not checked
    expect(page.get_by_role("row", name=re.compile("PayPal sandbox"))).to_contain_text(
        "Not checked"
    )
    page.get_by_text("Add", exact=False).first.click()
    menu = page.locator(".menu__list")
    expect(menu.get_by_role("link")).to_have_text(["PayPal", "Stripe"])
    screenshot(page, "api-add-menu")

    menu.get_by_role("link", name="Stripe").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_have_attribute("open", "")
    expect(dialog.get_by_role("heading")).to_have_text("Add Stripe gateway")
    expect(menu).to_be_hidden()

    # A live publishable key in Test mode is refused in the dialog, next to the field.
    dialog.get_by_label("Name").fill("Card payments")
    dialog.get_by_label("Mode").select_option("Test")
    dialog.get_by_label("Publishable key").fill("pk_live_" + "x" * 24)
    dialog.get_by_label("Secret key").fill(f"  {stripe_account.secret_key}\n")
    dialog.get_by_label("Currencies").select_option(["USD", "EUR"])
    dialog.get_by_role("button", name="Save").click()
    error = dialog.locator("#id_public_key_errors")
    expect(error).to_contain_text("This publishable key is not a test key")
    expect(dialog.get_by_label("Secret key")).to_have_value("")  # never sent back
    screenshot(page, "api-stripe-form-error")

    dialog.get_by_label("Publishable key").fill(stripe_account.publishable_key)
    dialog.get_by_label("Secret key").fill(stripe_account.secret_key)
    dialog.get_by_role("button", name="Save").click()

    expect(page.locator(".messages")).to_contain_text("Card payments added: Verified by Stripe.")
    row = page.get_by_role("row", name=re.compile("Card payments"))
    expect(row).to_contain_text("Verified")
    expect(row).to_contain_text("••••" + stripe_account.publishable_key[-4:])
    expect(row).to_contain_text("EUR, USD")
    assert stripe_account.secret_key not in page.content()
    assert [r.path for r in fake_stripe.requests] == ["/v1/balance"]
    screenshot(page, "api-gateways-verified")

    # The gateway's dialog shows its webhook URL, with a copy button.
    row.get_by_role("link", name="Card payments").click()
    expect(dialog.get_by_role("heading")).to_have_text("Stripe: Card payments")
    webhook = dialog.get_by_label("Webhook URL")
    expect(webhook).to_have_value(re.compile(r"^http://[^/]+/webhooks/stripe/[0-9a-f-]{36}/$"))
    expect(dialog.get_by_label("Secret key")).to_have_value("")
    expect(dialog).to_contain_text("Stored: ••••" + stripe_account.secret_key[-4:])
    dialog.get_by_role("button", name="Copy").click()
    expect(dialog.locator(".copy-field__status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == webhook.input_value()
    screenshot(page, "api-stripe-edit")
    dialog.get_by_role("link", name="Cancel").click()

    # Refresh re-checks the selected gateways: the demo Stripe keys are unknown to Stripe.
    page.get_by_label("Select Card payments").check()
    page.get_by_label("Select Stripe test").check()
    page.get_by_role("button", name="Refresh: re-check the selected").click()
    expect(page.locator(".messages")).to_contain_text("Card payments checked: Verified by Stripe.")
    demo_row = page.get_by_role("row", name=re.compile("Stripe test"))
    expect(demo_row).to_contain_text("Failed")
    expect(demo_row).to_contain_text("Invalid API Key provided: sk_test_****")
    screenshot(page, "api-gateways-refreshed")
