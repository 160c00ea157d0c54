"""An account's own SMTP server: the Server field's rules, the security mode, the connection, and
every way it can fail, in words that say what to fix.

The connection is Django's SMTP backend with :meth:`AccountSMTPBackend.open` replaced: the host
is checked by :mod:`accounts.outbound` at connect time (not only when saved) and the socket goes
to the checked address while TLS still verifies the certificate against the host name.
"""

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.utils import parseaddr

import idna
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.utils import DNS_NAME
from django.utils.functional import cached_property

from . import outbound
from .fields import DecryptionError

# Security modes, as stored (SmtpSettings.Security) and as used on the wire.
AUTO, NONE, STARTTLS, TLS = "auto", "none", "starttls", "tls"
OPPORTUNISTIC = "opportunistic"  # STARTTLS when the server offers it (Auto on port 25 and others)
DEFAULT_PORTS = {AUTO: 587, NONE: 25, STARTTLS: 587, TLS: 465}
AUTO_BY_PORT = {465: TLS, 587: STARTTLS}
MODE_WORDS = {
    TLS: "TLS",
    STARTTLS: "STARTTLS",
    OPPORTUNISTIC: "STARTTLS when offered",
    NONE: "none (plain text)",
}
SERVER_EXAMPLE = "smtp.example.com:587"
_SCHEME = re.compile(r"^[a-z][a-z0-9+-]*:(?!\d)", re.I)  # smtp:, mailto:, https:
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
SERVER_TEXT_MAX = 200  # how much of a server's own reply is shown


@dataclass
class Failure(Exception):
    """Mail could not be sent. ``reason`` is for the operator; ``temporary``: trying again later
    may succeed (a 4xx answer, a timeout, a refused or dropped connection)."""

    reason: str
    temporary: bool = False

    def __str__(self) -> str:
        return self.reason


# --- the Server field ------------------------------------------------------------------------


def parse_server(text: str) -> tuple[str, int | None]:
    """``host[:port]`` as typed → (ASCII host, port or None). Raises ValidationError."""
    text = (text or "").strip()
    if not text:
        return "", None
    if len(text) > 300:
        raise ValidationError("A server name has at most 253 characters.")
    if re.search(r"\s", text):
        raise ValidationError(f"Enter host or host:port without spaces, e.g. {SERVER_EXAMPLE}.")
    if "://" in text or _SCHEME.match(text):
        raise ValidationError(
            f"Enter the server without a scheme such as smtp://, e.g. {SERVER_EXAMPLE}."
        )
    if any(mark in text for mark in "/?#\\"):
        raise ValidationError("Enter the server only, without a path (nothing from the first /).")
    if "@" in text:
        raise ValidationError("Enter the server only; the username has a field of its own.")
    if text.startswith("["):
        end = text.find("]")
        host, rest = (text[1:end], text[end + 1 :]) if end > 0 else (text[1:], "")
        if end < 0 or not isinstance(outbound.ip_literal(host), outbound.ipaddress.IPv6Address):
            raise ValidationError("Write an IPv6 address in brackets, e.g. [2001:db8::25]:587.")
        if rest and not rest.startswith(":"):
            raise ValidationError("After an IPv6 address in brackets only :port may follow.")
        port_text = rest[1:] if rest else None
    elif text.count(":") > 1:
        raise ValidationError("Write an IPv6 address in brackets, e.g. [2001:db8::25]:587.")
    else:
        host, colon, port_text = text.partition(":")
        port_text = port_text if colon else None
        host = _host_name(host)
    port = _port(port_text) if port_text is not None else None
    return host.lower(), port


def _host_name(host: str) -> str:
    if outbound.ip_literal(host) is not None:
        return host
    name = host.rstrip(".")
    if not name:
        raise ValidationError(f"Enter the server's host name, e.g. {SERVER_EXAMPLE}.")
    try:
        name = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValidationError(
            "This is not a host name: use letters, digits, hyphens and dots."
        ) from None
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValidationError("This is not a host name: use letters, digits, hyphens and dots.")
    if len(labels) < 2 and name != "localhost":
        raise ValidationError(f"Enter the server's full host name, e.g. {SERVER_EXAMPLE}.")
    if labels[-1].isdigit():
        raise ValidationError("This is not an IP address or a host name.")
    return name


def _port(text: str) -> int:
    if not text:
        raise ValidationError("Put the port after the colon, e.g. :587, or leave both out.")
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValidationError("The port is a number from 1 to 65535.")
    return int(text)


def check_port(port: int) -> None:
    """Only SMTP_ALLOWED_PORTS may be used (checked at save and at connect)."""
    allowed = sorted(settings.SMTP_ALLOWED_PORTS)
    if port not in allowed:
        raise ValidationError(
            f"Port {port} is not allowed for mail here; use one of "
            f"{', '.join(str(p) for p in allowed)}."
        )


