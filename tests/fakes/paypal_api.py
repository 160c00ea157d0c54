"""A local PayPal REST API (one environment: sandbox or live) for the calls the project makes.

- ``POST /v1/oauth2/token``: HTTP Basic auth with Client ID and Secret, form body
  ``grant_type=client_credentials``; answers PayPal's token object, or PayPal's OAuth error
  ``{"error", "error_description"}`` (401 ``invalid_client`` for unknown credentials).
- ``token_changes`` reshapes a successful token answer (a field set to another value, or left out
  with :data:`OMIT`); ``token_body`` replaces it with raw bytes (e.g. a proxy's HTML page).
- Anything else answers PayPal's REST error shape ``{"name", "message", "debug_id", ...}``.
Apps are registered per environment, so sandbox credentials fail on the live fake as they do
at PayPal.
"""

import base64
import secrets
from datetime import UTC, datetime
from urllib.parse import parse_qs

from .paypal_checkout import PaymentsFake, PaymentsRoutes
from .server import FakeHandler, FakeServer

OMIT = object()  # in token_changes: leave the field out of the answer
SCOPE = (
    "https://uri.paypal.com/services/invoicing https://uri.paypal.com/services/payments/payment "
    "https://uri.paypal.com/services/payments/refund https://api.paypal.com/v1/payments/.* "
    "https://uri.paypal.com/services/notifications/webhooks"
)


class PayPalHandler(PaymentsRoutes, FakeHandler):
    server_version = "PayPal"

    def route(self, body: bytes) -> None:
        if self.route_payments(body):  # payments, approval page, webhooks (paypal_checkout)
            return
        fake: FakePayPal = self.server.fake
        path = self.path.split("?", 1)[0]
        if self.command == "POST" and path == "/v1/oauth2/token":
            return self.token(fake, body)
        return self.send_json(
            404,
            {
                "name": "RESOURCE_NOT_FOUND",
                "message": "The specified resource does not exist.",
                "debug_id": self._debug_id(),
                "details": [],
                "links": [],
            },
            self._headers(),
        )

    def token(self, fake: "FakePayPal", body: bytes) -> None:
        client_id, secret = self._basic()
        if client_id is None or fake.apps.get(client_id) != secret:
            return self.oauth_error(401, "invalid_client", "Client Authentication failed")
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return self.oauth_error(400, "unsupported_grant_type", "Grant Type is NULL")
        grant = parse_qs(body.decode()).get("grant_type", [""])[0]
        if not grant:
            return self.oauth_error(400, "unsupported_grant_type", "Grant Type is NULL")
        if grant != "client_credentials":
            return self.oauth_error(
                400, "unsupported_grant_type", f"Grant Type {grant} is not supported"
            )
        token = "A21AA" + secrets.token_urlsafe(60)
        fake.tokens[token] = client_id
        if fake.token_body is not None:
            return self.send_raw(200, fake.token_body, "text/html; charset=utf-8")
        answer = {
            "scope": SCOPE,
            "access_token": token,
            "token_type": "Bearer",
            "app_id": fake.app_ids[client_id],
            "expires_in": 32400,
            "nonce": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + secrets.token_urlsafe(24),
        }
        for name, value in fake.token_changes.items():
            if value is OMIT:
                answer.pop(name, None)
            else:
                answer[name] = value
        self.send_json(200, answer, self._headers())

    def send_raw(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def oauth_error(self, status: int, error: str, description: str) -> None:
        self.send_json(status, {"error": error, "error_description": description}, self._headers())

    def _basic(self) -> tuple[str | None, str | None]:
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme != "Basic" or not value:
            return None, None
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except ValueError:
            return None, None
        client_id, sep, secret = decoded.partition(":")
        return (client_id, secret) if sep else (None, None)

    def _debug_id(self) -> str:
        if not hasattr(self, "_did"):
            self._did = secrets.token_hex(7)
        return self._did

    def _headers(self) -> dict:
        return {"Paypal-Debug-Id": self._debug_id(), "Cache-Control": "max-age=0, no-cache"}


class FakePayPal(PaymentsFake, FakeServer):
    handler = PayPalHandler

    def __init__(self, environment: str = "sandbox"):
        super().__init__()
        self.environment = environment
        self.apps: dict[str, str] = {}  # client id -> secret
        self.app_ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}  # access token -> client id
        self.token_changes: dict = {}
        self.token_body: bytes | None = None

    def add_app(self, client_id: str = "", secret: str = "") -> tuple[str, str]:
        client_id = client_id or "A" + secrets.token_urlsafe(60)[:79]
        secret = secret or "E" + secrets.token_urlsafe(60)[:79]
        self.apps[client_id] = secret
        self.app_ids[client_id] = "APP-" + secrets.token_hex(8).upper()
        return client_id, secret
