"""Stripe Checkout for the fake Stripe (tests/fakes/stripe_api.py): Checkout Sessions, the hosted
payment page the payer approves on, and signed webhook deliveries, in Stripe's shapes.

- ``POST /v1/checkout/sessions`` (mode ``payment``, ``line_items[][price_data]``, ``success_url``
  with ``{CHECKOUT_SESSION_ID}``, ``cancel_url``, ``Idempotency-Key``), ``GET
  /v1/checkout/sessions/{id}``, ``POST /v1/checkout/sessions/{id}/expire``: Stripe's objects,
  errors (``parameter_missing``, ``amount_too_small``, ``resource_missing``, idempotency errors)
  and status codes.
- ``GET /pay/{id}``: the hosted page (no key); its form pays (card 4242 4242 4242 4242; 4000 0000
  0000 0002 is declined), delivers ``checkout.session.completed`` to every registered endpoint,
  then redirects to the success URL; its back link is the cancel URL.
- Webhooks carry Stripe's real signature scheme: ``Stripe-Signature: t=<unix>,v1=<hex
  HMAC-SHA256 of "<t>.<body>" with the endpoint's whsec_ secret>``.
"""

import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from urllib.parse import parse_qs

import requests

from .pages import HostedPages

CURRENCIES = frozenset(
    [
        "usd",
        "eur",
        "gbp",
        "aud",
        "cad",
        "chf",
        "cny",
        "czk",
        "dkk",
        "hkd",
        "huf",
        "ils",
        "inr",
        "jpy",
        "krw",
        "mxn",
        "nok",
        "nzd",
        "pln",
        "sek",
        "sgd",
        "thb",
        "bhd",
        "kwd",
        "clp",
        "vnd",
    ]
)
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])
DECLINED_CARD = "4000000000000002"


