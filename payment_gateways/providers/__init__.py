"""Gateway adapters, chosen by the gateway's type: per provider, the credentials check
(``stripe.py``, ``paypal.py``) and the payment calls beside it (``stripe_payments.py``,
``paypal_payments.py``, whose clients extend the check's).

Only the provider modules of this package import the providers' SDKs; everything else reaches a
gateway through :func:`client_for` and the :class:`GatewayClient` interface.
"""

from django.conf import settings

from ..models import Gateway
from .base import CheckResult, Credentials, GatewayClient

__all__ = ["CheckResult", "Credentials", "GatewayClient", "api_base", "client_for"]


def _client_class(gateway_type: str) -> type[GatewayClient]:
    # Imported on use: the SDKs cost start-up time and only the API tab needs them.
    if gateway_type == Gateway.Type.STRIPE:
        from .stripe_payments import StripePaymentsClient

        return StripePaymentsClient
    if gateway_type == Gateway.Type.PAYPAL:
        from .paypal_payments import PayPalPaymentsClient

        return PayPalPaymentsClient
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
