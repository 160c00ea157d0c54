"""Invitation links: signed, expiring (INVITATION_MAX_AGE) and single-use.

The token signs the user's id and a fingerprint of their password hash; setting a password
changes the hash, so a used link stops working without any table of used tokens.
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import User

SALT = "users.invitation"


class InvitationInvalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _fingerprint(user: User) -> str:
    """Changes when the password is set (single use) or the email is corrected (a link mailed to
    a mistyped address stops working)."""
    state = f"{user.pk}:{user.password}:{user.email}:{user.is_active}"
    return salted_hmac(SALT, state, algorithm="sha256").hexdigest()[:20]


def make_token(user: User) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{user.pk}.{_fingerprint(user)}")


def user_for_token(token: str) -> User:
    """The invited user, or InvitationInvalid saying why the link does not work."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(token, max_age=settings.INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise InvitationInvalid(
            "This invitation has expired. Ask an Administrator of your account to send a new one."
        ) from None
    except signing.BadSignature:
        raise InvitationInvalid(
            "This invitation link is not valid. Check that it is complete."
        ) from None
    pk, _, fingerprint = value.partition(".")
    user = User.all_accounts.filter(pk=pk, is_active=True).select_related("account").first()
    if user is None or not constant_time_compare(fingerprint, _fingerprint(user)):
        raise InvitationInvalid(
            "This invitation has been used already. Sign in with the password you chose, or "
            "reset it if you have forgotten it."
        )
    return user
