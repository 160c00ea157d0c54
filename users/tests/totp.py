"""Codes computed in the tests the way an authenticator app does: django-otp's own TOTP (RFC 6238)
over the key, at the current time (or ``at`` seconds since the epoch)."""

import time
from binascii import unhexlify

from django_otp.oath import TOTP


def code_for(key_hex: str, at: float | None = None, step: int = 30) -> str:
    totp = TOTP(unhexlify(key_hex), step=step)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def key_from_page(text: str) -> str:
    """The hex key behind the grouped base32 key a set-up page shows (``ABCD EFGH …``)."""
    import base64

    letters = "".join(text.split())
    letters += "=" * (-len(letters) % 8)
    return base64.b32decode(letters).hex()
