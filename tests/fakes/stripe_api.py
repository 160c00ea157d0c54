"""A local Stripe API for the calls the project makes, in Stripe's shapes.

- Auth: ``Authorization: Bearer <secret or restricted key>`` (Basic with the key as user name
  also works, as at Stripe). Keys are registered with :meth:`FakeStripe.add_account`.
- ``GET /v1/balance``: the balance object, with ``livemode`` from the key. ``balance_changes``
  on an account reshapes it as other Stripe-compatible servers do: a field set to another value
  (``{"available": {"usd": 0}}``, an object instead of a list) or left out (:data:`OMIT`).
- Errors: ``{"error": {"message", "type", "code"?}}`` with Stripe's status codes and messages.
- Request bodies (for the calls the payments issue adds) are form-encoded with bracketed keys:
  :func:`decode_form` turns ``metadata[order]=1&items[0][price]=p`` into nested values.
"""

import base64
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .server import FakeHandler, FakeServer
from .stripe_checkout import CheckoutFake, CheckoutRoutes

API_VERSION = "2026-10-28.endive"
OMIT = object()  # in balance_changes: leave the field out of the answer


@dataclass
class StripeAccount:
    id: str
    livemode: bool
    publishable_key: str
    secret_key: str
    restricted_without_balance: set = field(default_factory=set)
    available: list = field(default_factory=list)
    balance_changes: dict = field(default_factory=dict)


def masked(key: str) -> str:
    """How Stripe quotes a key in an error: prefix kept, the middle starred, the last 4 shown."""
    prefix = re.match(r"^[a-z]+_(test_|live_)?", key)
    head = prefix.group(0) if prefix else ""
    return head + "*" * max(len(key) - len(head) - 4, 0) + key[-4:]


def decode_form(body: bytes) -> dict:
    """Stripe's form encoding: ``a[b]=1`` → ``{"a": {"b": "1"}}``; ``a[0]=x`` → lists."""
    root: dict = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int)]
    return {k: _lists(v) for k, v in node.items()}


class StripeHandler(CheckoutRoutes, FakeHandler):
    server_version = "nginx"

    def route(self, body: bytes) -> None:
        if self.route_checkout(body):  # Checkout Sessions and the hosted page (stripe_checkout)
            return
        fake: FakeStripe = self.server.fake
        path = self.path.split("?", 1)[0]
        key = self._key()
        if key is None:
            return self.error(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
                "or we can help at https://support.stripe.com/.",
            )
        if key.startswith("pk_"):
            return self.error(
                401,
                "This API call cannot be made with a publishable API key. Please use a secret "
                "API key. You can find a list of your API keys at "
                "https://dashboard.stripe.com/account/apikeys.",
            )
        account = fake.by_secret.get(key)
        if account is None:
            return self.error(401, f"Invalid API Key provided: {masked(key)}")
        if self.command == "GET" and path == "/v1/balance":
            if key in account.restricted_without_balance:
                return self.error(
                    403,
                    f"The provided key '{masked(key)}' does not have the required permissions "
                    f"for this endpoint on account '{account.id}'. Having the 'rak_balance_read' "
                    "permission would allow this request to continue.",
                )
            return self.send_json(200, self.balance(account), self._headers())
        return self.error(
            404,
            f"Unrecognized request URL ({self.command}: {path}). Please see "
            "https://stripe.com/docs or we can help at https://support.stripe.com/.",
        )

    def balance(self, account: StripeAccount) -> dict:
        available = account.available or [
            {"amount": 0, "currency": "usd", "source_types": {"card": 0}}
        ]
        answer = {
            "object": "balance",
            "available": available,
            "connect_reserved": [{"amount": 0, "currency": "usd"}],
            "livemode": account.livemode,
            "pending": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}],
        }
        for name, value in account.balance_changes.items():
            if value is OMIT:
                answer.pop(name, None)
            else:
                answer[name] = value
        return answer

    def error(self, status: int, message: str, type_: str = "invalid_request_error") -> None:
        payload = {
            "error": {
                "message": message,
                "request_log_url": "https://dashboard.stripe.com/logs/" + self._request_id(),
                "type": type_,
            }
        }
        self.send_json(status, payload, self._headers())

    def _key(self) -> str | None:
        header = self.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme == "Bearer" and value:
            return value.strip()
        if scheme == "Basic" and value:
            user = base64.b64decode(value).decode(errors="replace").partition(":")[0]
            return user or None
        return None

    def _request_id(self) -> str:
        if not hasattr(self, "_rid"):
            self._rid = "req_" + secrets.token_hex(7)
        return self._rid

    def _headers(self) -> dict:
        return {
            "Request-Id": self._request_id(),
            "Stripe-Version": self.headers.get("Stripe-Version") or API_VERSION,
        }


class FakeStripe(CheckoutFake, FakeServer):
    handler = StripeHandler

    def __init__(self):
        super().__init__()
        self.by_secret: dict[str, StripeAccount] = {}

    def add_account(
        self,
        *,
        livemode: bool = False,
        publishable_key: str = "",
        secret_key: str = "",
        restricted_without_balance: str = "",
    ) -> StripeAccount:
        mode = "live" if livemode else "test"
        account = StripeAccount(
            id="acct_" + secrets.token_hex(8),
            livemode=livemode,
            publishable_key=publishable_key or f"pk_{mode}_" + secrets.token_hex(24),
            secret_key=secret_key or f"sk_{mode}_" + secrets.token_hex(24),
        )
        self.by_secret[account.secret_key] = account
        if restricted_without_balance:
            account.restricted_without_balance.add(restricted_without_balance)
            self.by_secret[restricted_without_balance] = account
        return account