def exponent(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    """Stripe's ``Stripe-Signature`` header for ``payload`` (the exact body string)."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class CheckoutFake:
    """State of the fake's Checkout Sessions (mixed into FakeStripe)."""

    def __init__(self):
        super().__init__()
        self.sessions: dict[str, dict] = {}
        self.session_account: dict[str, str] = {}  # session id → Stripe account id
        self.idempotent: dict[tuple[str, str], tuple[dict, int, dict]] = {}
        self.webhook_endpoints: list[tuple[str, str]] = []  # (url, whsec_ secret)
        self.events: list[dict] = []
        self.deliveries: list[tuple[str, int]] = []  # (url, status answered)
        self.public_url = ""  # the address the payer's browser uses, when not self.url
        self.lock = threading.RLock()

    @property
    def base_url(self) -> str:
        return self.public_url or self.url

    def add_webhook_endpoint(self, url: str, secret: str = "") -> str:
        """Deliver every event to ``url`` from now on; returns its signing secret."""
        secret = secret or "whsec_" + secrets.token_hex(16)
        self.webhook_endpoints.append((url, secret))
        return secret

    # What the payer does on the hosted page, for tests that skip the browser.

    def pay(self, session_id: str, *, email: str = "buyer@example.com", settle: bool = True):
        """The payer pays: the session completes (``paid``; ``unpaid`` while an asynchronous
        method settles when ``settle`` is False) and ``checkout.session.completed`` is made and
        delivered. Returns the event."""
        with self.lock:
            session = self.sessions[session_id]
            session.update(
                status="complete",
                payment_status="paid" if settle else "unpaid",
                payment_intent="pi_" + secrets.token_hex(12),
                customer_details={"email": email, "name": "Test Buyer", "phone": None},
            )
            event = self.event("checkout.session.completed", session)
        self.deliver(event)
        return event

    def settle(self, session_id: str, *, succeeded: bool = True):
        """An asynchronous payment method settles (or fails) after the session completed."""
        with self.lock:
            session = self.sessions[session_id]
            if succeeded:
                session["payment_status"] = "paid"
                kind = "checkout.session.async_payment_succeeded"
            else:
                kind = "checkout.session.async_payment_failed"
            event = self.event(kind, session)
        self.deliver(event)
        return event

    def expire_session(self, session_id: str):
        with self.lock:
            self.sessions[session_id]["status"] = "expired"
            event = self.event("checkout.session.expired", self.sessions[session_id])
        self.deliver(event)
        return event

    def tamper(self, session_id: str, **fields) -> None:
        """Change what Stripe will say about a session (amount_total, currency, …)."""
        with self.lock:
            self.sessions[session_id].update(fields)

    # Events and their signed delivery.

    def event(self, event_type: str, session: dict) -> dict:
        event = {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()),
            "data": {"object": json.loads(json.dumps(session))},
            "livemode": session["livemode"],
            "pending_webhooks": len(self.webhook_endpoints),
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        self.events.append(event)
        return event

    def signed(self, event: dict, secret: str, timestamp: int | None = None) -> tuple[bytes, dict]:
        """The body and headers Stripe sends for ``event`` to an endpoint with ``secret``."""
        payload = json.dumps(event, indent=2)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature_header(payload, secret, timestamp),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        return payload.encode(), headers

    def deliver(self, event: dict) -> None:
        """POST ``event`` to every registered endpoint, signed with its secret (one try each)."""
        for url, secret in list(self.webhook_endpoints):
            body, headers = self.signed(event, secret)
            try:
                status = requests.post(url, data=body, headers=headers, timeout=10).status_code
            except requests.RequestException:
                status = 0
            self.deliveries.append((url, status))


class CheckoutRoutes(HostedPages):
    """Request handling for Checkout (mixed into StripeHandler, asked before its own routes)."""

    def route_checkout(self, body: bytes) -> bool:
        fake = self.server.fake
        path = self.path.split("?", 1)[0]
        if path.startswith("/pay/"):
            self.hosted_page(fake, path.removeprefix("/pay/").strip("/"), body)
            return True
        if not path.startswith("/v1/checkout/sessions"):
            return False
        account = fake.by_secret.get(self._key() or "")
        if account is None or (self._key() or "").startswith("pk_"):
            return False  # StripeHandler.route answers the key errors
        parts = path.removeprefix("/v1/checkout/sessions").strip("/").split("/")
        with fake.lock:
            if self.command == "POST" and parts == [""]:
                self.create_session(fake, account, body)
            elif self.command == "GET" and len(parts) == 1:
                self.answer_session(fake, account, parts[0])
            elif self.command == "POST" and len(parts) == 2 and parts[1] == "expire":
                self.expire(fake, account, parts[0])
            else:
                return False
        return True

    def create_session(self, fake, account, body: bytes) -> None:
        from .stripe_api import decode_form  # that module imports this one

        key = self.headers.get("Idempotency-Key")
        params = decode_form(body)
        if key and (account.id, key) in fake.idempotent:
            first, status, answer = fake.idempotent[(account.id, key)]
            if first != params:
                return self.checkout_error(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they "
                    f"were first used with. Try using a key other than '{key}' if you meant to "
                    "execute a different request.",
                    type_="idempotency_error",
                )
            return self.send_json(
                status, answer, {**self._headers(), "Idempotent-Replayed": "true"}
            )
        status, answer = self._new_session(fake, account, params)
        if key:
            fake.idempotent[(account.id, key)] = (params, status, answer)
        self.send_json(status, answer, self._headers())

    def _new_session(self, fake, account, params: dict) -> tuple[int, dict]:
        for name in ("mode", "line_items", "success_url"):
            if not params.get(name):
                return self._error_body(
                    400, f"Missing required param: {name}.", "parameter_missing", name
                )
        if params["mode"] != "payment":
            return self._error_body(400, "This fake supports mode=payment only.", None, "mode")
        items = params["line_items"] if isinstance(params["line_items"], list) else []
        total, currency = 0, ""
        for index, item in enumerate(items):
            price = item.get("price_data") or {}
            currency = (price.get("currency") or "").lower()
            if currency not in CURRENCIES:
                return self._error_body(
                    400,
                    f"Invalid currency: {currency}. Stripe currently supports these currencies: "
                    + ", ".join(sorted(CURRENCIES)),
                    None,
                    f"line_items[{index}][price_data][currency]",
                )
            try:
                unit = int(price.get("unit_amount", ""))
                quantity = int(item.get("quantity", "1"))
            except ValueError:
                return self._error_body(
                    400,
                    f"Invalid integer: {price.get('unit_amount')}",
                    None,
                    f"line_items[{index}][price_data][unit_amount]",
                )
            total += unit * quantity
        minimum = 50 if exponent(currency) != 3 else 500
        if total < minimum:
            return self._error_body(
                400,
                f"The Checkout Session's total amount due must add up to at least 0.50 {currency}",
                "amount_too_small",
                None,
            )
        if total > 99_999_999:
            return self._error_body(
                400,
                "The Checkout Session's total amount due must be no more than 999,999.99 "
                f"{currency}",
                "amount_too_large",
                None,
            )
        now = int(time.time())
        expires_at = int(params.get("expires_at") or now + 24 * 3600)
        if not now + 1800 <= expires_at <= now + 24 * 3600 + 60:
            return self._error_body(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                "Checkout Session creation.",
                None,
                "expires_at",
            )
        mode = "live" if account.livemode else "test"
        session_id = f"cs_{mode}_a1" + secrets.token_urlsafe(40).replace("-", "x").replace("_", "y")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "customer": None,
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at,
            "livemode": account.livemode,
            "locale": None,
            "metadata": params.get("metadata") or {},
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{fake.base_url}/pay/{session_id}",
            "line_items_description": (items[0].get("price_data") or {})
            .get("product_data", {})
            .get("name", ""),
        }
        fake.sessions[session_id] = session
        fake.session_account[session_id] = account.id
        return 200, _public(session)

    def answer_session(self, fake, account, session_id: str) -> None:
        session = self._own_session(fake, account, session_id)
        if session is not None:
            self.send_json(200, _public(session), self._headers())

    def expire(self, fake, account, session_id: str) -> None:
        session = self._own_session(fake, account, session_id)
        if session is None:
            return
        if session["status"] != "open":
            return self.checkout_error(
                400,
                'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
                f"Session has a status of `{session['status']}`.",
            )
        session["status"] = "expired"
        # Delivered before answering, so the order of events is the same on every run.
        fake.deliver(fake.event("checkout.session.expired", session))
        self.send_json(200, _public(session), self._headers())

    def _own_session(self, fake, account, session_id: str):
        if fake.session_account.get(session_id) != account.id:
            self.checkout_error(
                404,
                f"No such checkout.session: '{session_id}'",
                code="resource_missing",
                param="session",
            )
            return None
        return fake.sessions[session_id]

    def checkout_error(
        self, status, message, *, type_="invalid_request_error", code=None, param=None
    ):
        _, payload = self._error_body(status, message, code, param, type_)
        self.send_json(status, payload, self._headers())

    def _error_body(self, status, message, code, param, type_="invalid_request_error"):
        error = {
            "message": message,
            "request_log_url": "https://dashboard.stripe.com/logs/" + self._request_id(),
            "type": type_,
        }
        if code:
            error["code"] = code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param:
            error["param"] = param
        return status, {"error": error}

    # The hosted page.

    def hosted_page(self, fake, session_id: str, body: bytes) -> None:
        session = fake.sessions.get(session_id)
        if session is None:
            return self.send_page(404, "Something went wrong", "<p>This page does not exist.</p>")
        if session["status"] == "expired":
            return self.send_page(
                410, "This checkout has expired", "<p>Return to the merchant and start again.</p>"
            )
        if session["status"] == "complete":
            return self.redirect(_success_url(session))
        if self.command == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            card = "".join(form.get("card", "").split())
            if card == DECLINED_CARD:
                return self.send_checkout(session, "Your card was declined.")
            fake.pay(session_id, email=form.get("email") or "buyer@example.com")
            return self.redirect(_success_url(session))
        self.send_checkout(session)

    def send_checkout(self, session: dict, error: str = "") -> None:
        currency = session["currency"]
        amount = session["amount_total"] / 10 ** exponent(currency)
        price = f"{amount:,.{exponent(currency)}f} {currency.upper()}"
        name = html.escape(session.get("line_items_description") or "Payment")
        alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        email = html.escape(session.get("customer_email") or "buyer@example.com")
        content = f"""
<p class="merchant">Local fake Stripe Checkout · test mode</p>
<h1>Pay {price}</h1>
<p>{name}</p>
{alert}
<form method="post">
  <label>Email <input name="email" type="email" value="{email}"></label>
  <label>Card number <input name="card" inputmode="numeric" value="4242 4242 4242 4242"></label>
  <label>Expiry <input name="exp" value="12 / 34"></label>
  <label>CVC <input name="cvc" value="123"></label>
  <button type="submit">Pay {price}</button>
</form>
<p><a href="{html.escape(session.get("cancel_url") or "")}">← Back (cancel the payment)</a></p>
<p class="hint">Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined.</p>"""
        self.send_page(402 if error else 200, f"Pay {price}", content)


def _success_url(session: dict) -> str:
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


def _public(session: dict) -> dict:
    """The session as Stripe's API shows it (the fake's own notes left out)."""
    return {k: v for k, v in session.items() if k != "line_items_description"}
