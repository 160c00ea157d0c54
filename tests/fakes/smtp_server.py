"""A real SMTP server for tests (aiosmtpd), plain, with STARTTLS or with implicit TLS, behind a
throw-away certificate authority made here with ``cryptography``.

    ca = CertificateAuthority(tmp_path)                  # a CA and its PEM file (ca.path)
    server = FakeSMTPServer(tls="starttls", cert=ca.issue(["localhost", "127.0.0.1"]),
                            auth=("mailer", "s3cret")).start()
    server.port, server.messages                          # parsed email.message.Message objects
    server.fail_next("451 4.3.0 Try again later", stage="data")   # the next DATA answers 451
    server.refuse("550 5.7.1 Sender not allowed", stage="mail")   # every MAIL FROM refused

Also :func:`silent_server` (accepts TCP, never says a word) and :func:`closed_port` (nothing
listens). Fixtures point the SMTP settings at them (``smtp_settings`` below).
"""

import datetime
import email
import email.policy
import ipaddress
import logging
import socket
import ssl
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# aiosmtpd warns about its own deprecated attribute on every AUTH; the fake's logins are recorded.
logging.getLogger("mail.log").setLevel(logging.ERROR)

# --- certificates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerCertificate:
    cert_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


class CertificateAuthority:
    """A CA whose certificate (``path``) a client may trust (SMTP_CA_FILE) or not."""

    def __init__(self, directory: Path, name: str = "Test Mail CA"):
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self.path = directory / f"{name.replace(' ', '-').lower()}.pem"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, names: list[str], *, expired: bool = False) -> ServerCertificate:
        """A server certificate for ``names`` (host names and IP addresses)."""
        key = ec.generate_private_key(ec.SECP256R1())
        alternative = [
            x509.IPAddress(ipaddress.ip_address(n)) if _is_ip(n) else x509.DNSName(n) for n in names
        ]
        now = datetime.datetime.now(datetime.UTC)
        start, end = (
            (now - datetime.timedelta(days=10), now - datetime.timedelta(days=1))
            if expired
            else (now - datetime.timedelta(days=1), now + datetime.timedelta(days=30))
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        stem = self.directory / f"server-{x509.random_serial_number()}"
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return ServerCertificate(cert_path, key_path)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


# --- the SMTP server ----------------------------------------------------------------------------


@dataclass
class _Answers:
    """Scripted answers per stage ("mail", "rcpt", "data"): the next ones, then the standing one."""

    queued: dict[str, list[str]] = field(default_factory=dict)
    standing: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, stage: str) -> str | None:
        with self.lock:
            if self.queued.get(stage):
                return self.queued[stage].pop(0)
            return self.standing.get(stage)


class _Handler:
    def __init__(self, server: "FakeSMTPServer"):
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        refusal = self.server.answers.take("mail")
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.server.answers.take("rcpt")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = self.server.answers.take("data")
        if refusal:
            self.server.refused_data += 1
            return refusal
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.server.envelopes.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "tls": session.ssl is not None,
                "login": session.auth_data.login.decode() if session.auth_data else None,
            }
        )
        self.server.messages.append(message)
        self.server.arrived.set()
        return "250 Message accepted for delivery"


class FakeSMTPServer:
    def __init__(
        self,
        *,
        tls: str | None = None,  # None | "starttls" | "implicit"
        cert: ServerCertificate | None = None,
        auth: tuple[str, str] | None = None,
        auth_require_tls: bool = True,
        host: str = "127.0.0.1",
    ):
        if tls and cert is None:
            raise ValueError("a TLS server needs a certificate")
        self.tls, self.cert, self.auth, self.host = tls, cert, auth, host
        self.auth_require_tls = auth_require_tls
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[dict] = []
        self.logins: list[tuple[str, str]] = []  # every AUTH attempt (login, password)
        self.answers = _Answers()
        self.refused_data = 0
        self.arrived = threading.Event()
        self.port = free_port(host)
        self._controller: Controller | None = None

    # --- scripting -----------------------------------------------------------------------------

    def fail_next(self, answer: str, *, stage: str = "data", times: int = 1) -> None:
        with self.answers.lock:
            self.answers.queued.setdefault(stage, []).extend([answer] * times)

    def refuse(self, answer: str, *, stage: str) -> None:
        with self.answers.lock:
            self.answers.standing[stage] = answer

    # --- running -------------------------------------------------------------------------------

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        if (login, password) != self.auth:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)

    def start(self) -> "FakeSMTPServer":
        kwargs = {
            "hostname": self.host,
            "port": self.port,
            "server_hostname": "mail.fake.test",
            "ready_timeout": 10,
        }
        if self.tls == "implicit":
            kwargs["ssl_context"] = self.cert.server_context()
        elif self.tls == "starttls":
            kwargs["tls_context"] = self.cert.server_context()
            kwargs["require_starttls"] = True
        if self.auth is not None:
            kwargs["authenticator"] = self._authenticate
            # aiosmtpd counts only STARTTLS as TLS for AUTH; an implicit-TLS session is one too.
            kwargs["auth_require_tls"] = self.auth_require_tls and self.tls != "implicit"
        self._controller = Controller(_Handler(self), **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def server(self) -> str:
        """What an operator types in the Server field for this server."""
        return f"{self.host}:{self.port}"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@contextmanager
def silent_server(host: str = "127.0.0.1"):
    """Accepts TCP connections and never says a word (the client must time out). Yields the
    port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((host, 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        listener.close()


def closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (a connection there is refused at once)."""
    return free_port(host)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def certificate_authority(tmp_path):
    return CertificateAuthority(tmp_path)


@pytest.fixture
def trusted_ca(certificate_authority, settings):
    """The throw-away CA, trusted by the panel's SMTP client (SMTP_CA_FILE)."""
    settings.SMTP_CA_FILE = str(certificate_authority.path)
    return certificate_authority


@pytest.fixture
def smtp_server(settings):
    """Start FakeSMTPServers (``smtp_server(tls=..., cert=..., auth=...)``); each one's port is
    added to SMTP_ALLOWED_PORTS. All are stopped after the test."""
    started = []

    def start(**kwargs) -> FakeSMTPServer:
        server = FakeSMTPServer(**kwargs).start()
        started.append(server)
        allow_port(settings, server.port)
        return server

    yield start
    for server in started:
        server.stop()


def allow_port(settings, port: int) -> None:
    settings.SMTP_ALLOWED_PORTS = [*settings.SMTP_ALLOWED_PORTS, port]
