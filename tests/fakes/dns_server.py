"""A real DNS server for tests: UDP and TCP on one free loopback port, answering from a table.

Queries are parsed and answered with dnspython's message code (``dns.message.from_wire`` /
``make_response``), so the code under test talks DNS on the wire exactly as it would to a real
server. Each name gets one behaviour::

    server.cname("portal.a.test", "portals.console.test")   # CNAME (also answers A queries with it)
    server.a("portal.a.test", "192.0.2.10")                 # an A record, no CNAME
    server.txt("_portal-challenge.portal.a.test", "tok1", "tok2")  # TXT records, one per value
    server.addresses("smtp.a.test", "8.8.8.8", "2001:4860::8")  # A and AAAA records
    server.empty("portal.a.test")                           # the name exists, no records (NODATA)
    server.silent("portal.a.test")                          # never answers (the client times out)
    server.servfail("portal.a.test")
    # any other name: NXDOMAIN

``truncate_udp = True`` answers every UDP query with the TC bit and no records, so the client must
ask again over TCP. ``queries`` records (transport, name, type) for assertions.
"""

import socket
import struct
import threading
from dataclasses import dataclass

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest


@dataclass(frozen=True)
class _Rule:
    kind: str  # cname | a | addresses | txt | empty | silent | servfail
    value: str = ""
    values: tuple = ()


class FakeDNSServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.rules: dict[str, _Rule] = {}
        self.truncate_udp = False
        self.queries: list[tuple[str, str, str]] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- configuring answers -----------------------------------------------------------------

    def _set(self, name: str, rule: _Rule) -> None:
        self.rules[_key(name)] = rule

    def cname(self, name: str, target: str) -> None:
        self._set(name, _Rule("cname", target))

    def a(self, name: str, address: str) -> None:
        self._set(name, _Rule("a", address))

    def txt(self, name: str, *values: str) -> None:
        """TXT records at ``name``, one per value (a value over 255 bytes is sent in several
        character-strings of one record, as DNS requires)."""
        self._set(name, _Rule("txt", values=values))

    def addresses(self, name: str, *addresses: str) -> None:
        """A records for the IPv4 addresses, AAAA records for the IPv6 ones."""
        self._set(name, _Rule("addresses", values=addresses))

    def empty(self, name: str) -> None:
        self._set(name, _Rule("empty"))

    def silent(self, name: str) -> None:
        self._set(name, _Rule("silent"))

    def servfail(self, name: str) -> None:
        self._set(name, _Rule("servfail"))

    # --- running -------------------------------------------------------------------------------

    def start(self) -> "FakeDNSServer":
        for _ in range(20):  # the free UDP port must be free for TCP too
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((self.host, 0))
            port = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((self.host, port))
            except OSError:
                udp.close()
                tcp.close()
                continue
            break
        else:
            raise RuntimeError("no free port for UDP and TCP")
        tcp.listen(16)
        udp.settimeout(0.2)
        tcp.settimeout(0.2)
        self.port, self._udp, self._tcp = port, udp, tcp
        for target in (self._serve_udp, self._serve_tcp):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self._udp.close()
        self._tcp.close()

    def _serve_udp(self) -> None:
        while not self._stop.is_set():
            try:
                wire, address = self._udp.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            reply = self._answer(wire, "udp")
            if reply is not None:
                self._udp.sendto(reply, address)

    def _serve_tcp(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._tcp.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle_tcp, args=(connection,), daemon=True).start()

    def _handle_tcp(self, connection: socket.socket) -> None:
        connection.settimeout(5)
        with connection:
            try:
                (length,) = struct.unpack(">H", _read(connection, 2))
                reply = self._answer(_read(connection, length), "tcp")
                if reply is not None:
                    connection.sendall(struct.pack(">H", len(reply)) + reply)
                else:
                    self._stop.wait(10)  # hold the connection open, never answering
            except (OSError, EOFError):
                return

    def _answer(self, wire: bytes, transport: str) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name, rdtype = question.name, question.rdtype
        self.queries.append((transport, _key(name.to_text()), dns.rdatatype.to_text(rdtype)))
        rule = self.rules.get(_key(name.to_text()))
        if rule is not None and rule.kind == "silent":
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA | dns.flags.RA
        if rule is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif rule.kind == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif rule.kind == "cname" and rdtype in (dns.rdatatype.CNAME, dns.rdatatype.A):
            response.answer.append(
                dns.rrset.from_text(name, 300, "IN", "CNAME", _absolute(rule.value))
            )
        elif rule.kind == "a" and rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(name, 300, "IN", "A", rule.value))
        elif rule.kind == "txt" and rdtype == dns.rdatatype.TXT and rule.values:
            records = [_txt_rdata(value) for value in rule.values]
            response.answer.append(dns.rrset.from_text(name, 300, "IN", "TXT", *records))
        elif rule.kind == "addresses" and rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            wanted = [a for a in rule.values if (":" in a) == (rdtype == dns.rdatatype.AAAA)]
            if wanted:
                kind = dns.rdatatype.to_text(rdtype)
                response.answer.append(dns.rrset.from_text(name, 300, "IN", kind, *wanted))
        if transport == "udp" and self.truncate_udp:
            response.answer.clear()
            response.flags |= dns.flags.TC
        return response.to_wire()


def _key(name: str) -> str:
    return name.lower().rstrip(".")


def _txt_rdata(value: str) -> str:
    chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"' for chunk in chunks)


def _absolute(name: str) -> str:
    return name if name.endswith(".") else name + "."


def _read(connection: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


@pytest.fixture
def dns_server(settings):
    """A started FakeDNSServer, with the resolver settings pointed at it."""
    server = FakeDNSServer().start()
    settings.DNS_RESOLVER_NAMESERVERS = [server.host]
    settings.DNS_RESOLVER_PORT = server.port
    yield server
    server.stop()
