"""PayPal payments through the REST Payments API (v1), with paypalrestsdk.

- Start: ``POST /v1/payments/payment`` (intent ``sale``, payer ``paypal``, the return and cancel
  URLs, one transaction of the amount to the gateway's receiver, the payment's uuid as invoice
  number; ``PayPal-Request-Id`` makes a retry return the same payment) → its ``approval_url``.
- Return: ``GET /v1/payments/payment/{id}`` (approved? by which payer?), then ``POST
  /v1/payments/payment/{id}/execute`` with PayPal's own payer id (the return URL's is not
  trusted); the sale in ``related_resources`` says whether the money moved.
- Webhooks: ``POST /v1/notifications/verify-webhook-signature`` with the transmission headers and
  the Webhook ID (the SDK's ``WebhookEvent.verify`` is broken with current pyOpenSSL); then the
  sale's parent payment is read from PayPal, so only PayPal's own answer counts.
"""

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import requests
from paypalrestsdk import Payment
from paypalrestsdk import exceptions as paypal_errors
from paypalrestsdk.resource import Resource

from .base import connection_failure
from .payments import (
    Checkout,
    GatewayAnswer,
    GatewayError,
    InvalidWebhook,
    Order,
    Outcome,
    WebhookEvent,
    decimal_or_none,
    plain_sentence,
    text,
)
from .paypal import PayPalGatewayClient

log = logging.getLogger(__name__)

WEBHOOK_TOLERANCE = timedelta(minutes=5)
TRANSMISSION_HEADERS = {
    "auth_algo": "PayPal-Auth-Algo",
    "cert_url": "PayPal-Cert-Url",
    "transmission_id": "PayPal-Transmission-Id",
    "transmission_sig": "PayPal-Transmission-Sig",
    "transmission_time": "PayPal-Transmission-Time",
}
# Sale events: the sale's parent payment is fetched from PayPal and read like a return.
SALE_EVENTS = {
    "PAYMENT.SALE.COMPLETED",
    "PAYMENT.SALE.PENDING",
    "PAYMENT.SALE.DENIED",
    "PAYMENT.SALE.REVERSED",
}
ZERO_DECIMAL = frozenset({"HUF", "JPY", "TWD"})  # PayPal takes no decimals for these


def paypal_total(amount, currency: str) -> str:
    return f"{amount:.0f}" if currency in ZERO_DECIMAL else f"{amount:.2f}"


