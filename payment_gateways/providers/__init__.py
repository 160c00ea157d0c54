"""Gateway adapters, one module per provider, chosen by the gateway's type.

Only ``providers/stripe.py`` and ``providers/paypal.py`` import the providers' SDKs; everything
else reaches a gateway through :func:`client_for` and the :class:`GatewayClient` interface.
"""

from django.conf import settings

from ..models import Gateway
from .base import CheckResult, Credentials, GatewayClient

__all__ = ["CheckResult", "Credentials", "GatewayClient", "api_base", "client_for"]


def _client_class(gateway_type: str) -> type[GatewayClient]:
    # Imported on use: the SDKs cost start-up time and only the API tab needs them.
    if gateway_type == Gateway.Type.STRIPE:
        from .stripe import StripeGatewayClient

        return StripeGatewayClient
    if gateway_type == Gateway.Type.PAYPAL:
        from .paypal import PayPalGatewayClient

        return PayPalGatewayClient
    raise ValueError(f"no adapter for gateway type {gateway_type!r}")


def api_base(gateway_type: str, mode: str) -> str:
    """The API base for a provider and mode, from settings."""
    if gateway_type == Gateway.Type.STRIPE:
        return settings.STRIPE_API_BASE
    if mode == Gateway.Mode.SANDBOX:
        return settings.PAYPAL_SANDBOX_API_BASE
    return settings.PAYPAL_API_BASE


def client_for(gateway: Gateway) -> GatewayClient:
    """The adapter for ``gateway``, holding its decrypted credentials (no network yet)."""
    credentials = Credentials(
        mode=gateway.mode,
        public_key=gateway.public_key,
        secret_key=gateway.secret_key,
        webhook_secret=gateway.webhook_secret,
        webhook_id=gateway.webhook_id,
        receiver_email=gateway.receiver_email,
    )
    return _client_class(gateway.type)(
        credentials,
        api_base=api_base(gateway.type, gateway.mode),
        timeout=settings.GATEWAY_TIMEOUT_SECONDS,
    )
