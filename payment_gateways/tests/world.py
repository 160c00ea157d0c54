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
