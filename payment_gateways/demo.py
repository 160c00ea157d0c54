"""Demo rows: one PayPal and one Stripe gateway per demo account, Not checked (the demo is
offline; the credentials are random look-alikes, so a check fails), and a payment history.

The platform's own gateways, which the Payments tab pays through, need no rows: in `make run`
they come from config.settings.dev, served by local fakes (tests/fakes/django_mount.py)."""

import secrets

from accounts.actors import PLATFORM

from .models import Gateway
from .services import create_gateway


def populate(accounts, stdout) -> None:
    populate_gateways(accounts, stdout)
    populate_payments(accounts, stdout)


def populate_gateways(accounts, stdout) -> None:
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


# A few months of Globex Voice's top-ups (Acme Telecom starts with none: its new user makes the
# first payment, and its currency stays changeable on the Config tab).
DEMO_PAYMENTS = {
    "Globex Voice": [
        # (days ago, amount, method, status)
        (96, "500.00", Gateway.Type.STRIPE, "completed"),
        (71, "250.00", Gateway.Type.PAYPAL, "completed"),
        (70, "100.00", Gateway.Type.STRIPE, "failed"),
        (44, "1000.00", Gateway.Type.STRIPE, "completed"),
        (20, "100.00", Gateway.Type.PAYPAL, "cancelled"),
        (6, "250.00", Gateway.Type.STRIPE, "completed"),
    ],
}


def populate_payments(accounts, stdout) -> None:
    """Demo payment history, made through the real engine (balance credit and ledger row for
    each completed one) from an opening balance chosen so the balance ends where the demo
    account's does. Added once: an account that has payments is left alone."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db.models import F
    from django.utils import timezone

    from accounts.models import Account

    from .models import Payment
    from .payments import services
    from .payments.channels import Channel
    from .providers.payments import GatewayAnswer, Outcome

    for name, rows in DEMO_PAYMENTS.items():
        account = accounts.get(name)
        if (
            account is None
            or Payment.objects.for_account(account).filter(target_kind="account").exists()
        ):
            continue
        paid = sum(Decimal(amount) for _, amount, _, status in rows if status == "completed")
        Account.objects.filter(pk=account.pk).update(balance=F("balance") - paid)
        now = timezone.now()
        for days, amount, provider, status in rows:
            payment = Payment.objects.create(
                account=account,
                provider=provider,
                channel=f"platform:{provider}",
                amount=Decimal(amount),
                currency=account.currency,
                description=services.TOP_UP,
                checkout_id=f"demo-{secrets.token_hex(8)}",
            )
            channel = Channel(payment.channel, Gateway(type=provider))
            if status == "completed":
                answer = GatewayAnswer(
                    Outcome.PAID,
                    checkout_id=payment.checkout_id,
                    transaction_id=f"demo-{secrets.token_hex(8)}",
                    amount=payment.amount,
                    currency=payment.currency,
                    payer=account.email,
                )
                services.complete_payment(
                    payment,
                    answer,
                    channel=channel,
                    actor=PLATFORM,
                    source="demo",
                    mail_receipt=False,
                )
            else:
                reason = (
                    "Your card was declined."
                    if status == "failed"
                    else "You cancelled the payment at PayPal."
                )
                services.close_payment(payment, status, reason, actor=PLATFORM)
            moment = now - timedelta(days=days, hours=3)
            Payment.objects.for_account(account).filter(pk=payment.pk).update(
                created=moment, completed_at=moment if status == "completed" else None
            )
        stdout.write(f"  {name}: added {len(rows)} demo payments")
