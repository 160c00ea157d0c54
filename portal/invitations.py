"""Contact invitation links: signed, expiring (INVITATION_MAX_AGE) and single-use, like the
panel's (users/invitations.py). The token signs the contact's id and a fingerprint of their
password hash and e-mail: choosing a password changes the hash, so a used link stops working."""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import Contact

SALT = "portal.contact-invitation"


class InvitationInvalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _fingerprint(contact: Contact) -> str:
    state = f"{contact.pk}:{contact.password}:{contact.email}:{contact.is_active}"
    return salted_hmac(SALT, state, algorithm="sha256").hexdigest()[:20]


def make_token(contact: Contact) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{contact.pk}.{_fingerprint(contact)}")


def _contact_signed_in(account, token: str, *, salt: str, max_age: int, words: dict) -> Contact:
    """The active contact of ``account`` whose id and fingerprint ``token`` signs under ``salt``
    within ``max_age`` seconds, or InvitationInvalid with ``words`` for expired / invalid / used."""
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvitationInvalid(words["expired"]) from None
    except signing.BadSignature:
        raise InvitationInvalid(words["invalid"]) from None
    pk, _, fingerprint = value.partition(".")
    contact = (
        Contact.objects.for_account(account)
        .filter(pk=pk, is_active=True)
        .select_related("customer")
        .first()
        if pk.isdigit()
        else None
    )
    if contact is None or not constant_time_compare(fingerprint, _fingerprint(contact)):
        raise InvitationInvalid(words["used"])
    return contact


def contact_for_token(account, token: str) -> Contact:
    """The invited contact of ``account`` (the portal domain's), or InvitationInvalid."""
    return _contact_signed_in(
        account,
        token,
        salt=SALT,
        max_age=settings.INVITATION_MAX_AGE,
        words={
            "expired": "This invitation has expired. Ask your provider to send a new one.",
            "invalid": "This invitation link is not valid. Check that it is complete.",
            "used": "This invitation has been used already. Sign in with the password you chose.",
        },
    )


RESET_SALT = "portal.contact-password-reset"


def make_reset_token(contact: Contact) -> str:
    """A password-reset link's token: expires after PASSWORD_RESET_TIMEOUT, works once (the
    fingerprint holds the password hash)."""
    return signing.TimestampSigner(salt=RESET_SALT).sign(f"{contact.pk}.{_fingerprint(contact)}")


def contact_for_reset_token(account, token: str) -> Contact:
    return _contact_signed_in(
        account,
        token,
        salt=RESET_SALT,
        max_age=settings.PASSWORD_RESET_TIMEOUT,
        words={
            "expired": "This password-reset link has expired. Ask for a new one below.",
            "invalid": "This password-reset link is not valid. Check that it is complete, or "
            "ask for a new one.",
            "used": "This password-reset link has been used already. Ask for a new one if you "
            "need it.",
        },
    )
