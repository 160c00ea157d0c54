"""The one interface every payment gateway adapter implements, and what it hands back.

Adapters do network I/O only: no database access, so a check can run in a worker thread and
outside any transaction. Secrets travel in :class:`Credentials`, whose repr is masked.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models import last4

if TYPE_CHECKING:
    from .payments import Checkout, GatewayAnswer, Order, WebhookEvent

MAX_MESSAGE = 500


@dataclass(frozen=True, repr=False)
class Credentials:
    mode: str  # "sandbox" | "test" | "live"
    public_key: str
    secret_key: str
    webhook_secret: str = ""
    webhook_id: str = ""
    receiver_email: str = ""

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.secret_key, self.webhook_secret) if s)

    def __repr__(self) -> str:
        return (
            f"Credentials(mode={self.mode!r}, public_key={last4(self.public_key)!r}, "
            f"secret_key={last4(self.secret_key)!r})"
        )


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a credentials check: ``ok`` and the gateway's own words (or ours)."""

    ok: bool
    message: str = ""
    details: dict = field(default_factory=dict)


class GatewayClient(ABC):
    """Talks to one provider with one gateway's credentials, through that provider's SDK."""

    label = ""

    def __init__(self, credentials: Credentials, *, api_base: str, timeout: float):
        self.credentials = credentials
        self.api_base = api_base
        self.timeout = timeout

    @abstractmethod
    def verify(self) -> CheckResult:
        """Call the gateway with the credentials; never raises for what the gateway answers."""

    # The payment side (payments/services.py), implemented per provider in
    # providers/<provider>_payments.py. Network only, like verify(); they raise GatewayError
    # (a plain sentence) when the gateway refuses or cannot be reached.

    def start_checkout(self, order: "Order") -> "Checkout":
        """Create the checkout at the gateway and say where to send the payer."""
        raise NotImplementedError

    def confirm_return(self, checkout_id: str, query: Mapping[str, str]) -> "GatewayAnswer":
        """Ask the gateway, server side, what became of ``checkout_id`` when the payer comes
        back (PayPal: execute the approved payment). ``query`` is the return URL's query string:
        hints at most, never trusted."""
        raise NotImplementedError

    def cancel_checkout(self, checkout_id: str) -> "GatewayAnswer":
        """The payer came back through the cancel link: close the checkout at the gateway where
        it can be closed, and say what it is now (it may have been paid after all)."""
        raise NotImplementedError

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> "WebhookEvent":
        """Verify a webhook's signature (Stripe: ``whsec_`` secret; PayPal: the
        ``v1/notifications/verify-webhook-signature`` call with the Webhook ID, since the SDK's
        ``WebhookEvent.verify`` is broken with current pyOpenSSL) and read the event. Raises
        InvalidWebhook for anything that is not the gateway's."""
        raise NotImplementedError

    # Helpers for the adapters' messages.

    def timeout_message(self) -> str:
        seconds = f"{self.timeout:g}"
        unit = "second" if seconds == "1" else "seconds"
        return f"The gateway did not answer in {seconds} {unit}."

    def clean_message(self, message: str) -> str:
        """A message fit to store and show: no secret in it (last 4 at most), bounded length."""
        return self.redact(" ".join(str(message).split()))[:MAX_MESSAGE]

    def redact(self, text: str) -> str:
        """``text`` with every secret of these credentials cut to its last 4 (for logs too)."""
        for secret in self.credentials.secrets:
            text = text.replace(secret, last4(secret))
        return text


def connection_failure(exc: BaseException, label: str) -> str:
    """Words for a connection that failed before the gateway answered."""
    reason = ""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.strerror:
            reason = exc.strerror
        exc = exc.__cause__ or exc.__context__ or _wrapped(exc)
    if not reason:
        return f"Could not connect to {label}."
    return f"Could not connect to {label}: {reason[0].lower()}{reason[1:]}."


def _wrapped(exc):
    """urllib3 keeps the socket error in ``reason`` or the first argument, not in __cause__."""
    inner = getattr(exc, "reason", None)
    if isinstance(inner, BaseException):
        return inner
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], BaseException) else None
