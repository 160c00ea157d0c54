"""PayPal payments for the fake PayPal (tests/fakes/paypal_api.py): the REST Payments API (v1),
the approval page the payer approves on, and signed webhook deliveries, in PayPal's shapes.

- ``POST /v1/payments/payment`` (Bearer token from ``/v1/oauth2/token``; ``PayPal-Request-Id``
  replays the first answer) → ``state: created`` and an ``approval_url`` link;
  ``GET /v1/payments/payment/{id}``; ``POST /v1/payments/payment/{id}/execute`` with the payer id
  → ``state: approved`` and the sale in ``related_resources`` (``PAYMENT_NOT_APPROVED_FOR_
  EXECUTION``, ``PAYMENT_ALREADY_DONE``, ``INVALID_PAYER_ID``, ``VALIDATION_ERROR`` with
  ``details`` and PayPal's ``information_link`` otherwise).
- ``GET /checkoutnow?token=EC-…``: the approval page (no token needed); Pay Now redirects to the
  return URL with ``paymentId``, ``token`` and ``PayerID``; Cancel to the cancel URL with ``token``.
- Webhooks: ``PAYMENT.SALE.COMPLETED`` (or ``PENDING``) is delivered, before execute answers, to
  each registered listener with PayPal's transmission headers; ``POST
  /v1/notifications/verify-webhook-signature`` answers ``SUCCESS`` only for a transmission this
  fake signed for that Webhook ID with that very event, ``FAILURE`` otherwise.
"""

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import uuid
import zlib
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode

import requests

from .pages import HostedPages

CURRENCIES = frozenset(
    [
        "AUD",
        "BRL",
        "CAD",
        "CNY",
        "CZK",
        "DKK",
        "EUR",
        "HKD",
        "HUF",
        "ILS",
        "JPY",
        "MYR",
        "MXN",
        "TWD",
        "NZD",
        "NOK",
        "PHP",
        "PLN",
        "GBP",
        "RUB",
        "SGD",
        "SEK",
        "CHF",
        "THB",
        "USD",
    ]
)
NO_DECIMALS = frozenset({"HUF", "JPY", "TWD"})
INFORMATION_LINK = "https://developer.paypal.com/docs/api/payments/#errors"
CERT_URL = "/v1/notifications/certs/CERT-360caa42-fca2a594-ab66f33d"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _code(prefix: str, length: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def canonical(event: dict) -> bytes:
    """The bytes the fake signs: the event re-serialised the same way on both sides."""
    return json.dumps(event, sort_keys=True, separators=(",", ":")).encode()


class PaymentsFake:
    """State of the fake's payments (mixed into FakePayPal)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.payments: dict[str, dict] = {}
        self.payment_app: dict[str, str] = {}  # payment id → client id
        self.by_token: dict[str, str] = {}  # EC- token → payment id
        self.approvals: dict[str, str] = {}  # payment id → payer id
        self.replays: dict[tuple[str, str], tuple[int, dict]] = {}
        self.merchants: dict[str, str] = {}  # client id → the app's own merchant email
        self.listeners: list[tuple[str, str]] = []  # (url, webhook id)
        self.events: list[dict] = []
        self.deliveries: list[tuple[str, int]] = []
        self.sale_state = "completed"  # what execute makes: "pending" holds it for review
        self.decline_execute = False  # True: the payer's funding source is declined at execute
        self.signing_key = secrets.token_bytes(32)
        self.public_url = ""
        self.lock = threading.RLock()

    @property
    def base_url(self) -> str:
        return self.public_url or self.url

    def add_webhook(self, url: str, webhook_id: str = "") -> str:
        """Deliver events to ``url`` as the webhook ``webhook_id``; returns the id."""
        webhook_id = webhook_id or _code("", 17)
        self.listeners.append((url, webhook_id))
        return webhook_id

    # What the payer does on the approval page, for tests that skip the browser.

    def approve(self, payment_id: str, email: str = "buyer@example.com") -> str:
        """The payer approves on PayPal's page; returns their payer id."""
        with self.lock:
            payer_id = _code("", 13)
            self.approvals[payment_id] = payer_id
            payment = self.payments[payment_id]
            payment["payer"] = {
                "payment_method": "paypal",
                "status": "VERIFIED",
                "payer_info": {
                    "email": email,
                    "first_name": "Test",
                    "last_name": "Buyer",
                    "payer_id": payer_id,
                    "country_code": "US",
                },
            }
            payment["update_time"] = _now()
        return payer_id

    def tamper(self, payment_id: str, *, total=None, currency=None, payee_email=None) -> None:
        """Change what PayPal will say the payment was for, or who it paid."""
        with self.lock:
            transaction = self.payments[payment_id]["transactions"][0]
            if total is not None:
                transaction["amount"]["total"] = total
            if currency is not None:
                transaction["amount"]["currency"] = currency
            if payee_email is not None:
                transaction["payee"]["email"] = payee_email

    # Events and their signed delivery.

    def event(self, event_type: str, resource: dict, resource_type: str = "sale") -> dict:
        amount = resource.get("amount", {})
        event = {
            "id": "WH-" + _code("", 17) + "-" + _code("", 17),
            "event_version": "1.0",
            "create_time": _now(),
            "resource_type": resource_type,
            "event_type": event_type,
            "summary": f"Payment completed for {amount.get('currency')} {amount.get('total')}",
            "resource": json.loads(json.dumps(resource)),
            "links": [],
        }
        self.events.append(event)
        return event

    def signature(self, transmission_id, transmission_time, webhook_id, event) -> str:
        crc = zlib.crc32(canonical(event))
        message = f"{transmission_id}|{transmission_time}|{webhook_id}|{crc}".encode()
        return base64.b64encode(
            hmac.new(self.signing_key, message, hashlib.sha256).digest()
        ).decode()

    def signed(self, event: dict, webhook_id: str, when: str | None = None) -> tuple[bytes, dict]:
        """The body and headers PayPal sends for ``event`` to the listener of ``webhook_id``."""
        transmission_id, transmission_time = str(uuid.uuid1()), when or _now()
        headers = {
            "Content-Type": "application/json",
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "PAYPAL-CERT-URL": self.base_url + CERT_URL,
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-SIG": self.signature(
                transmission_id, transmission_time, webhook_id, event
            ),
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "User-Agent": "PayPal/AUHD-214.0-58443925",
        }
        return json.dumps(event).encode(), headers

    def deliver(self, event: dict) -> None:
        for url, webhook_id in list(self.listeners):
            body, headers = self.signed(event, webhook_id)
            try:
                status = requests.post(url, data=body, headers=headers, timeout=10).status_code
            except requests.RequestException:
                status = 0
            self.deliveries.append((url, status))


