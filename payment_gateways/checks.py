from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def gateway_api_bases_use_https(app_configs, **kwargs):
    """Gateway credentials must not travel in clear: in production every API base is https."""
    names = ["STRIPE_API_BASE", "PAYPAL_API_BASE", "PAYPAL_SANDBOX_API_BASE"]
    return [
        checks.Warning(
            f"{name} is {getattr(settings, name)!r}: credentials would travel without TLS.",
            hint="Use the provider's https:// address (see .env.example).",
            id="payment_gateways.W001",
        )
        for name in names
        if not str(getattr(settings, name)).startswith("https://")
    ]


@checks.register()
def payment_settings(app_configs, **kwargs):
    """The platform's payment settings make sense: limits are amounts, modes fit the keys."""
    from decimal import Decimal, InvalidOperation

    found = []
    try:
        low, high = Decimal(settings.PAYMENT_MIN), Decimal(settings.PAYMENT_MAX)
    except (InvalidOperation, TypeError, ValueError):
        low = high = None
    if low is None or not (low.is_finite() and high.is_finite() and 0 < low <= high):
        found.append(
            checks.Error(
                f"PAYMENT_MIN ({settings.PAYMENT_MIN!r}) and PAYMENT_MAX "
                f"({settings.PAYMENT_MAX!r}) must be amounts with 0 < minimum <= maximum.",
                id="payment_gateways.E001",
            )
        )
    stripe_key, stripe_mode = settings.PLATFORM_STRIPE_SECRET_KEY, settings.PLATFORM_STRIPE_MODE
    if stripe_key and not stripe_key.startswith((f"sk_{stripe_mode}_", f"rk_{stripe_mode}_")):
        found.append(
            checks.Error(
                f"PLATFORM_STRIPE_SECRET_KEY is not a {stripe_mode}-mode key "
                f"(PLATFORM_STRIPE_MODE is {stripe_mode!r}).",
                id="payment_gateways.E002",
            )
        )
    if settings.PLATFORM_PAYPAL_MODE not in ("sandbox", "live"):
        found.append(
            checks.Error(
                "PLATFORM_PAYPAL_MODE must be sandbox or live.", id="payment_gateways.E003"
            )
        )
    return found


@checks.register(checks.Tags.security, deploy=True)
def platform_webhooks_are_verifiable(app_configs, **kwargs):
    """Without the webhook secret / ID, payments complete only when the payer comes back."""
    found = []
    if settings.PLATFORM_STRIPE_SECRET_KEY and not settings.PLATFORM_STRIPE_WEBHOOK_SECRET:
        found.append(
            checks.Warning(
                "PLATFORM_STRIPE_WEBHOOK_SECRET is empty: Stripe's webhooks are refused, so a "
                "card payment completes only when the payer returns to the panel.",
                hint="Add an endpoint for /webhooks/platform/stripe/ in Stripe's dashboard and "
                "set its whsec_ signing secret.",
                id="payment_gateways.W002",
            )
        )
    if settings.PLATFORM_PAYPAL_CLIENT_ID and not settings.PLATFORM_PAYPAL_WEBHOOK_ID:
        found.append(
            checks.Warning(
                "PLATFORM_PAYPAL_WEBHOOK_ID is empty: PayPal's webhooks are refused.",
                hint="Add a webhook for /webhooks/platform/paypal/ in PayPal's developer "
                "dashboard and set its Webhook ID.",
                id="payment_gateways.W003",
            )
        )
    return found
