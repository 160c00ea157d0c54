"""Masking secrets and personal data out of what leaves the panel: audit entries (accounts.audit),
log lines (accounts.logs) and error reports (accounts.errorreporting).

Imports nothing of Django's models, so settings-time code (logging, error reporting) can use it.
"""

import re

MASK = "********"
# A key naming a secret: its value is never written anywhere.
SECRET_KEY = re.compile(r"password|secret|token|otp|passphrase|private|api_key|signature", re.I)
# E-mail addresses inside free text (log messages, exception messages).
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
EMAIL_MASK = "[email]"


def mask(payload: dict) -> dict:
    """``payload`` with the value of every key that names a secret masked (recursively), the
    rest made JSON-able. A masked list stays a pair (an audit diff's before and after)."""
    masked = {}
    for key, value in payload.items():
        if SECRET_KEY.search(str(key)):
            masked[key] = [MASK, MASK] if isinstance(value, list) else MASK
        elif isinstance(value, dict):
            masked[key] = mask(value)
        else:
            masked[key] = jsonable(value)
    return masked


def jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def without_emails(text: str) -> str:
    """``text`` with every e-mail address replaced by ``[email]``."""
    return EMAIL.sub(EMAIL_MASK, text)
