"""A SIP responder for tests: UDP on a free loopback port, answering requests per RFC 3261.

Written independently of the client under test (servers/sip.py): it parses requests with its own
code and builds responses as §8.2.6 says (Via, From, Call-ID and CSeq copied, a tag added to To).
Each behaviour is a function of the request and returns the datagrams to send back::

    responder.behave(answer(200, "OK", server="Kamailio (5.7.4 (x86_64/linux))"))
    responder.behave(answer(503, "Service Unavailable"))
    responder.behave(silent)                          # never answers: the client times out
    responder.behave(decoy_first(answer(200, "OK")))  # another Call-ID's answer first, then ours
    responder.behave(drop_first(1, answer(200, "OK"))) # ignores the first transmission

``requests`` records (monotonic arrival time, raw bytes, parsed request) for assertions.
"""

import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest


@dataclass
class SipRequest:
    method: str
    uri: str
    headers: list[tuple[str, str]] = field(default_factory=list)  # names as sent
    raw: bytes = b""

    def all(self, name: str) -> list[str]:
        wanted = {name.lower(), *({"via": ["v"], "call-id": ["i"]}.get(name.lower(), []))}
        return [v for n, v in self.headers if n.lower() in wanted]

    def get(self, name: str) -> str:
        values = self.all(name)
        return values[0] if values else ""


def parse_request(data: bytes) -> SipRequest | None:
    text = data.decode("utf-8", errors="replace")
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n")
    match = re.fullmatch(r"([A-Z]+) (\S+) SIP/2\.0", lines[0])
    if not match:
        return None
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return SipRequest(match.group(1), match.group(2), headers, data)


Behaviour = Callable[[SipRequest, int], list[bytes]]  # (request, its number from 1) → datagrams


def response(
    request: SipRequest,
    code: int,
    reason: str,
    *,
    extra: dict | None = None,
    call_id: str | None = None,
    branch: str | None = None,
    cseq: str | None = None,
    compact: bool = False,
) -> bytes:
    """A response to ``request``; ``call_id``/``branch``/``cseq`` override to make a decoy."""
    vias = request.all("via")
    if branch is not None:
        vias = [re.sub(r"branch=[^;]+", f"branch={branch}", vias[0]), *vias[1:]]
    to = request.get("to")
    if code > 100 and ";tag=" not in to:
        to += ";tag=fake0001"
    via_name, call_name = ("v", "i") if compact else ("Via", "Call-ID")
    lines = [f"SIP/2.0 {code} {reason}"]
    lines += [f"{via_name}: {via}" for via in vias]
    lines += [
        f"From: {request.get('from')}",
        f"To: {to}",
        f"{call_name}: {call_id if call_id is not None else request.get('call-id')}",
        f"CSeq: {cseq if cseq is not None else request.get('cseq')}",
    ]
    lines += [f"{name}: {value}" for name, value in (extra or {}).items()]
    lines += ["Content-Length: 0", "", ""]
    return "\r\n".join(lines).encode()


def answer(code: int, reason: str, *, server: str = "", user_agent: str = "", compact=False):
    extra = {}
    if server:
        extra["Server"] = server
    if user_agent:
        extra["User-Agent"] = user_agent

    def behave(request: SipRequest, number: int) -> list[bytes]:
        return [response(request, code, reason, extra=extra, compact=compact)]

    return behave


def silent(request: SipRequest, number: int) -> list[bytes]:
    return []


def decoy_first(then: Behaviour, **decoy) -> Behaviour:
    """Before the real answer, a response that is not ours (another Call-ID by default)."""
    decoy = decoy or {"call_id": "someone-else@198.51.100.7"}

    def behave(request: SipRequest, number: int) -> list[bytes]:
        return [response(request, 503, "Service Unavailable", **decoy), *then(request, number)]

    return behave


def drop_first(count: int, then: Behaviour) -> Behaviour:
    def behave(request: SipRequest, number: int) -> list[bytes]:
        return [] if number <= count else then(request, number)

    return behave


def provisional_first(then: Behaviour) -> Behaviour:
    def behave(request: SipRequest, number: int) -> list[bytes]:
        return [response(request, 100, "Trying"), *then(request, number)]

    return behave


def garbage_first(then: Behaviour) -> Behaviour:
    def behave(request: SipRequest, number: int) -> list[bytes]:
        return [b"\x00\xffnot sip at all", b"OPTIONS sip:x SIP/2.0\r\n\r\n", *then(request, number)]

    return behave


class FakeSipServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.behaviour: Behaviour = answer(200, "OK", server="FakeSIP/1.0")
        self.requests: list[tuple[float, bytes, SipRequest | None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def behave(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour

    @property
    def port(self) -> int:
        return self._socket.getsockname()[1]

    def start(self) -> "FakeSipServer":
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_DGRAM)
        self._socket.bind((self.host, 0))
        self._socket.settimeout(0.05)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, source = self._socket.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            request = parse_request(data)
            self.requests.append((time.monotonic(), data, request))
            if request is None:
                continue
            for datagram in self.behaviour(request, len(self.requests)):
                self._socket.sendto(datagram, source)


@pytest.fixture
def sip_server():
    server = FakeSipServer().start()
    yield server
    server.stop()
