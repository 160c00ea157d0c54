"""A small SIP OPTIONS client over UDP (RFC 3261): is a SIP server answering, and how fast?

One non-INVITE client transaction (RFC 3261 §17.1.2). The request carries what §8.1.1 asks of
every request: Via with a ``z9hG4bK`` branch (and ``rport``, RFC 3581), Max-Forwards, From with a
tag, To, Call-ID, CSeq, Contact and Content-Length. It is retransmitted on timer E (T1, doubling
up to T2; T2 once a provisional response arrived) until a final response arrives or the deadline
passes. The deadline is the caller's (2 s for the health check), far shorter than timer F's 32 s:
a health check must not keep a page waiting.

A response counts only when its top Via branch, its Call-ID and its CSeq (number and method) are
the request's (§17.1.3); anything else arriving on the socket (another transaction's answer, a
stray request, garbage) is ignored and counted.

No database and no Django here: callers run it outside any transaction (see health.py).
"""

import re
import secrets
import socket
import time
from dataclasses import dataclass, field

T1 = 0.5  # seconds: RFC 3261's round-trip estimate, the first retransmit interval
T2 = 4.0  # seconds: the longest retransmit interval for non-INVITE requests
BRANCH_MAGIC = "z9hG4bK"  # RFC 3261 §8.1.1.7: marks a branch made to this RFC's rules
USER_AGENT = "VoIP-Console-Health-Check/1.0"
MAX_DATAGRAM = 65535
HEADER_LIMIT = 200  # characters of a Server / User-Agent header kept

# What a check found (the values are stored: servers.models.HealthOutcome).
OK = "ok"  # a 2xx final response
ANSWERED = "answered"  # a 3xx or 4xx: the server is up but refused OPTIONS
ERROR = "error"  # a 5xx or 6xx: the server answered that it cannot serve
TIMEOUT = "timeout"  # no final response before the deadline
FAILED = "failed"  # the request could not be sent (no route, bad address)

