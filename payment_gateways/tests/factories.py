"""Payments made without a gateway round trip, for fixtures: created Pending on a platform
channel, then completed through the real engine with the answer a gateway would give."""

import secrets
from decimal import Decimal

from accounts.actors import PLATFORM
from payment_gateways.models import Gateway, Payment
from payment_gateways.payments import services
from payment_gateways.payments.channels import Channel
from payment_gateways.providers.payments import GatewayAnswer, Outcome

STRIPE_CHANNEL = Channel("platform:stripe", Gateway(type=Gateway.Type.STRIPE, mode="test"))


def pending_payment(account, amount="25.00", *, provider="stripe", user=None) -> Payment:
    return Payment.objects.create(
        account=account,
        provider=provider,
        channel=f"platform:{provider}",
        amount=Decimal(amount),
        currency=account.currency,
        description=services.TOP_UP,
        checkout_id="cs_test_" + secrets.token_hex(12),
        started_by=user,
    )


def paid_payment(account, amount="25.00", *, user=None) -> Payment:
    """A Completed payment, its balance credit and ledger row, as the engine makes them."""
    payment = pending_payment(account, amount, user=user)
    answer = GatewayAnswer(
        Outcome.PAID,
        checkout_id=payment.checkout_id,
        transaction_id="pi_" + secrets.token_hex(12),
        amount=payment.amount,
        currency=payment.currency,
        payer="buyer@example.com",
    )
    assert services.complete_payment(
        payment, answer, channel=STRIPE_CHANNEL, actor=PLATFORM, source="webhook"
    )
    return Payment.objects.for_account(account).get(pk=payment.pk)
