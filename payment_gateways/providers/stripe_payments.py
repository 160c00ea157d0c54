"""Stripe payments through Checkout Sessions, with the official SDK.

- Start: ``POST /v1/checkout/sessions`` (mode ``payment``, one line item of the amount, the
  return URL carrying ``{CHECKOUT_SESSION_ID}``, an idempotency key derived from the payment) →
  the session's hosted ``url``.
- Return and cancel: ``GET /v1/checkout/sessions/{id}`` (``payment_status == "paid"``) and
  ``POST /v1/checkout/sessions/{id}/expire``.
- Webhooks: the ``Stripe-Signature`` header (``t=…,v1=HMAC-SHA256``) checked by the SDK with the
  gateway's ``whsec_`` secret and a 5-minute tolerance; ``checkout.session.*`` events.
"""

import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal

import requests
import stripe

from .base import connection_failure
from .payments import (
    Checkout,
    GatewayAnswer,
    GatewayError,
    InvalidWebhook,
    Order,
    Outcome,
    WebhookEvent,
    plain_sentence,
    text,
)
from .stripe import StripeGatewayClient

log = logging.getLogger(__name__)

WEBHOOK_TOLERANCE_SECONDS = 300
# A session Stripe still accepts payment on must close before the platform gives up on the
# payment (PAYMENT_PENDING_HOURS, 24 by default): Stripe allows 30 minutes to 24 hours.
SESSION_LIFETIME_SECONDS = 23 * 3600
# Stripe's amounts are in the currency's smallest unit; these are Stripe's exceptions to "cents".
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])


def minor_units(amount: Decimal, currency: str) -> int:
    exponent = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    return int((amount * (10**exponent)).to_integral_value())


def from_minor_units(value, currency: str) -> Decimal | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    exponent = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    return Decimal(value).scaleb(-exponent)


class StripePaymentsClient(StripeGatewayClient):
    def start_checkout(self, order: Order) -> Checkout:
        currency = order.currency.upper()
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": minor_units(order.amount, currency),
                        "product_data": {"name": order.description},
                    },
                }
            ],
            "success_url": _with_session_id(order.return_url),
            "cancel_url": order.cancel_url,
            "client_reference_id": order.reference,
            "metadata": {"payment": order.reference},
            "payment_intent_data": {
                "description": order.description,
                "metadata": {"payment": order.reference},
            },
            "expires_at": int(time.time()) + SESSION_LIFETIME_SECONDS,
        }
        if order.payer_email:
            params["customer_email"] = order.payer_email
        session = self._call(
            lambda client: client.v1.checkout.sessions.create(
                params, options={"idempotency_key": order.idempotency_key}
            )
        ).to_dict()
        checkout_id, url = text(session.get("id")), text(session.get("url"))
        if not checkout_id or not url.startswith(("https://", "http://")):
            log.warning("Stripe created a checkout session without an id or url: %r", session)
            raise GatewayError("Stripe did not return a payment page.")
        return Checkout(checkout_id, url)

    def confirm_return(self, checkout_id: str, query: Mapping[str, str]) -> GatewayAnswer:
        # The session id in the return URL is only a hint: the payment's own is asked about.
        session = self._call(lambda client: client.v1.checkout.sessions.retrieve(checkout_id))
        return session_answer(session.to_dict())

    def cancel_checkout(self, checkout_id: str) -> GatewayAnswer:
        try:
            session = self._call(
                lambda client: client.v1.checkout.sessions.expire(checkout_id), raw=True
            )
        except stripe.InvalidRequestError:
            # Not open any more (paid meanwhile, or already expired): say what it is.
            session = self._call(lambda client: client.v1.checkout.sessions.retrieve(checkout_id))
        return session_answer(session.to_dict())

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        secret = self.credentials.webhook_secret
        if not secret:
            raise InvalidWebhook(
                "No webhook signing secret is set, so Stripe's signature cannot be checked."
            )
        signature = headers.get("Stripe-Signature") or ""
        if not signature:
            raise InvalidWebhook("Unsigned: the request has no Stripe-Signature header.")
        client, http = self._client()
        try:
            event = client.construct_event(
                body, signature, secret, WEBHOOK_TOLERANCE_SECONDS
            ).to_dict()
        except stripe.SignatureVerificationError as exc:
            if "tolerance" in str(exc.user_message):
                raise InvalidWebhook(
                    "Stale: the signature is more than 5 minutes old (a replay?)."
                ) from exc
            raise InvalidWebhook(
                "Bad signature: it does not match the webhook signing secret."
            ) from exc
        except (ValueError, TypeError, AttributeError) as exc:  # not JSON, or not an event
            raise InvalidWebhook("Signed, but not a Stripe event.") from exc
        finally:
            http.close()
        return WebhookEvent(
            event_id=text(event.get("id")),
            event_type=text(event.get("type")),
            answer=_event_answer(event),
        )

    def _call(self, request: Callable, *, raw: bool = False):
        """One SDK call; the SDK's errors become GatewayError with a plain sentence (``raw``:
        Stripe's own refusals are re-raised for the caller to read)."""
        client, http = self._client()
        try:
            return request(client)
        except stripe.APIConnectionError as exc:
            log.warning("Stripe could not be reached: %s", exc)
            if isinstance(exc.__cause__, requests.exceptions.Timeout):
                raise GatewayError(self.timeout_message()) from exc
            raise GatewayError(self.clean_message(connection_failure(exc, "Stripe"))) from exc
        except stripe.StripeError as exc:
            if raw and isinstance(exc, stripe.InvalidRequestError):
                raise
            log.warning("Stripe refused a payment call: %r %s", exc, exc.http_body)
            if not isinstance(exc.json_body, dict):  # not an answer of Stripe's API at all
                unreadable = f"Stripe's answer could not be read (HTTP {exc.http_status})."
                raise GatewayError(unreadable) from exc
            sentence = plain_sentence(exc.user_message, f"Stripe answered HTTP {exc.http_status}.")
            raise GatewayError(self.clean_message(f"Stripe refused: {sentence}")) from exc
        finally:
            http.close()


