"""A threaded HTTP server on a free loopback port, with a request log and a mode that never
answers (to test timeouts). Providers subclass :class:`FakeHandler` and route requests.

Faults for every provider (tests/test_faults.py): ``silent`` never answers; ``delay`` seconds
pass before each answer (a slow provider); ``canned = (status, content_type, body)`` answers every
request with that instead of the provider's own answer (a 500, a proxy's HTML page)."""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format, *args):  # quiet: the fake's log is .requests
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake = self.server.fake
        fake.requests.append(Received(self.command, self.path, dict(self.headers), body))
        if fake.on_request is not None:
            fake.on_request(self)
        if fake.delay:
            fake.stopping.wait(fake.delay)
        if fake.canned is not None:
            status, content_type, data = fake.canned
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True
            return
        if fake.silent:
            # Never answer: hold the connection until the fake stops, then drop it.
            fake.stopping.wait()
            self.close_connection = True
            return
        self.route(body)

    def route(self, body: bytes) -> None:
        raise NotImplementedError

    def send_json(self, status: int, payload, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: "FakeServer"


class FakeServer:
    """Start with ``with Fake() as fake:`` (or ``start()`` / ``stop()``)."""

    handler: type[FakeHandler] = FakeHandler

    def __init__(self):
        self.requests: list[Received] = []
        self.silent = False  # True: accept requests and never answer them
        self.on_request = None  # called with the handler on every request, before answering
        self.delay = 0.0  # seconds before each answer
        self.canned: tuple[int, str, bytes] | None = None  # (status, content type, body) for all
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeServer":
        self._server = _Server(("127.0.0.1", 0), self.handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits for one poll: keep it short
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # releases silent handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
