"""What the payment side of an adapter takes and hands back (SPEC §7-8), provider-neutral.

An adapter turns an :class:`Order` into a :class:`Checkout` (where to send the payer), reads the
gateway's answer about a checkout into a :class:`GatewayAnswer`, and turns a signed webhook into a
:class:`WebhookEvent`. It never decides what the answer means for the payment: the payments
service checks amount, currency and receiver against what was asked. Adapters read the
providers' answers defensively (a field they do not need never turns a good answer bad) and put
only plain sentences in ``reason`` / ``message``; the detail goes to the log.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_SENTENCE = 300
_FIRST_SENTENCE = re.compile(r".*?(?:[.!?](?=\s+[A-Z])|$)")
_URL = re.compile(r"\(?\bhttps?://\S+\)?")
# Trailers providers append to point at their docs: "See https://… for details.", "Please see …".
_POINTERS = re.compile(
    r"(?:\s*(?:please\s+)?(?:see|refer to|visit|read)\b[^.]*?(?:for (?:more )?details|docs?|"
    r"documentation)?\s*[.]?)+\s*$",
    re.I,
)


class Outcome:
    """What the gateway says happened to a checkout."""

    PAID = "paid"  # the money moved: complete the payment (after the service's checks)
    PENDING = "pending"  # not yet: the payer has not paid, or the gateway is still processing
    CANCELLED = "cancelled"  # the payer cancelled, or the checkout expired: nothing moved
    FAILED = "failed"  # the gateway refused or reversed it: nothing credited


@dataclass(frozen=True)
class Order:
    """What to ask the gateway for. ``reference`` is the payment's uuid (the gateway echoes it);
    ``idempotency_key`` makes a retried create return the first checkout, not a second one."""

    reference: str
    amount: Decimal
    currency: str
    description: str
    return_url: str
    cancel_url: str
    idempotency_key: str
    receiver: str = ""  # PayPal: the payee's email the money must reach
    payer_email: str = ""


@dataclass(frozen=True)
class Checkout:
    checkout_id: str  # Stripe: the Checkout Session (cs_…); PayPal: the payment (PAYID-…)
    redirect_url: str  # the gateway's page where the payer approves


@dataclass(frozen=True)
class GatewayAnswer:
    """The gateway's word about one checkout, as read from its own answer."""

    outcome: str
    checkout_id: str = ""
    reference: str = ""  # the payment's uuid as the gateway echoes it (Order.reference)
    transaction_id: str = ""  # Stripe: the PaymentIntent (pi_…); PayPal: the sale
    amount: Decimal | None = None  # None: the answer did not say
    currency: str = ""  # upper case
    receiver: str = ""  # PayPal: the payee's email in the answer
    payer: str = ""  # the payer's email, when the gateway says
    reason: str = ""  # a plain sentence for Pending, Cancelled and Failed


@dataclass(frozen=True)
class WebhookEvent:
    """A webhook whose signature checked out. ``answer`` is None for event types that say
    nothing about a payment (they are acknowledged and ignored)."""

    event_id: str
    event_type: str
    answer: GatewayAnswer | None = None


class GatewayError(Exception):
    """The gateway refused or could not be reached. ``message`` is a plain sentence for the
    payer; ``detail`` (the provider's own words, ids) is for the log only."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


class InvalidWebhook(Exception):
    """A webhook that is not the gateway's: unsigned, badly signed, stale or unreadable.
    ``reason`` goes to the audit log; the caller answers 400 and changes nothing."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def plain_sentence(text, fallback: str = "The gateway refused the request.") -> str:
    """A provider's message fit to show: its first sentence, without URLs or "see the docs"
    trailers, bounded, ending with a full stop."""
    text = " ".join(str(text or "").split())
    text = _URL.sub("", text)
    text = _FIRST_SENTENCE.match(text).group(0)  # lists of what is allowed, hints: left out
    text = _POINTERS.sub("", text)
    text = " ".join(text.split()).strip(" ,;:-")
    if not text:
        return fallback
    if len(text) > MAX_SENTENCE:
        text = text[: MAX_SENTENCE - 1].rsplit(" ", 1)[0] + "…"
    if text[-1] not in ".!?…":
        text += "."
    return text[0].upper() + text[1:]


def decimal_or_none(value) -> Decimal | None:
    """A money amount from an answer (a string such as "25.00", or a number); None when absent
    or not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def text(value) -> str:
    """A string field from an answer; anything else (missing, a number, an object) is ""."""
    return value.strip() if isinstance(value, str) else ""
