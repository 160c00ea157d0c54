"""Where a payment is paid: a *channel* is one provider with one set of credentials.

- The platform's own Stripe and PayPal accounts, from settings (``PLATFORM_STRIPE_*``,
  ``PLATFORM_PAYPAL_*``): how an Account tops up its balance. A provider whose keys are blank is
  not configured and not offered.
- An account's own gateway (a :class:`~payment_gateways.models.Gateway` row of the API tab): how
  the account's portal customers will pay the account.

Both reach the provider through the same adapters (``providers.client_for``).
"""

from dataclasses import dataclass

from django.conf import settings

from ..models import Gateway, Payment
from ..providers import GatewayClient, client_for

PLATFORM_PREFIX = "platform:"
GATEWAY_PREFIX = "gateway:"
# The order the Make Payment dialog offers them in (the reference screen's).
PROVIDERS = (Gateway.Type.PAYPAL, Gateway.Type.STRIPE)


@dataclass(frozen=True)
class Channel:
    key: str  # "platform:stripe" or "gateway:<uuid>": stored on each payment
    gateway: Gateway  # the account's row, or an unsaved one built from settings

    @property
    def provider(self) -> str:
        return self.gateway.type

    @property
    def is_platform(self) -> bool:
        return self.key.startswith(PLATFORM_PREFIX)

    @property
    def saved_gateway(self) -> Gateway | None:
        return None if self.is_platform else self.gateway

    @property
    def label(self) -> str:
        """How the payer knows it: "Credit card" (Stripe) or "PayPal"."""
        return Payment.METHOD_LABELS[self.provider]

    @property
    def receiver(self) -> str:
        """PayPal: the account the money must reach (empty: not checked)."""
        return self.gateway.receiver_email.strip().lower()

    def client(self) -> GatewayClient:
        return client_for(self.gateway)


def _platform_gateway(provider: str) -> Gateway | None:
    if provider == Gateway.Type.STRIPE:
        if not settings.PLATFORM_STRIPE_SECRET_KEY:
            return None
        return Gateway(
            type=provider,
            name="Platform Stripe",
            mode=settings.PLATFORM_STRIPE_MODE,
            public_key=settings.PLATFORM_STRIPE_PUBLISHABLE_KEY,
            secret_key=settings.PLATFORM_STRIPE_SECRET_KEY,
            webhook_secret=settings.PLATFORM_STRIPE_WEBHOOK_SECRET,
        )
    if provider == Gateway.Type.PAYPAL:
        if not (settings.PLATFORM_PAYPAL_CLIENT_ID and settings.PLATFORM_PAYPAL_SECRET):
            return None
        return Gateway(
            type=provider,
            name="Platform PayPal",
            mode=settings.PLATFORM_PAYPAL_MODE,
            public_key=settings.PLATFORM_PAYPAL_CLIENT_ID,
            secret_key=settings.PLATFORM_PAYPAL_SECRET,
            webhook_id=settings.PLATFORM_PAYPAL_WEBHOOK_ID,
            receiver_email=settings.PLATFORM_PAYPAL_RECEIVER_EMAIL,
        )
    return None


def platform_channel(provider: str) -> Channel | None:
    """The platform's channel for ``provider``; None when the platform has not configured it."""
    gateway = _platform_gateway(provider)
    return Channel(PLATFORM_PREFIX + provider, gateway) if gateway is not None else None


def platform_channels() -> list[Channel]:
    """The platform's configured channels, in the order the dialog offers them."""
    return [c for c in (platform_channel(p) for p in PROVIDERS) if c is not None]


def gateway_channel(gateway: Gateway) -> Channel:
    return Channel(f"{GATEWAY_PREFIX}{gateway.uuid}", gateway)


def channel_of(payment: Payment) -> Channel | None:
    """The channel a payment was started on, as configured now; None when it is gone (the
    platform dropped the provider, or the account deleted the gateway)."""
    if payment.channel.startswith(PLATFORM_PREFIX):
        return platform_channel(payment.provider)
    if payment.gateway is not None:
        return gateway_channel(payment.gateway)
    return None


def setting_names(provider: str) -> list[str]:
    """The settings a platform operator sets to offer ``provider``."""
    if provider == Gateway.Type.STRIPE:
        return [
            "PLATFORM_STRIPE_SECRET_KEY",
            "PLATFORM_STRIPE_PUBLISHABLE_KEY",
            "PLATFORM_STRIPE_MODE",
            "PLATFORM_STRIPE_WEBHOOK_SECRET",
        ]
    return [
        "PLATFORM_PAYPAL_CLIENT_ID",
        "PLATFORM_PAYPAL_SECRET",
        "PLATFORM_PAYPAL_MODE",
        "PLATFORM_PAYPAL_WEBHOOK_ID",
        "PLATFORM_PAYPAL_RECEIVER_EMAIL",
    ]