def format_server(host: str, port: int | None) -> str:
    if not host:
        return ""
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port else shown


def effective(security: str, port: int | None) -> tuple[str, int]:
    """(wire mode, port) for a saved Security choice and port."""
    port = port or DEFAULT_PORTS[security]
    if security == AUTO:
        return AUTO_BY_PORT.get(port, OPPORTUNISTIC), port
    return security, port


def describe(security: str, port: int | None) -> str:
    """What the card shows, e.g. "STARTTLS (Auto: port 587)"."""
    mode, port = effective(security, port)
    words = MODE_WORDS[mode]
    return f"{words} (Auto: port {port})" if security == AUTO else words


# --- connecting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where and how to connect: a saved SmtpSettings row, ready for the wire."""

    host: str
    port: int
    mode: str
    username: str = ""
    password: str = ""

    @classmethod
    def of(cls, smtp_settings) -> "Target":
        mode, port = effective(smtp_settings.security, smtp_settings.port)
        return cls(smtp_settings.host, port, mode, smtp_settings.username, smtp_settings.password)

    @property
    def server(self) -> str:
        return format_server(self.host, self.port)

    def __repr__(self) -> str:  # never the password, in a log line or a traceback
        return f"Target({self.server}, {self.mode}, user={self.username!r})"


class _PinnedSMTP(smtplib.SMTP):
    """smtplib.SMTP connecting to an already checked address; ``host`` stays the name, so
    STARTTLS verifies the certificate against it."""

    def __init__(self, host, port, *, address: str, **kwargs):
        self._address = address
        super().__init__(host, port, **kwargs)

    def _get_socket(self, host, port, timeout):
        return socket.create_connection((self._address, port), timeout, self.source_address)


class _PinnedSMTP_SSL(smtplib.SMTP_SSL):
    def __init__(self, host, port, *, address: str, **kwargs):
        self._address = address
        super().__init__(host, port, **kwargs)

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((self._address, port), timeout, self.source_address)
        return self.context.wrap_socket(sock, server_hostname=self._host)


def tls_context() -> ssl.SSLContext:
    """Certificates are always verified, against SMTP_CA_FILE when set, else the system's."""
    return ssl.create_default_context(cafile=settings.SMTP_CA_FILE or None)


def connect(target: Target, timeout: float, context: ssl.SSLContext) -> smtplib.SMTP:
    """An SMTP session with ``target``, encrypted as its mode says and logged in. Raises
    :class:`Failure` for what the settings get wrong, smtplib/ssl/socket errors otherwise."""
    try:
        check_port(target.port)
    except ValidationError as exc:
        raise Failure(exc.messages[0]) from None
    try:
        addresses = outbound.checked_addresses(
            target.host, allow_private=settings.SMTP_ALLOW_PRIVATE_HOSTS
        )
    except outbound.HostRefused as exc:
        raise Failure(exc.message, exc.temporary) from None
    kwargs = {"local_hostname": DNS_NAME.get_fqdn(), "timeout": timeout}
    implicit = target.mode == TLS
    session = None
    for index, address in enumerate(addresses):
        try:
            if implicit:
                session = _PinnedSMTP_SSL(
                    target.host, target.port, address=str(address), context=context, **kwargs
                )
            else:
                session = _PinnedSMTP(target.host, target.port, address=str(address), **kwargs)
            break
        except (ConnectionRefusedError, OSError) as exc:
            # Another address of the host may answer; a timeout or TLS failure is final.
            last = index == len(addresses) - 1
            if last or isinstance(exc, TimeoutError | ssl.SSLError):
                raise
    try:
        _secure_and_log_in(session, target, context)
    except BaseException:
        session.close()
        raise
    return session


def _secure_and_log_in(session: smtplib.SMTP, target: Target, context: ssl.SSLContext) -> None:
    session.ehlo_or_helo_if_needed()
    encrypted = target.mode == TLS
    if target.mode in (STARTTLS, OPPORTUNISTIC):
        if session.has_extn("starttls"):
            session.starttls(context=context)
            session.ehlo()
            encrypted = True
        elif target.mode == STARTTLS:
            raise Failure(
                f"{target.server} does not offer STARTTLS: choose Security TLS if it expects TLS "
                "from the start (usually port 465), or None for a plain connection."
            )
    if target.username:
        if not encrypted and target.mode != NONE:
            raise Failure(
                f"{target.server} offers no encryption, so the password would travel in plain "
                "text. Choose Security None if you accept that."
            )
        session.login(target.username, target.password)


