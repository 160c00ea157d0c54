"""Fake Stripe and PayPal servers, started per test, with the API base settings pointed at them."""

import pytest

from tests.fakes.paypal_api import FakePayPal
from tests.fakes.stripe_api import FakeStripe


@pytest.fixture
def fake_stripe(settings):
    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        yield fake


@pytest.fixture
def fake_paypal(settings):
    """PayPal's sandbox environment."""
    with FakePayPal("sandbox") as fake:
        settings.PAYPAL_SANDBOX_API_BASE = fake.url
        yield fake


@pytest.fixture
def fake_paypal_live(settings):
    with FakePayPal("live") as fake:
        settings.PAYPAL_API_BASE = fake.url
        yield fake


@pytest.fixture
def short_timeout(settings):
    settings.GATEWAY_TIMEOUT_SECONDS = 1
    return 1