class PayPalPaymentsClient(PayPalGatewayClient):
    def start_checkout(self, order: Order) -> Checkout:
        currency = order.currency.upper()
        transaction = {
            "amount": {"total": paypal_total(order.amount, currency), "currency": currency},
            "description": order.description,
            "invoice_number": order.reference,
            "custom": order.reference,
        }
        if order.receiver:
            transaction["payee"] = {"email": order.receiver}
        payment = Payment(
            {
                "intent": "sale",
                "payer": {"payment_method": "paypal"},
                "redirect_urls": {"return_url": order.return_url, "cancel_url": order.cancel_url},
                "transactions": [transaction],
            },
            api=self._api(),
        )
        payment.request_id = order.idempotency_key
        self._call(payment.create)
        if payment.error:
            raise GatewayError(_refusal(payment.error), repr(payment.error))
        answer = payment.to_dict()
        approval = next(
            (
                text(link.get("href"))
                for link in _dicts(answer.get("links"))
                if link.get("rel") == "approval_url"
            ),
            "",
        )
        if not text(answer.get("id")) or not approval.startswith(("https://", "http://")):
            log.warning("PayPal created a payment without an id or approval link: %r", answer)
            raise GatewayError("PayPal did not return a page to approve the payment on.")
        return Checkout(text(answer["id"]), approval)

    def confirm_return(self, checkout_id: str, query: Mapping[str, str]) -> GatewayAnswer:
        # The return URL's paymentId and PayerID are the browser's word: PayPal's own answer
        # says whether the payment was approved and by whom, and that payer id is executed.
        api = self._api()
        found = self._find(api, checkout_id)
        payer_id = _approved_payer(found)
        if not payer_id:
            return payment_answer(found)
        payment = Payment({"id": checkout_id}, api=api)
        execution = Resource({"payer_id": payer_id}, api=api)
        execution.request_id = f"execute-{checkout_id}"  # a retried execute is the same one
        self._call(lambda: payment.execute(execution))
        error = payment.error
        if not error:
            return payment_answer(payment.to_dict())
        name = text(error.get("name")) if isinstance(error, Mapping) else ""
        if name == "PAYMENT_ALREADY_DONE":
            return payment_answer(self._find(api, checkout_id))
        log.warning("PayPal refused to execute %s: %r", checkout_id, error)
        return GatewayAnswer(Outcome.FAILED, checkout_id=checkout_id, reason=_refusal(error))

    def cancel_checkout(self, checkout_id: str) -> GatewayAnswer:
        # PayPal has no call to cancel a payment of this API: one that is never executed moves
        # no money (and expires at PayPal after three hours).
        found = self._find(self._api(), checkout_id)
        answer = payment_answer(found)
        if answer.outcome == Outcome.PENDING:
            return GatewayAnswer(
                Outcome.CANCELLED,
                checkout_id=checkout_id,
                amount=answer.amount,
                currency=answer.currency,
                reason="You cancelled the payment at PayPal.",
            )
        return answer

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        webhook_id = self.credentials.webhook_id
        if not webhook_id:
            raise InvalidWebhook("No Webhook ID is set, so PayPal's signature cannot be checked.")
        transmission = {
            key: (headers.get(name) or "") for key, name in TRANSMISSION_HEADERS.items()
        }
        if not all(transmission.values()):
            raise InvalidWebhook("Unsigned: PayPal's transmission headers are missing.")
        _check_fresh(transmission["transmission_time"])
        try:
            event = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidWebhook("Not a PayPal event: the body is not JSON.") from exc
        if not isinstance(event, dict):
            raise InvalidWebhook("Not a PayPal event.")
        api = self._api()
        verdict = self._call(
            lambda: api.post(
                "v1/notifications/verify-webhook-signature",
                {**transmission, "webhook_id": webhook_id, "webhook_event": event},
            )
        )
        if not isinstance(verdict, Mapping) or verdict.get("verification_status") != "SUCCESS":
            log.warning("PayPal did not verify a webhook signature: %r", verdict)
            raise InvalidWebhook("Bad signature: PayPal did not confirm it was sent by PayPal.")
        event_type = text(event.get("event_type"))
        answer = None
        resource = event.get("resource")
        if event_type in SALE_EVENTS and isinstance(resource, Mapping):
            parent = text(resource.get("parent_payment"))
            if parent:
                answer = payment_answer(self._find(api, parent))
        return WebhookEvent(event_id=text(event.get("id")), event_type=event_type, answer=answer)

    def _find(self, api, checkout_id: str) -> dict:
        found = self._call(lambda: Payment.find(checkout_id, api=api))
        if found.error:
            raise GatewayError(_refusal(found.error), repr(found.error))
        return found.to_dict()

    def _call(self, request: Callable):
        try:
            return request()
        except requests.exceptions.Timeout as exc:
            raise GatewayError(self.timeout_message()) from exc
        except requests.exceptions.RequestException as exc:
            log.warning("PayPal could not be reached: %s", exc)
            raise GatewayError(self.clean_message(connection_failure(exc, "PayPal"))) from exc
        except ValueError as exc:  # a 2xx whose body is not JSON: not PayPal's API answering
            log.warning("PayPal's answer could not be read: %s", exc)
            raise GatewayError("PayPal's answer could not be read.") from exc
        except paypal_errors.ConnectionError as exc:
            log.warning("PayPal refused a payment call: %r %s", exc, exc.content)
            try:
                body = json.loads(exc.content or "")
            except ValueError:
                body = None
            status = getattr(exc.response, "status_code", "?")
            fallback = f"PayPal answered HTTP {status}."
            message = _refusal(body) if isinstance(body, Mapping) else fallback
            raise GatewayError(self.clean_message(message)) from exc