# RFC 3261 §7.3.3 compact header names.
COMPACT = {
    "v": "via",
    "i": "call-id",
    "f": "from",
    "t": "to",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
    "k": "supported",
    "s": "subject",
    "e": "content-encoding",
}
_STATUS_LINE = re.compile(r"SIP/2\.0[ \t]+([1-6][0-9]{2})(?:[ \t]+(.*))?", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Transaction:
    """What identifies our request's answers."""

    branch: str
    call_id: str
    from_tag: str
    cseq: int = 1

    @classmethod
    def new(cls) -> "Transaction":
        return cls(
            branch=BRANCH_MAGIC + secrets.token_hex(12),
            call_id=secrets.token_hex(16),
            from_tag=secrets.token_hex(6),
        )


@dataclass(frozen=True)
class Reply:
    status_code: int
    reason: str
    headers: dict[str, list[str]] = field(default_factory=dict)  # lower-case full names

    @property
    def status_line(self) -> str:
        return f"{self.status_code} {self.reason}".strip()

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


@dataclass(frozen=True)
class OptionsResult:
    host: str
    port: int
    outcome: str  # OK, ANSWERED, ERROR, TIMEOUT, FAILED (health.py adds "refused")
    summary: str  # "200 OK", "no reply in 2 s"
    status_code: int | None = None
    status_line: str = ""
    server: str = ""  # the reply's Server header, else its User-Agent
    rtt_ms: float | None = None  # first transmission → matching final response
    transmissions: int = 0
    ignored: int = 0  # datagrams that were not our answer

    @property
    def answered(self) -> bool:
        return self.status_code is not None


def uri_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def build_options(host: str, port: int, local: tuple[str, int], txn: Transaction) -> bytes:
    """The OPTIONS request (RFC 3261 §11: OPTIONS to the server itself, Accept for its SDP)."""
    target = f"{uri_host(host)}:{port}"
    sent_by = f"{uri_host(local[0])}:{local[1]}"
    lines = [
        f"OPTIONS sip:{target} SIP/2.0",
        f"Via: SIP/2.0/UDP {sent_by};branch={txn.branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:health-check@{uri_host(local[0])}>;tag={txn.from_tag}",
        f"To: <sip:{target}>",
        f"Call-ID: {txn.call_id}",
        f"CSeq: {txn.cseq} OPTIONS",
        f"Contact: <sip:health-check@{sent_by}>",
        "Accept: application/sdp",
        f"User-Agent: {USER_AGENT}",
        "Content-Length: 0",
        "",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def parse_reply(data: bytes) -> Reply | None:
    """A SIP response's status and headers; None for anything that is not a response."""
    text = data.decode("utf-8", errors="replace")
    head = re.split(r"\r?\n\r?\n", text, maxsplit=1)[0]
    lines = re.split(r"\r?\n", head)
    match = _STATUS_LINE.fullmatch(lines[0].strip())
    if match is None:
        return None
    headers: dict[str, list[str]] = {}
    last = None
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and last is not None:  # a folded continuation line (§7.3.1)
            headers[last][-1] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            continue
        name = name.strip().lower()
        last = COMPACT.get(name, name)
        headers.setdefault(last, []).append(value.strip())
    return Reply(int(match.group(1)), (match.group(2) or "").strip(), headers)


def _top_via_branch(reply: Reply) -> str:
    top = reply.header("via").split(",", 1)[0]
    for param in top.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "branch":
            return value.strip()
    return ""


def matches(reply: Reply, txn: Transaction) -> bool:
    """Our transaction's answer: same top Via branch, Call-ID and CSeq (number and method)."""
    cseq = reply.header("cseq").split()
    return (
        _top_via_branch(reply) == txn.branch
        and reply.header("call-id") == txn.call_id
        and len(cseq) == 2
        and cseq[0] == str(txn.cseq)
        and cseq[1] == "OPTIONS"
    )


def outcome_of(status_code: int) -> str:
    if 200 <= status_code < 300:
        return OK
    return ANSWERED if status_code < 500 else ERROR


def clean_header(value: str) -> str:
    return _CONTROL.sub(" ", value).strip()[:HEADER_LIMIT]


def local_address(host: str, port: int, family: int) -> str:
    """The address this machine sends from towards ``host`` (a UDP connect sends nothing)."""
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        probe.connect((host, port))
        return probe.getsockname()[0]


def options_ping(host: str, port: int = 5060, *, timeout: float = 2.0) -> OptionsResult:
    """Send OPTIONS to ``host``:``port`` over UDP and wait at most ``timeout`` seconds.

    ``host`` is an IP address (the platform's record of the server; no DNS lookup here).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    txn = Transaction.new()
    start = time.monotonic()
    deadline = start + timeout
    try:
        local = local_address(host, port, family)
        sock = socket.socket(family, socket.SOCK_DGRAM)
    except OSError as exc:
        return _failed(host, port, exc)
    with sock:
        try:
            sock.bind((local, 0))
            request = build_options(host, port, sock.getsockname()[:2], txn)
        except OSError as exc:
            return _failed(host, port, exc)
        return _transact(sock, request, host, port, txn, start, deadline, timeout)


def _transact(sock, request, host, port, txn, start, deadline, timeout) -> OptionsResult:
    sent = ignored = 0
    interval, next_send = T1, start
    provisional: Reply | None = None
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        if now >= next_send:
            try:
                sock.sendto(request, (host, port))
                sent += 1
            except OSError as exc:
                if sent == 0:
                    return _failed(host, port, exc)
            next_send = now + interval
            interval = T2 if provisional else min(interval * 2, T2)  # timer E
        sock.settimeout(max(min(next_send, deadline) - time.monotonic(), 0.001))
        try:
            data, _source = sock.recvfrom(MAX_DATAGRAM)
        except (TimeoutError, BlockingIOError):
            continue
        except OSError:  # an ICMP error reported on the socket: keep waiting for the answer
            continue
        reply = parse_reply(data)
        if reply is None or not matches(reply, txn):
            ignored += 1
            continue
        if reply.status_code < 200:  # provisional: the transaction proceeds, retransmit at T2
            provisional = reply
            interval = T2
            next_send = time.monotonic() + T2
            continue
        rtt_ms = (time.monotonic() - start) * 1000
        return OptionsResult(
            host=host,
            port=port,
            outcome=outcome_of(reply.status_code),
            summary=reply.status_line,
            status_code=reply.status_code,
            status_line=reply.status_line,
            server=clean_header(reply.header("server") or reply.header("user-agent")),
            rtt_ms=round(rtt_ms, 2),
            transmissions=sent,
            ignored=ignored,
        )
    summary = f"no reply in {timeout:g} s"
    if provisional is not None:
        summary = f"only {provisional.status_line}, no final reply in {timeout:g} s"
    return OptionsResult(
        host=host,
        port=port,
        outcome=TIMEOUT,
        summary=summary,
        server=clean_header(provisional.header("server")) if provisional else "",
        transmissions=sent,
        ignored=ignored,
    )


def _failed(host: str, port: int, exc: OSError) -> OptionsResult:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OptionsResult(host=host, port=port, outcome=FAILED, summary=f"not sent: {reason}")
