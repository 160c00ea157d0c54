"""A signed-in contact's own writes (the portal's Profile): their name and phone, their
password (the current one first), and TOTP on or off. Each is audited in the account's log with
the contact as the target; the visitor (their address) as the actor.

Wrong current passwords and codes are counted per contact (users/throttle.within_limit): past
WRONG_LIMIT in WRONG_WINDOW seconds none is checked, so a borrowed session cannot guess them.
"""

from django.core.cache import cache
from django.db import transaction

from accounts import audit
from accounts.actors import Actor
from accounts.errors import Refused

from .models import Contact
from .services import _check_password, totp_matches

WRONG_LIMIT = 10
WRONG_WINDOW = 15 * 60
TOO_MANY = "Too many wrong passwords or codes. Wait 15 minutes and try again."


def _fresh(contact: Contact) -> Contact:
    return (
        Contact.objects.for_account(contact.account)
        .select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=contact.pk)
    )


def _wrong_key(contact: Contact) -> str:
    return f"portal-profile-wrong:{contact.account_id}:{contact.pk}"


def _guard(contact: Contact, field: str) -> None:
    if cache.get(_wrong_key(contact), 0) >= WRONG_LIMIT:
        raise Refused(TOO_MANY, field)


def _wrong(contact: Contact, message: str, field: str) -> Refused:
    from users import throttle

    throttle.within_limit(_wrong_key(contact), WRONG_LIMIT, WRONG_WINDOW)
    return Refused(message, field)


@transaction.atomic
def update_profile(contact: Contact, data: dict, *, visitor: Actor) -> Contact:
    """The contact's own name and phone (not the e-mail: it names the login)."""
    contact = _fresh(contact)
    before = audit.snapshot(contact, ["name", "phone"])
    contact.name, contact.phone = data["name"], data["phone"]
    contact.full_clean(exclude=["account", "customer", "password"], validate_constraints=False)
    contact.save(update_fields=["name", "phone"])
    changes = audit.diff(before, audit.snapshot(contact, ["name", "phone"]))
    if changes:
        audit.record(
            "portal.profile_updated",
            account=contact.account,
            actor=visitor,
            target=contact,
            changes=changes,
        )
    return contact


@transaction.atomic
def change_password(contact: Contact, current: str, new: str, *, visitor: Actor) -> Contact:
    """A new password, the current one first. The caller signs this session in again (its hash
    changed); every other session of the contact ends (portal/sessions.py)."""
    contact = _fresh(contact)
    _guard(contact, "current_password")
    if not contact.check_password(current):
        raise _wrong(contact, "That is not your current password.", "current_password")
    _check_password(new, contact)
    contact.set_password(new)
    contact.save(update_fields=["password"])
    audit.record("portal.password_changed", account=contact.account, actor=visitor, target=contact)
    return contact


@transaction.atomic
def enable_two_factor(contact: Contact, key_hex: str, code: str, *, visitor: Actor) -> Contact:
    """Turn TOTP on with ``key_hex`` (the candidate key of this session), once ``code`` shows
    the contact's app has it. The code's time step is spent: it cannot sign in again."""
    contact = _fresh(contact)
    if contact.totp_enabled:
        raise Refused("Two-factor sign-in is on already.", "code")
    step = totp_matches(Contact(totp_key=key_hex), code)
    if step is None:
        raise Refused(
            "That code is not right. Check the app shows this portal's entry and type its "
            "newest code.",
            "code",
        )
    contact.totp_key, contact.totp_enabled, contact.totp_last_step = key_hex, True, step
    contact.save(update_fields=["totp_key", "totp_enabled", "totp_last_step"])
    audit.record(
        "portal.two_factor_enabled", account=contact.account, actor=visitor, target=contact
    )
    return contact


@transaction.atomic
def disable_two_factor(
    contact: Contact, *, password: str = "", code: str = "", visitor: Actor
) -> Contact:
    """Turn TOTP off: the current password or a current code proves it is the contact."""
    contact = _fresh(contact)
    if not contact.totp_enabled:
        raise Refused("Two-factor sign-in is off already.")
    field = "password" if password else "code"
    _guard(contact, field)
    if password:
        if not contact.check_password(password):
            raise _wrong(contact, "That is not your current password.", "password")
    else:
        step = totp_matches(contact, code)
        if step is None:
            raise _wrong(contact, "That code is not right, or was used already.", "code")
    contact.totp_key, contact.totp_enabled, contact.totp_last_step = "", False, None
    contact.save(update_fields=["totp_key", "totp_enabled", "totp_last_step"])
    audit.record(
        "portal.two_factor_disabled",
        account=contact.account,
        actor=visitor,
        target=contact,
        data={"proof": "password" if password else "code"},
    )
    return contact
