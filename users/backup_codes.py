"""Backup codes: ten random codes shown once, kept only as an HMAC.

A code is 10 characters from an alphabet without look-alikes (no 0/o, 1/l/i), about 49 bits,
written ``abcde-23456``. Codes are compared by HMAC-SHA256 under SECRET_KEY (Django's
``salted_hmac``), not a slow password hash: they are random, not chosen by people, so the slow
hash buys nothing, and a copy of the database alone does not let anyone test guesses offline.
(Rotating SECRET_KEY without keeping the old one in SECRET_KEY_FALLBACKS makes every backup code
stop working; users then make new ones with their authenticator app.)
"""

import re
import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
LENGTH = 10
COUNT = 10
_SALT = "users.backup_code"
_SHAPE = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}")


def new_codes(count: int = COUNT) -> list[str]:
    return ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(count)]


def normalise(text: str) -> str:
    """What the user typed, without spaces or dashes, lower case (``ABCDE 23456`` works)."""
    return re.sub(r"[\s\-]+", "", text or "").lower()


def looks_like_a_code(text: str) -> bool:
    return bool(_SHAPE.fullmatch(text))


def shown(code: str) -> str:
    """``abcde-23456``: easier to read and copy."""
    half = LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def code_hash(code: str) -> str:
    return salted_hmac(_SALT, normalise(code), algorithm="sha256").hexdigest()


def as_text_file(codes: list[str], *, account_name: str, email: str) -> str:
    lines = [
        f"Backup codes for {email} ({account_name})",
        "",
        "Each code signs you in once when you cannot use your authenticator app.",
        "Keep them somewhere safe; making new codes replaces all of these.",
        "",
        *(shown(code) for code in codes),
        "",
    ]
    return "\n".join(lines)
