"""Both accounts' gateways for the isolation crawler: ``gateway_a`` / ``gateway_b`` (Stripe) and
``paypal_a`` / ``paypal_b``."""

from accounts.actors import PLATFORM
from payment_gateways.models import Gateway
from payment_gateways.services import create_gateway


def populate(world) -> None:
    for side in ("a", "b"):
        account = world[side]
        world[f"gateway_{side}"] = create_gateway(
            actor=PLATFORM,
            account=account,
            gateway_type=Gateway.Type.STRIPE,
            data={
                "name": f"Stripe of {side}",
                "mode": Gateway.Mode.TEST,
                "currencies": [account.currency],
                "public_key": f"pk_test_world{side}0000000000000000",
                "secret_key": f"sk_test_world{side}secret000000000000",
                "webhook_secret": f"whsec_world{side}000000000000",
            },
        )
        world[f"paypal_{side}"] = create_gateway(
            actor=PLATFORM,
            account=account,
            gateway_type=Gateway.Type.PAYPAL,
            data={
                "name": f"PayPal of {side}",
                "mode": Gateway.Mode.SANDBOX,
                "currencies": [account.currency],
                "public_key": f"AZworld{side}clientid000000000000",
                "secret_key": f"ELworld{side}secret0000000000000",
                "receiver_email": f"pay@{side}.test",
                "webhook_id": f"WH{side.upper()}0000000000",
            },
        )
    populate_payments(world)


def populate_payments(world) -> None:
    """A payment per side: ``payment_b`` Completed (with its ledger row, from an opening balance
    lowered by its amount so B's balance reads as before), ``payment_a`` Cancelled (so A's
    currency stays changeable and A's balance untouched for the other apps' tests)."""
    from decimal import Decimal

    from django.db.models import F

    from accounts.models import Account
    from payment_gateways.payments import services
    from payment_gateways.tests.factories import paid_payment, pending_payment

    account_b = world["b"]
    Account.objects.filter(pk=account_b.pk).update(balance=F("balance") - Decimal("250.00"))
    world["payment_b"] = paid_payment(account_b, "250.00", user=world["admin_b"])
    account_b.refresh_from_db()
    payment_a = pending_payment(world["a"], "50.00", user=world["admin_a"])
    services.close_payment(payment_a, "cancelled", "You cancelled the payment.", actor=PLATFORM)
    world["payment_a"] = payment_a
    for side in ("a", "b"):
        payment = world[f"payment_{side}"]
        markers = [payment.reference, payment.checkout_id, payment.transaction_id]
        world.setdefault(f"markers_{side}", []).extend(m for m in markers if m)
