"""The platform's Stripe and PayPal as local fake servers (tests/fakes), with the PLATFORM_*
settings and the SDKs' API bases pointed at them, and the payer's steps on their pages."""

import secrets
from urllib.parse import urlsplit

import pytest
import requests

from tests.fakes.paypal_api import FakePayPal
from tests.fakes.stripe_api import FakeStripe

RECEIVER = "payments@platform.test"


@pytest.fixture
def platform_stripe(settings):
    """The platform's Stripe account (test mode) on a fake Stripe; ``.webhook_secret`` is the
    platform endpoint's signing secret."""
    with FakeStripe() as fake:
        account = fake.add_account()
        fake.webhook_secret = "whsec_" + secrets.token_hex(16)
        settings.STRIPE_API_BASE = fake.url
        settings.PLATFORM_STRIPE_SECRET_KEY = account.secret_key
        settings.PLATFORM_STRIPE_PUBLISHABLE_KEY = account.publishable_key
        settings.PLATFORM_STRIPE_MODE = "test"
        settings.PLATFORM_STRIPE_WEBHOOK_SECRET = fake.webhook_secret
        yield fake


@pytest.fixture
def platform_paypal(settings):
    """The platform's PayPal app (sandbox) on a fake PayPal; ``.webhook_id`` is its webhook."""
    with FakePayPal("sandbox") as fake:
        client_id, secret = fake.add_app()
        fake.merchants[client_id] = RECEIVER
        fake.webhook_id = "8PT597110X687430LKGECATA"
        settings.PAYPAL_SANDBOX_API_BASE = fake.url
        settings.PLATFORM_PAYPAL_CLIENT_ID = client_id
        settings.PLATFORM_PAYPAL_SECRET = secret
        settings.PLATFORM_PAYPAL_MODE = "sandbox"
        settings.PLATFORM_PAYPAL_WEBHOOK_ID = fake.webhook_id
        settings.PLATFORM_PAYPAL_RECEIVER_EMAIL = RECEIVER
        yield fake


@pytest.fixture
def no_platform_gateways(settings):
    settings.PLATFORM_STRIPE_SECRET_KEY = ""
    settings.PLATFORM_PAYPAL_CLIENT_ID = ""
    settings.PLATFORM_PAYPAL_SECRET = ""


def pay_on_stripe_page(checkout_url: str, card: str = "4242 4242 4242 4242") -> requests.Response:
    """The payer on Stripe's hosted page (a real HTTP client, as a browser): open it, pay."""
    page = requests.get(checkout_url, timeout=5)
    assert page.status_code == 200, page.text
    return requests.post(
        checkout_url,
        data={"email": "buyer@example.com", "card": card, "exp": "12 / 34", "cvc": "123"},
        allow_redirects=False,
        timeout=10,
    )


def approve_on_paypal_page(approval_url: str, action: str = "approve") -> str:
    """The payer on PayPal's approval page: log in, Pay Now (or Cancel); where PayPal sends
    them back."""
    page = requests.get(approval_url, timeout=5)
    assert page.status_code == 200, page.text
    answer = requests.post(
        approval_url,
        data={"email": "buyer@example.com", "action": action},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def local(url: str) -> str:
    """The path and query of one of the panel's own URLs, for the test client."""
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    return parts.path + (f"?{parts.query}" if parts.query else "")
