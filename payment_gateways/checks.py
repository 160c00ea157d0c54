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
