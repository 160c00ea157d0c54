"""Demo rows: one PayPal and one Stripe gateway per demo account, Not checked (the demo is
offline). The credentials are random look-alikes, so a check against the real gateway fails."""

import secrets

from accounts.actors import PLATFORM

from .models import Gateway
from .services import create_gateway


def populate(accounts, stdout) -> None:
    for account in accounts.values():
        existing = set(Gateway.objects.for_account(account).values_list("name", flat=True))
        for name, gateway_type, data in _gateways(account):
            if name in existing:
                continue
            create_gateway(actor=PLATFORM, account=account, gateway_type=gateway_type, data=data)
            stdout.write(f"  {account.name}: added the demo gateway {name}")


def _gateways(account):
    currencies = sorted({account.currency, "USD"})
    return [
        (
            "PayPal sandbox",
            Gateway.Type.PAYPAL,
            {
                "name": "PayPal sandbox",
                "mode": Gateway.Mode.SANDBOX,
                "currencies": currencies,
                "public_key": "AZ" + secrets.token_urlsafe(60)[:78],
                "secret_key": "EL" + secrets.token_urlsafe(60)[:78],
                "receiver_email": account.email,
                "webhook_id": secrets.token_hex(12).upper(),
            },
        ),
        (
            "Stripe test",
            Gateway.Type.STRIPE,
            {
                "name": "Stripe test",
                "mode": Gateway.Mode.TEST,
                "currencies": currencies,
                "public_key": "pk_test_" + secrets.token_hex(24),
                "secret_key": "sk_test_" + secrets.token_hex(24),
                "webhook_secret": "whsec_" + secrets.token_hex(16),
            },
        ),
    ]