def _with_session_id(url: str) -> str:
    """Stripe puts the session id where ``{CHECKOUT_SESSION_ID}`` stands (unencoded braces)."""
    return f"{url}{'&' if '?' in url else '?'}session_id={{CHECKOUT_SESSION_ID}}"


def session_answer(session) -> GatewayAnswer:
    """A Checkout Session (as a plain dict) as the payments service needs it. ``payment_status
    == "paid"`` is the only proof of payment; every other state keeps the payment waiting or
    closes it."""
    currency = text(session.get("currency")).upper()
    intent = session.get("payment_intent")
    intent_id = text(intent) or (text(intent.get("id")) if isinstance(intent, Mapping) else "")
    details = session.get("customer_details")
    payer = text(details.get("email")) if isinstance(details, Mapping) else ""
    common = {
        "checkout_id": text(session.get("id")),
        "reference": text(session.get("client_reference_id")),
        "amount": from_minor_units(session.get("amount_total"), currency),
        "currency": currency,
        "payer": payer or text(session.get("customer_email")),
    }
    status, paid = text(session.get("status")), text(session.get("payment_status"))
    if paid == "paid":
        return GatewayAnswer(
            Outcome.PAID, transaction_id=intent_id or common["checkout_id"], **common
        )
    if status == "expired":
        reason = "The Stripe checkout closed before it was paid."
        return GatewayAnswer(Outcome.CANCELLED, reason=reason, **common)
    if status == "complete":
        reason = "Stripe is still processing the payment; the balance is credited once it clears."
        return GatewayAnswer(Outcome.PENDING, reason=reason, **common)
    return GatewayAnswer(Outcome.PENDING, reason="Waiting for the payment at Stripe.", **common)


def _event_answer(event) -> GatewayAnswer | None:
    event_type = text(event.get("type"))
    data = event.get("data")
    session = data.get("object") if isinstance(data, Mapping) else None
    if not event_type.startswith("checkout.session.") or not isinstance(session, Mapping):
        return None
    if event_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        return session_answer(session)
    if event_type == "checkout.session.async_payment_failed":
        answer = session_answer(session)
        return GatewayAnswer(
            Outcome.FAILED,
            checkout_id=answer.checkout_id,
            reference=answer.reference,
            amount=answer.amount,
            currency=answer.currency,
            reason="The payment failed at Stripe.",
        )
    if event_type == "checkout.session.expired":
        return session_answer(session)
    return None