class AccountSMTPBackend(EmailBackend):
    """Django's SMTP backend for an account's own server (see the module docstring)."""

    def __init__(self, target: Target, timeout: float | None = None, **kwargs):
        self.target = target
        super().__init__(
            host=target.host,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=False,
            use_ssl=False,
            timeout=settings.SMTP_TIMEOUT_SECONDS if timeout is None else timeout,
            fail_silently=False,
            **kwargs,
        )

    @cached_property
    def ssl_context(self):
        return tls_context()

    def open(self):
        if self.connection:
            return False
        self.connection = connect(self.target, self.timeout, self.ssl_context)
        return True


# --- failures in words -----------------------------------------------------------------------

# OpenSSL's verify codes (X509_V_ERR_*) that mean "no trusted issuer".
_UNTRUSTED = {2, 18, 19, 20, 21, 27}
_EXPIRED = {9, 10}
_WRONG_NAME = {62, 64}


def explain(exc: BaseException, server: str, timeout: float) -> Failure:
    """What went wrong sending through ``server``, in words that say what to fix."""
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
        exc.__context__, TimeoutError
    ):
        exc = exc.__context__  # smtplib reports a read that timed out as a disconnection
    if isinstance(exc, DecryptionError):
        return Failure(
            "The saved SMTP password cannot be decrypted (the platform's encryption keys "
            "changed): an Administrator must enter it again."
        )
    if isinstance(exc, smtplib.SMTPException):
        return _explain_smtp(exc, server)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure(_certificate_problem(exc, server))
    if isinstance(exc, ssl.SSLError):
        return Failure(
            f"The TLS handshake with {server} failed: the server does not speak TLS the way "
            "Security says. Port 465 expects TLS; ports 587 and 25 use STARTTLS."
        )
    if isinstance(exc, TimeoutError):
        return Failure(
            f"{server} did not answer within {timeout:g} seconds (timed out). Check the server "
            "and port; a firewall may be dropping the connection.",
            temporary=True,
        )
    if isinstance(exc, ConnectionRefusedError):
        return Failure(
            f"Connection refused by {server}: nothing accepts mail on that port. Check the "
            "server and port.",
            temporary=True,
        )
    if isinstance(exc, ConnectionError):
        return Failure(f"{server} dropped the connection. Try again later.", temporary=True)
    if isinstance(exc, OSError):
        return Failure(f"Cannot connect to {server}: the network is unreachable.", temporary=True)
    return Failure("The mail could not be sent because of an unexpected error.")


def _certificate_problem(exc: ssl.SSLCertVerificationError, server: str) -> str:
    code = exc.verify_code
    if code in _WRONG_NAME:
        return (
            f"TLS failed: the certificate of {server} is for another host name. Enter the host "
            "name the certificate names (your provider's documented server)."
        )
    if code in _EXPIRED:
        return f"TLS failed: the certificate of {server} has expired or is not valid yet."
    if code in _UNTRUSTED:
        return (
            f"TLS failed: the certificate of {server} is not trusted (self-signed or signed by "
            "an unknown authority)."
        )
    return f"TLS failed: the certificate of {server} was refused."


def _server_said(code: int, message) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    text = " ".join(str(message).split())
    text = text[:SERVER_TEXT_MAX] + ("…" if len(text) > SERVER_TEXT_MAX else "")
    return f"the server said: {code} {text}".rstrip()


def _explain_smtp(exc: smtplib.SMTPException, server: str) -> Failure:
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Failure(f"{server} closed the connection unexpectedly.", temporary=True)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        address, (code, message) = next(iter(exc.recipients.items()))
        temporary = all(400 <= c < 500 for c, _ in exc.recipients.values())
        return Failure(
            f"The server refused the recipient {address} ({_server_said(code, message)}).",
            temporary,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Failure(
            f"{server} offers no login on this connection: leave Username and Password empty, "
            "or use the port your provider gives for authenticated mail (usually 587)."
        )
    if not isinstance(exc, smtplib.SMTPResponseException):
        if "authentication method" in str(exc):
            return Failure(
                f"{server} offers no login method the panel can use (PLAIN, LOGIN or CRAM-MD5)."
            )
        return Failure(f"{server} did not follow the SMTP protocol.", temporary=True)
    code, said = exc.smtp_code, _server_said(exc.smtp_code, exc.smtp_error)
    temporary = 400 <= code < 500
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return Failure(
            f"The server refused the login ({said}): check the username and password.", temporary
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        sender = exc.sender.decode() if isinstance(exc.sender, bytes) else exc.sender
        sender = parseaddr(sender)[1] or sender
        return Failure(
            f"The server refused the sender {sender} ({said}): use a From address your mail "
            "account may send from.",
            temporary,
        )
    if isinstance(exc, smtplib.SMTPDataError):
        return Failure(f"The server refused the message ({said}).", temporary)
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPHeloError):
        return Failure(f"{server} refused the connection ({said}).", temporary)
    return Failure(f"{server} refused the mail ({said}).", temporary)
