"""E-mail change links: signed, expiring (EMAIL_CHANGE_MAX_AGE), single-use.

The token signs the user's id, the new address and a fingerprint of the user's current and
pending addresses: confirming changes the current one (the link stops working), and asking for
another address changes the pending one (older links stop working).
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import User

SALT = "users.email_change"


class EmailChangeInvalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _fingerprint(user: User, new_email: str) -> str:
    state = f"{user.pk}:{user.email}:{user.pending_email}:{new_email}:{user.is_active}"
    return salted_hmac(SALT, state, algorithm="sha256").hexdigest()[:24]


def make_token(user: User, new_email: str) -> str:
    payload = {"u": user.pk, "e": new_email, "f": _fingerprint(user, new_email)}
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str) -> tuple[User, str]:
    """(user, new address) of a valid link, or EmailChangeInvalid saying why not."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.EMAIL_CHANGE_MAX_AGE)
    except signing.SignatureExpired:
        raise EmailChangeInvalid(
            "This confirmation link has expired. Change your email on your Personal profile "
            "again to get a new one."
        ) from None
    except signing.BadSignature:
        raise EmailChangeInvalid(
            "This confirmation link is not valid. Check that it is complete."
        ) from None
    if not isinstance(payload, dict):
        raise EmailChangeInvalid("This confirmation link is not valid.")
    user = (
        User.all_accounts.filter(pk=payload.get("u"), is_active=True)
        .select_related("account")
        .first()
    )
    new_email = str(payload.get("e", ""))
    if user is None or not constant_time_compare(
        str(payload.get("f", "")), _fingerprint(user, new_email)
    ):
        raise EmailChangeInvalid(
            "This confirmation link has been used already, or a newer one replaced it."
        )
    return user, new_email