def payment_answer(payment: Mapping) -> GatewayAnswer:
    """A PayPal payment as the payments service needs it: the sale decides. Only a completed
    sale is a payment; an approved payment without one is still waiting."""
    transaction = next(iter(_dicts(payment.get("transactions"))), {})
    amount = transaction.get("amount") if isinstance(transaction.get("amount"), Mapping) else {}
    payee = transaction.get("payee") if isinstance(transaction.get("payee"), Mapping) else {}
    payer = payment.get("payer") if isinstance(payment.get("payer"), Mapping) else {}
    info = payer.get("payer_info") if isinstance(payer.get("payer_info"), Mapping) else {}
    sale = next(
        (
            r["sale"]
            for r in _dicts(transaction.get("related_resources"))
            if isinstance(r.get("sale"), Mapping)
        ),
        None,
    )
    common = {
        "checkout_id": text(payment.get("id")),
        "reference": text(transaction.get("invoice_number")),
        "amount": decimal_or_none(amount.get("total")),
        "currency": text(amount.get("currency")).upper(),
        "receiver": text(payee.get("email")).lower(),
        "payer": text(info.get("email")),
    }
    if sale is not None:
        sale_amount = sale.get("amount") if isinstance(sale.get("amount"), Mapping) else {}
        if sale_amount:  # what moved is the sale's amount
            common["amount"] = decimal_or_none(sale_amount.get("total"))
            common["currency"] = text(sale_amount.get("currency")).upper()
        state = text(sale.get("state"))
        if state == "completed":
            return GatewayAnswer(Outcome.PAID, transaction_id=text(sale.get("id")), **common)
        if state == "pending":
            reason = (
                "PayPal is holding the payment for review; the balance is credited once PayPal "
                "releases it."
            )
            return GatewayAnswer(Outcome.PENDING, reason=reason, **common)
        if state in ("refunded", "partially_refunded", "reversed"):
            return GatewayAnswer(
                Outcome.FAILED, reason="PayPal says the payment was refunded or reversed.", **common
            )
        if state:
            return GatewayAnswer(
                Outcome.FAILED, reason=f"PayPal says the payment was {state}.", **common
            )
    if text(payment.get("state")) == "failed":
        reason = plain_sentence(payment.get("failure_reason"), "PayPal says the payment failed.")
        return GatewayAnswer(
            Outcome.FAILED, reason=f"PayPal says the payment failed: {reason}", **common
        )
    reason = "Waiting for you to approve the payment at PayPal."
    return GatewayAnswer(Outcome.PENDING, reason=reason, **common)


def _approved_payer(payment: Mapping) -> str:
    """The payer id of a payment approved but not executed yet ("" otherwise)."""
    if text(payment.get("state")) != "created":
        return ""
    payer = payment.get("payer") if isinstance(payment.get("payer"), Mapping) else {}
    info = payer.get("payer_info") if isinstance(payer.get("payer_info"), Mapping) else {}
    return text(info.get("payer_id"))


def _check_fresh(transmission_time: str) -> None:
    try:
        sent = datetime.fromisoformat(transmission_time)
    except ValueError as exc:
        raise InvalidWebhook("Unsigned: the transmission time is not a time.") from exc
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    if abs(datetime.now(UTC) - sent) > WEBHOOK_TOLERANCE:
        raise InvalidWebhook("Stale: the transmission is more than 5 minutes old (a replay?).")


def _refusal(error) -> str:
    """PayPal's error body in one plain sentence: the first detail's issue, else its message."""
    if not isinstance(error, Mapping):
        return "PayPal refused the request."
    details = [d for d in _dicts(error.get("details")) if text(d.get("issue"))]
    if details:
        return "PayPal refused: " + plain_sentence(details[0]["issue"])
    message = text(error.get("message")) or text(error.get("error_description"))
    if message and "see details" not in message.lower():
        return "PayPal refused: " + plain_sentence(message)
    name = text(error.get("name")).replace("_", " ").lower()
    return f"PayPal refused: {name}." if name else "PayPal refused the request."


def _dicts(value) -> list:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