class PaymentsRoutes(HostedPages):
    """Request handling for payments (mixed into PayPalHandler, asked before its own routes)."""

    accent, accent_text = "#ffc439", "#111"
    redirect_status = 302

    def route_payments(self, body: bytes) -> bool:
        fake = self.server.fake
        path, _, query = self.path.partition("?")
        if path == "/checkoutnow":
            token = parse_qs(query).get("token", [""])[0]
            self.approval_page(fake, token, body)
            return True
        api = path.startswith("/v1/payments/payment") or path == (
            "/v1/notifications/verify-webhook-signature"
        )
        if not api:
            return False
        client_id = self._bearer(fake)
        if client_id is None:
            self.oauth_error(401, "invalid_token", "Token signature verification failed")
            return True
        self.after: list = []  # deliveries to make before answering, outside the lock
        with fake.lock:
            parts = path.removeprefix("/v1/payments/payment").strip("/").split("/")
            if path.startswith("/v1/notifications"):
                answer = self.verify_signature(fake, body)
            elif self.command == "POST" and parts == [""]:
                answer = self.replayable(
                    fake, client_id, lambda: self.create(fake, client_id, body)
                )
            elif self.command == "GET" and len(parts) == 1:
                answer = self.show(fake, client_id, parts[0])
            elif self.command == "POST" and len(parts) == 2 and parts[1] == "execute":
                answer = self.replayable(
                    fake, client_id, lambda: self.execute(fake, client_id, parts[0], body)
                )
            else:
                return False
        # Webhooks go out before the answer, so the order of events is the same on every run
        # (and outside the lock: the listener calls back to verify the signature).
        for deliver in self.after:
            deliver()
        self.send_json(*answer, self._headers())
        return True

    def replayable(self, fake, client_id: str, answer) -> tuple[int, dict]:
        """PayPal-Request-Id: the same id gets the first answer again (PayPal keeps them)."""
        request_id = self.headers.get("PayPal-Request-Id")
        key = (client_id, request_id)
        if request_id and key in fake.replays:
            return fake.replays[key]
        status, payload = answer()
        if request_id:
            fake.replays[key] = (status, payload)
        return status, payload

    def create(self, fake, client_id: str, body: bytes) -> tuple[int, dict]:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return self.rest_error(
                400, "MALFORMED_REQUEST", "Incoming JSON request does not map to API request"
            )
        details = []
        if request.get("intent") not in ("sale", "authorize", "order"):
            details.append(("intent", "Value is invalid (must be sale, authorize or order)."))
        if (request.get("payer") or {}).get("payment_method") != "paypal":
            details.append(("payer.payment_method", "Value is invalid."))
        urls = request.get("redirect_urls") or {}
        for name in ("return_url", "cancel_url"):
            if not urls.get(name):
                details.append(
                    (f"redirect_urls.{name}", "This field required when payment_method is 'paypal'")
                )
        transactions = request.get("transactions") or []
        if len(transactions) != 1:
            details.append(("transactions", "Exactly one transaction is supported by this fake."))
        else:
            amount = transactions[0].get("amount") or {}
            total, currency = str(amount.get("total", "")), amount.get("currency", "")
            if currency not in CURRENCIES:
                details.append(
                    (
                        "transactions[0].amount.currency",
                        "Currency code is invalid or is not currently supported",
                    )
                )
            elif currency in NO_DECIMALS and "." in total:
                details.append(
                    ("transactions[0].amount.total", "Currency does not support decimals.")
                )
            elif not re.fullmatch(r"[0-9]{1,7}(\.[0-9]{2})?", total) or float(total) <= 0:
                details.append(
                    (
                        "transactions[0].amount.total",
                        "Must be greater than zero, with two decimals.",
                    )
                )
        if details:
            return self.rest_error(
                400,
                "VALIDATION_ERROR",
                "Invalid request - see details",
                [{"field": field, "issue": issue} for field, issue in details],
            )
        payment_id = "PAYID-" + _code("", 24)
        token = "EC-" + _code("", 17)
        transaction = json.loads(json.dumps(transactions[0]))
        merchant = fake.merchants.get(client_id) or f"merchant@{client_id[:8].lower()}.example"
        payee = transaction.get("payee") or {}
        transaction["payee"] = {
            "email": payee.get("email") or merchant,
            "merchant_id": _code("", 13),
        }
        transaction["related_resources"] = []
        base = f"{fake.base_url}/v1/payments/payment/{payment_id}"
        payment = {
            "id": payment_id,
            "intent": request["intent"],
            "state": "created",
            "payer": {"payment_method": "paypal"},
            "transactions": [transaction],
            "redirect_urls": urls,
            "create_time": _now(),
            "links": [
                {"href": base, "rel": "self", "method": "GET"},
                {
                    "href": f"{fake.base_url}/checkoutnow?token={token}",
                    "rel": "approval_url",
                    "method": "REDIRECT",
                },
                {"href": f"{base}/execute", "rel": "execute", "method": "POST"},
            ],
        }
        fake.payments[payment_id] = payment
        fake.payment_app[payment_id] = client_id
        fake.by_token[token] = payment_id
        payment["cart"] = token.removeprefix("EC-")
        return 201, _public(payment)

    def show(self, fake, client_id: str, payment_id: str) -> tuple[int, dict]:
        if fake.payment_app.get(payment_id) != client_id:
            return self.not_found()
        return 200, _public(fake.payments[payment_id])

    def execute(self, fake, client_id: str, payment_id: str, body: bytes) -> tuple[int, dict]:
        if fake.payment_app.get(payment_id) != client_id:
            return self.not_found()
        payment = fake.payments[payment_id]
        try:
            payer_id = json.loads(body or b"{}").get("payer_id", "")
        except (ValueError, AttributeError):
            payer_id = ""
        if payment["state"] != "created":
            return self.rest_error(
                400, "PAYMENT_ALREADY_DONE", "Payment has been done already for this cart."
            )
        if payment_id not in fake.approvals:
            return self.rest_error(
                400, "PAYMENT_NOT_APPROVED_FOR_EXECUTION", "Payer has not approved payment"
            )
        if payer_id != fake.approvals[payment_id]:
            return self.rest_error(400, "INVALID_PAYER_ID", "Payer ID is invalid")
        if fake.decline_execute:
            return self.rest_error(
                400,
                "INSTRUMENT_DECLINED",
                "The instrument presented was either declined by the processor or bank, or it "
                "can't be used for this payment.",
            )
        transaction = payment["transactions"][0]
        sale_id = _code("", 17)
        sale = {
            "id": sale_id,
            "state": fake.sale_state,
            "amount": json.loads(json.dumps(transaction["amount"])),
            "payment_mode": "INSTANT_TRANSFER",
            "protection_eligibility": "ELIGIBLE",
            "transaction_fee": {"value": "0.99", "currency": transaction["amount"]["currency"]},
            "parent_payment": payment_id,
            "create_time": _now(),
            "update_time": _now(),
            "links": [
                {
                    "href": f"{fake.base_url}/v1/payments/sale/{sale_id}",
                    "rel": "self",
                    "method": "GET",
                }
            ],
        }
        if fake.sale_state == "pending":
            sale["reason_code"] = "PAYMENT_REVIEW"
        transaction["related_resources"] = [{"sale": sale}]
        payment["state"] = "approved"
        payment["update_time"] = _now()
        kind = (
            "PAYMENT.SALE.COMPLETED" if fake.sale_state == "completed" else "PAYMENT.SALE.PENDING"
        )
        event = fake.event(kind, sale)
        self.after.append(lambda: fake.deliver(event))
        return 200, _public(payment)

    def verify_signature(self, fake, body: bytes) -> tuple[int, dict]:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        fields = (
            "auth_algo",
            "cert_url",
            "transmission_id",
            "transmission_sig",
            "transmission_time",
            "webhook_id",
        )
        missing = [name for name in fields if not request.get(name)]
        if missing or not isinstance(request.get("webhook_event"), dict):
            return self.rest_error(
                400,
                "VALIDATION_ERROR",
                "Invalid request - see details",
                [
                    {"field": name, "location": "body", "issue": "MISSING_REQUIRED_PARAMETER"}
                    for name in missing or ["webhook_event"]
                ],
            )
        expected = fake.signature(
            request["transmission_id"],
            request["transmission_time"],
            request["webhook_id"],
            request["webhook_event"],
        )
        ok = hmac.compare_digest(expected, str(request["transmission_sig"]))
        return 200, {"verification_status": "SUCCESS" if ok else "FAILURE"}

    def not_found(self) -> tuple[int, dict]:
        return self.rest_error(404, "INVALID_RESOURCE_ID", "Requested resource ID was not found.")

    def rest_error(self, status, name, message, details=None) -> tuple[int, dict]:
        payload = {
            "name": name,
            "message": message,
            "information_link": INFORMATION_LINK,
            "debug_id": self._debug_id(),
        }
        if details:
            payload["details"] = details
        return status, payload

    def _bearer(self, fake) -> str | None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return fake.tokens.get(token) if scheme == "Bearer" else None

    # The approval page.

    def approval_page(self, fake, token: str, body: bytes) -> None:
        payment_id = fake.by_token.get(token)
        if payment_id is None:
            return self.send_page(404, "PayPal", "<p>This payment link is not valid.</p>")
        payment = fake.payments[payment_id]
        urls = payment["redirect_urls"]
        if self.command == "POST":
            action = parse_qs(body.decode()).get("action", [""])[0]
            if action == "cancel":
                return self.redirect(_add_query(urls["cancel_url"], token=token))
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            payer_id = fake.approve(payment_id, form.get("email") or "buyer@example.com")
            return self.redirect(
                _add_query(urls["return_url"], paymentId=payment_id, token=token, PayerID=payer_id)
            )
        transaction = payment["transactions"][0]
        price = f"{transaction['amount']['total']} {transaction['amount']['currency']}"
        payee = html.escape(transaction["payee"]["email"])
        content = f"""
<p class="merchant">Local fake PayPal · sandbox</p>
<h1>Pay {html.escape(price)}</h1>
<p>{html.escape(transaction.get("description") or "")} · to {payee}</p>
<form method="post">
  <label>PayPal account <input name="email" type="email" value="buyer@example.com"></label>
  <button type="submit" name="action" value="approve">Pay Now</button>
  <button type="submit" name="action" value="cancel" class="secondary">
    Cancel and return to merchant</button>
</form>"""
        self.send_page(200, "PayPal Checkout", content)


def _add_query(url: str, **params) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _public(payment: dict) -> dict:
    """The payment as PayPal's API shows it (the redirect URLs are not echoed)."""
    return json.loads(json.dumps({k: v for k, v in payment.items() if k != "redirect_urls"}))
