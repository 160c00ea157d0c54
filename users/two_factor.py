"""Two-factor set-up pieces that are not writes: the candidate key, its otpauth URI and QR code,
the codes shown once, and what a typed code looks like.

The candidate key lives only in the session (never in a URL, a form, a log or the audit log),
and even there encrypted with the field key ring, so the session table holds no usable secret.
The device is created only when the user types a valid code of it (services_two_factor.enable).
"""

import base64
import time
from binascii import unhexlify
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django_otp.oath import TOTP
from django_otp.util import random_hex

from accounts.fields import key_ring

CANDIDATE_KEY = "two_factor_candidate"
FRESH_CODES_KEY = "two_factor_fresh_codes"
# Fresh backup codes stay in the session (encrypted) until the user says they saved them, at
# most this long (seconds): long enough to copy or download them, short enough not to linger.
FRESH_CODES_MAX_AGE = 15 * 60
STEP, DIGITS, TOLERANCE = 30, 6, 1


def new_key() -> str:
    """20 random bytes (the RFC 4226 recommendation), hex, as django-otp stores keys."""
    return random_hex(20)


def base32(key_hex: str) -> str:
    return base64.b32encode(unhexlify(key_hex)).decode().rstrip("=")


def grouped(key_hex: str) -> str:
    """``ABCD EFGH …``: the key as authenticator apps accept it typed by hand."""
    text = base32(key_hex)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_uri(key_hex: str, *, issuer: str, label: str) -> str:
    """The Key URI Format authenticator apps read from the QR code. ``issuer``: the account's
    name (what the app shows); ``label``: the user's email."""
    issuer = issuer.replace(":", "").strip()
    params = {
        "secret": base32(key_hex),
        "issuer": issuer,
        "algorithm": "SHA1",
        "digits": DIGITS,
        "period": STEP,
    }
    return f"otpauth://totp/{quote(f'{issuer}:{label}')}?{urlencode(params, quote_via=quote)}"


def qr_svg(uri: str, *, title: str) -> SafeString:
    """The QR code of ``uri`` as inline SVG markup, drawn here (nothing goes to a third party;
    no Pillow needed). Only paths: nothing a strict CSP would block."""
    image = qrcode.make(
        uri,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    svg = image.to_string(encoding="unicode")
    svg = svg.replace("<svg ", f'<svg class="qr" role="img" aria-label="{escape(title)}" ', 1)
    return mark_safe(svg)  # noqa: S308 (drawn by qrcode from our own data; the title is escaped)


def matching_step(key_hex: str, code: str) -> int | None:
    """The time step whose code ``code`` is (within the tolerance), or None."""
    if not (code.isascii() and code.isdigit()):
        return None
    totp = TOTP(unhexlify(key_hex.encode()), STEP, 0, DIGITS, 0)
    return totp.t() if totp.verify(int(code), TOLERANCE) else None


# --- Session state during set-up -----------------------------------------------------------------


def candidate_key(request, *, create: bool) -> str | None:
    """The key being set up in this session (made when ``create`` and there is none)."""
    stored = request.session.get(CANDIDATE_KEY)
    if stored:
        return key_ring().decrypt(stored)
    if not create:
        return None
    key = new_key()
    request.session[CANDIDATE_KEY] = key_ring().encrypt(key)
    return key


def drop_candidate(request) -> None:
    request.session.pop(CANDIDATE_KEY, None)


def keep_fresh_codes(request, codes: list[str]) -> None:
    request.session[FRESH_CODES_KEY] = {
        "codes": key_ring().encrypt(" ".join(codes)),
        "at": int(time.time()),
    }


def fresh_codes(request) -> list[str] | None:
    """The backup codes just made, while they may still be shown; None afterwards."""
    stored = request.session.get(FRESH_CODES_KEY)
    if not stored:
        return None
    if time.time() - stored.get("at", 0) > FRESH_CODES_MAX_AGE:
        drop_fresh_codes(request)
        return None
    return key_ring().decrypt(stored["codes"]).split()


def drop_fresh_codes(request) -> None:
    request.session.pop(FRESH_CODES_KEY, None)
