"""The same engine on an account's own gateway (the seam the customer portal will use): payments
started on it, its webhook URL as the API tab shows it, and the walls between gateways."""

import pytest
from django.test import Client

from accounts.actors import Actor
from accounts.metrics import PAYMENTS, WEBHOOK_REFUSALS
from accounts.models import Account, AuditEntry
from payment_gateways.models import Payment
from payment_gateways.payments import services
from payment_gateways.payments.channels import gateway_channel
from payment_gateways.webhooks import webhook_path
from tests.fakes.stripe_api import FakeStripe
from tests.fixtures import PANEL_HOST

from .factories import pending_payment


@pytest.fixture
def account_stripe(settings, world):
    """Account A's own Stripe gateway (world["gateway_a"]) registered at a fake Stripe."""
    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        gateway = world["gateway_a"]
        fake.add_account(secret_key=gateway.secret_key, publishable_key=gateway.public_key)
        yield fake


def _post(client, gateway, fake, event, secret):
    body, headers = fake.signed(event, secret)
    return client.post(
        webhook_path(gateway),
        body,
        content_type="application/json",
        headers={"Stripe-Signature": headers["Stripe-Signature"]},
    )


def _start(world, fake):
    gateway = world["gateway_a"]
    started = services.start_payment(
        actor=Actor(user=world["admin_a"]),
        account=world["a"],
        channel=gateway_channel(gateway),
        target_kind="account",
        amount=40,
        currency="USD",
        description="Portal top-up",
        urls=lambda payment: ("http://portal.test/back/", "http://portal.test/cancel/"),
    )
    assert started.redirect_url.startswith(fake.url)
    return started.payment


def test_a_payment_on_the_accounts_gateway_completes_through_its_webhook(
    world, anonymous_client, account_stripe, django_capture_on_commit_callbacks
):
    gateway = world["gateway_a"]
    counts = {s: PAYMENTS.value(provider="stripe", status=s) for s in ("pending", "completed")}
    with django_capture_on_commit_callbacks(execute=True):
        payment = _start(world, account_stripe)
    assert payment.channel == f"gateway:{gateway.uuid}" and payment.gateway == gateway
    before = Account.objects.get(pk=world["a"].pk).balance
    event = account_stripe.pay(payment.checkout_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(anonymous_client, gateway, account_stripe, event, gateway.webhook_secret)
    assert response.status_code == 200
    assert {s: PAYMENTS.value(provider="stripe", status=s) - n for s, n in counts.items()} == {
        "pending": 1,
        "completed": 1,
    }
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    assert Account.objects.get(pk=world["a"].pk).balance == before + 40


def test_another_gateways_webhook_cannot_confirm_it(world, anonymous_client, account_stripe):
    payment = _start(world, account_stripe)
    event = account_stripe.pay(payment.checkout_id)
    # B's gateway URL with B's own secret: signed, but B's gateway confirms only B's payments.
    gateway_b = world["gateway_b"]
    response = _post(anonymous_client, gateway_b, account_stripe, event, gateway_b.webhook_secret)
    assert response.status_code == 200
    # The platform's URL with A's gateway secret: not the platform's signature.
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_badly_signed_call_is_audited_on_the_gateways_account(
    world, anonymous_client, account_stripe
):
    payment = _start(world, account_stripe)
    event = account_stripe.pay(payment.checkout_id)
    gateway = world["gateway_a"]
    refusals = WEBHOOK_REFUSALS.value(provider="stripe", channel="account")
    response = _post(anonymous_client, gateway, account_stripe, event, "whsec_forged")
    assert response.status_code == 400
    assert WEBHOOK_REFUSALS.value(provider="stripe", channel="account") == refusals + 1
    refused = AuditEntry.objects.for_account(world["a"]).get(event="payment.webhook_refused")
    assert refused.data["gateway"] == f"gateway:{gateway.uuid}"
    assert (
        not AuditEntry.objects.for_account(world["b"])
        .filter(event="payment.webhook_refused")
        .exists()
    )


def test_a_flood_of_calls_is_429_before_anything_is_verified_or_audited(
    world, anonymous_client, account_stripe, settings
):
    settings.WEBHOOKS_PER_MINUTE = 3
    payment = _start(world, account_stripe)
    event = account_stripe.pay(payment.checkout_id)
    gateway = world["gateway_a"]
    for _ in range(3):
        assert (
            _post(anonymous_client, gateway, account_stripe, event, "whsec_forged").status_code
            == 400
        )
    flooded = _post(anonymous_client, gateway, account_stripe, event, gateway.webhook_secret)
    assert (flooded.status_code, flooded["Retry-After"]) == (429, "60")
    refused = AuditEntry.objects.for_account(world["a"]).filter(event="payment.webhook_refused")
    assert refused.count() == 3
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    # Another caller is counted on its own: the gateway's real delivery goes through.
    other = Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR="198.51.100.7")
    assert _post(other, gateway, account_stripe, event, gateway.webhook_secret).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED


def test_a_platform_payment_is_not_confirmed_through_an_accounts_gateway(
    world, anonymous_client, account_stripe
):
    platform_payment = pending_payment(world["a"])
    session = {
        "id": platform_payment.checkout_id,
        "object": "checkout.session",
        "payment_status": "paid",
        "status": "complete",
        "amount_total": 2500,
        "currency": "usd",
        "payment_intent": "pi_1",
        "livemode": False,
    }
    event = account_stripe.event("checkout.session.completed", session)
    gateway = world["gateway_a"]
    assert (
        _post(anonymous_client, gateway, account_stripe, event, gateway.webhook_secret).status_code
        == 200
    )
    platform_payment.refresh_from_db()
    assert platform_payment.status == Payment.Status.PENDING


def test_unknown_gateways_and_unconfigured_platform_gateways_are_404(
    world, anonymous_client, settings
):
    gateway = world["gateway_a"]
    assert anonymous_client.post(f"/webhooks/paypal/{gateway.uuid}/").status_code == 404
    unknown = "/webhooks/stripe/00000000-0000-0000-0000-000000000000/"
    assert anonymous_client.post(unknown).status_code == 404
    settings.PLATFORM_STRIPE_SECRET_KEY = ""
    assert anonymous_client.post("/webhooks/platform/stripe/").status_code == 404
    assert anonymous_client.post("/webhooks/platform/bitcoin/").status_code == 404


def test_a_gateway_without_a_signing_secret_refuses_every_call(world, anonymous_client):
    gateway = world["gateway_a"]
    gateway.webhook_secret = ""
    gateway.save()
    response = anonymous_client.post(webhook_path(gateway), b"{}", content_type="application/json")
    assert response.status_code == 400
    refused = AuditEntry.objects.for_account(world["a"]).get(event="payment.webhook_refused")
    assert refused.data["reason"].startswith("No webhook signing secret is set")


def test_a_deleted_gateway_keeps_its_payments(world, account_stripe, client_admin_a):
    payment = _start(world, account_stripe)
    gateway = world["gateway_a"]
    client_admin_a.post("/account/api/delete/", {"selected": [gateway.pk]})
    payment.refresh_from_db()
    assert payment.gateway is None and payment.status == Payment.Status.PENDING
    page = client_admin_a.get(f"/account/payments/{payment.pk}/return/", follow=True)
    assert "This payment&#x27;s gateway is no longer configured." in page.content.decode()
