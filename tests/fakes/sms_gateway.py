"""A local SMS gateway speaking the JSON protocol of accounts.sms.HttpBackend.

``POST /messages`` with ``Authorization: Bearer <token>`` and ``{"from", "to", "text"}``. By
default it answers 200 ``{"id": "msg_000001", "status": "queued"}``; a wrong token gets 401.
``fake.reply(status, body, content_type)`` scripts the next answers (every documented variant:
202 without a body, 400 with ``{"error": {"message": ...}}``, 401 ``{"error": "..."}``, 422
``{"errors": [{"message": ...}]}``, 429 ``{"message": ...}``, 500 HTML, 200 with
``"status": "rejected"``); ``fake.silent = True`` never answers (the client times out).
"""

import json

from .server import FakeHandler, FakeServer


class _Handler(FakeHandler):
    server: "FakeSMSGateway"

    def route(self, body: bytes) -> None:
        fake = self.server.fake
        if self.path != "/messages" or self.command != "POST":
            self.send_json(404, {"error": "no such endpoint"})
            return
        if self.headers.get("Authorization") != f"Bearer {fake.token}":
            self.send_json(401, {"error": "invalid or missing API token"})
            return
        try:
            payload = json.loads(body)
        except json.JSONDecodeError:
            self.send_json(400, {"error": {"message": "Body is not JSON"}})
            return
        fake.sent.append(payload)
        if fake.replies:
            status, data, content_type = fake.replies.pop(0)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_json(200, {"id": f"msg_{len(fake.sent):06d}", "status": "queued"})


class FakeSMSGateway(FakeServer):
    handler = _Handler

    def __init__(self, token: str = "gateway-token-123"):
        super().__init__()
        self.token = token
        self.sent: list[dict] = []
        self.replies: list[tuple[int, bytes, str]] = []

    def reply(self, status: int, body=b"", content_type: str = "application/json") -> None:
        data = json.dumps(body).encode() if isinstance(body, dict | list) else body
        self.replies.append((status, data, content_type))

    @property
    def messages_url(self) -> str:
        return f"{self.url}/messages"
