"""A local Sentry ingest: accepts the SDK's envelope posts (``POST /api/<project>/envelope/``,
gzip or plain, authenticated by the DSN's public key in X-Sentry-Auth) and parses the envelope
format (a JSON header line, then items: a JSON item header with ``type`` and optional ``length``,
a newline, the payload), so tests read exactly what would have left the machine."""

import gzip
import json
import re
import threading
import zlib
from dataclasses import dataclass, field

from .server import FakeHandler, FakeServer

PUBLIC_KEY = "0123456789abcdef0123456789abcdef"
PROJECT = "42"


@dataclass
class Item:
    headers: dict
    payload: bytes

    @property
    def type(self) -> str:
        return self.headers.get("type", "")

    def json(self):
        return json.loads(self.payload)


@dataclass
class Envelope:
    headers: dict
    items: list[Item] = field(default_factory=list)
    raw: bytes = b""  # the decompressed body as sent


def parse_envelope(data: bytes) -> Envelope:
    header_line, _, rest = data.partition(b"\n")
    envelope = Envelope(json.loads(header_line), raw=data)
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        headers = json.loads(item_line)
        if "length" in headers:
            length = int(headers["length"])
            payload, rest = rest[:length], rest[length:]
            if rest[:1] == b"\n":
                rest = rest[1:]
        else:
            payload, _, rest = rest.partition(b"\n")
        envelope.items.append(Item(headers, payload))
    return envelope


def _decoded(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding in ("", "identity"):
        return body
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


class _Handler(FakeHandler):
    def route(self, body: bytes) -> None:
        fake: FakeSentry = self.server.fake
        if self.command != "POST" or not re.fullmatch(rf"/api/{PROJECT}/envelope/", self.path):
            self.send_json(404, {"detail": "not found"})
            return
        auth = self.headers.get("X-Sentry-Auth", "")
        if f"sentry_key={PUBLIC_KEY}" not in auth:
            self.send_json(401, {"detail": "missing authorization"})
            return
        try:
            envelope = parse_envelope(_decoded(body, self.headers.get("Content-Encoding", "")))
        except (ValueError, OSError) as exc:
            self.send_json(400, {"detail": f"bad envelope: {exc}"})
            return
        with fake.lock:
            fake.envelopes.append(envelope)
            fake.arrived.notify_all()
        self.send_json(200, {"id": envelope.headers.get("event_id", "")})


class FakeSentry(FakeServer):
    handler = _Handler

    def __init__(self):
        super().__init__()
        self.envelopes: list[Envelope] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    @property
    def dsn(self) -> str:
        return self.url.replace("http://", f"http://{PUBLIC_KEY}@") + f"/{PROJECT}"

    def events(self) -> list[dict]:
        return [i.json() for e in self.envelopes for i in e.items if i.type == "event"]

    def wait_for_events(self, count: int = 1, timeout: float = 10) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.events()) >= count, timeout=timeout)
        return self.events()
