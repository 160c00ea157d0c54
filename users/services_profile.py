"""Writes about the signed-in user's own profile: name, e-mail (confirmed from a link), mobile
(confirmed by an SMS code), time zone, and password. Each audited and, where it matters for
security, mailed to the user."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts import audit
from accounts.actors import Actor
from accounts.emails import normalise_email
from accounts.errors import Refused
from accounts.mail import send_mail_later
from accounts.models import AuditEntry
from accounts.sms import SmsError, send_sms

from . import throttle
from .email_change import make_token
from .models import MobileConfirmation, User
from .notify import notify

PROFILE_FIELDS = ["name", "mobile", "time_zone"]
MOBILE_CODE_MAX_AGE = timedelta(minutes=10)
MOBILE_CODE_TRIES = 5
MOBILE_CODES_PER_HOUR = 5
EMAIL_TAKEN = "This e-mail address cannot be used. Choose another."


@dataclass(frozen=True)
class ProfileSaved:
    email_pending: str = ""  # a confirmation link went to this new address
    mobile_changed: bool = False


def _locked_self(actor: Actor) -> User:
    return User.objects.for_account(actor.account).select_for_update().get(pk=actor.pk)


def _email_taken(email: str, user: User) -> bool:
    return User.all_accounts.filter(email=email).exclude(pk=user.pk).exists()


@transaction.atomic
def update_profile(
    actor: Actor, *, name: str, email: str, mobile: str, time_zone: str
) -> ProfileSaved:
    """Save the user's own profile. A new e-mail address is not used until confirmed: a link
    goes to it (and a notice to the current one). A new mobile number is unconfirmed."""
    user = _locked_self(actor)
    before = {**audit.snapshot(user, PROFILE_FIELDS)}
    email = normalise_email(email)
    if email != user.email and _email_taken(email, user):
        raise Refused(EMAIL_TAKEN, "email")
    user.name, user.time_zone = name.strip(), time_zone
    mobile_changed = mobile != user.mobile
    if mobile_changed:
        user.mobile, user.mobile_verified = mobile, False
        MobileConfirmation.objects.for_account(user.account).filter(user=user).delete()
    pending = ""
    if email != user.email:
        user.pending_email = pending = email
    elif user.pending_email:
        pass  # the current address typed again: a pending change stays pending (cancel it apart)
    user.full_clean(exclude=["password"])
    user.save()
    changes = audit.diff(before, audit.snapshot(user, PROFILE_FIELDS))
    if changes:
        audit.record(
            "profile.updated", account=user.account, actor=actor, target=user, changes=changes
        )
    if pending:
        _send_email_change(user, pending, actor)
    return ProfileSaved(email_pending=pending, mobile_changed=mobile_changed)


def _send_email_change(user: User, new_email: str, actor: Actor) -> None:
    path = reverse("users:email_confirm", kwargs={"token": make_token(user, new_email)})
    link = settings.PANEL_BASE_URL.rstrip("/") + path
    hours = settings.EMAIL_CHANGE_MAX_AGE // 3600
    account = user.account
    send_mail_later(
        account,
        f"{account.name}: confirm your new email address",
        f"Hello {user.name or user.email},\n\n"
        f"You asked to sign in to {account.name} with this address from now on. Confirm it here "
        f"(the link works once, for {hours} hours):\n\n{link}\n\n"
        f"Until then you sign in with {user.email}. If you did not ask for this, ignore this "
        "mail.\n",
        [new_email],
    )
    notify(
        user,
        "A change of your sign-in email was requested",
        f"A change of your sign-in email address to {new_email} was requested. It takes effect "
        "only when confirmed from the link sent to that address; until then you keep signing "
        f"in with {user.email}.",
        ip=actor.ip,
    )
    audit.record(
        "profile.email_change_requested",
        account=account,
        actor=actor,
        target=user,
        changes={"email": [user.email, f"{new_email} (unconfirmed)"]},
    )


@transaction.atomic
def cancel_email_change(actor: Actor) -> None:
    user = _locked_self(actor)
    if not user.pending_email:
        return
    audit.record(
        "profile.email_change_cancelled",
        account=user.account,
        actor=actor,
        target=user,
        data={"cancelled": user.pending_email},
    )
    user.pending_email = ""
    user.save(update_fields=["pending_email"])


@transaction.atomic
def confirm_email_change(user: User, new_email: str, *, actor: Actor) -> User:
    """Make ``new_email`` the user's sign-in address (from the link; ``actor``: the visitor who
    opened it). The old address is told."""
    user = User.all_accounts.select_for_update().get(pk=user.pk)
    if user.pending_email != new_email:
        raise Refused("This confirmation link has been used already, or a newer one replaced it.")
    if _email_taken(new_email, user):
        raise Refused(EMAIL_TAKEN.replace("Choose another.", "Ask for another change."))
    old_email = user.email
    user.email, user.pending_email = new_email, ""
    user.save(update_fields=["email", "pending_email"])
    audit.record(
        "profile.email_changed",
        account=user.account,
        actor=Actor(user, actor.ip),
        target=user,
        changes={"email": [old_email, new_email]},
    )
    notify(
        user,
        "Your sign-in email changed",
        f"Your sign-in email address changed from {old_email} to {new_email}.",
        ip=actor.ip,
        to=old_email,
    )
    return user


# --- Mobile confirmation -------------------------------------------------------------------------


def _code_hash(user: User, code: str) -> str:
    return salted_hmac("users.mobile_code", f"{user.pk}:{code}", algorithm="sha256").hexdigest()


def send_mobile_code(actor: Actor) -> str:
    """Text a 6-digit code to the user's (unconfirmed) mobile through the platform's SMS backend
    (accounts.sms); returns the number it went to. The SMS goes out after the code is stored,
    outside the transaction; a gateway that refuses it is reported in plain words."""
    account, number, text = _new_mobile_code(actor)
    try:
        send_sms(account, number, text)
    except SmsError as error:
        raise Refused(f"The code could not be sent: {error}") from None
    return number


@transaction.atomic
def _new_mobile_code(actor: Actor) -> tuple:
    user = _locked_self(actor)
    if not user.mobile:
        raise Refused("Add your mobile number to your profile first.")
    if user.mobile_verified:
        raise Refused("Your mobile number is confirmed already.")
    sent_lately = (
        AuditEntry.objects.for_account(user.account)
        .filter(
            event="profile.mobile_code_sent",
            target_id=str(user.pk),
            created__gte=timezone.now() - timedelta(hours=1),
        )
        .count()
    )
    if sent_lately >= MOBILE_CODES_PER_HOUR:
        raise Refused(
            f"{MOBILE_CODES_PER_HOUR} codes were sent in the last hour; wait a while before "
            "asking for another."
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    MobileConfirmation.objects.for_account(user.account).filter(user=user).delete()
    MobileConfirmation.objects.create(
        account=user.account, user=user, number=user.mobile, code_hash=_code_hash(user, code)
    )
    audit.record(
        "profile.mobile_code_sent",
        account=user.account,
        actor=actor,
        target=user,
        data={"mobile": user.mobile},
    )
    text = f"{code} is your {user.account.name} confirmation code. It expires in 10 minutes."
    return user.account, user.mobile, text


def confirm_mobile(actor: Actor, code: str) -> None:
    """Mark the mobile confirmed when ``code`` is the one just sent to it (5 tries, 10 min)."""
    problem = None
    with transaction.atomic():
        user = _locked_self(actor)
        pending = (
            MobileConfirmation.objects.for_account(user.account)
            .select_for_update()
            .filter(user=user)
            .first()
        )
        if pending is None or pending.number != user.mobile:
            problem = "No code is waiting for this number: send a new one."
        elif timezone.now() - pending.created > MOBILE_CODE_MAX_AGE:
            pending.delete()
            problem = "That code has expired: send a new one."
        elif not constant_time_compare(pending.code_hash, _code_hash(user, code)):
            pending.attempts += 1
            if pending.attempts >= MOBILE_CODE_TRIES:
                pending.delete()
                problem = "That code is not right, and that was the last try: send a new one."
            else:
                pending.save(update_fields=["attempts"])
                left = MOBILE_CODE_TRIES - pending.attempts
                problem = f"That code is not right; {left} tries left."
        else:
            pending.delete()
            user.mobile_verified = True
            user.save(update_fields=["mobile_verified"])
            audit.record(
                "profile.mobile_confirmed",
                account=user.account,
                actor=actor,
                target=user,
                data={"mobile": user.mobile},
            )
    if problem:  # after the commit: the used try stays counted
        raise Refused(problem, "code")


# --- Password ------------------------------------------------------------------------------------


def change_password(actor: Actor, *, old_password: str, new_password: str) -> User:
    """Change the user's own password. A wrong current password counts towards the sign-in
    throttle (a stolen session cannot be used to guess it). Every other session of the user
    ends; the caller keeps this one (``update_session_auth_hash``). Returns the user."""
    user = actor.user
    attempt, lock = throttle.begin_attempt(user.email, actor.ip, user=user)
    if lock is not None:
        raise Refused(lock.message, "old_password")
    if not user.check_password(old_password):
        throttle.attempt_failed(attempt)
        audit.record("password.change_failed", account=user.account, actor=actor, target=user)
        raise Refused("That is not your current password.", "old_password")
    throttle.attempt_void(attempt)  # the right password: not a guess
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise Refused({"new_password1": error.messages}) from None
    with transaction.atomic():
        user = _locked_self(actor)
        user.set_password(new_password)
        user.session_generation += 1  # every other session ends at its next request
        user.save(update_fields=["password", "session_generation"])
        audit.record("password.changed", account=user.account, actor=actor, target=user)
        notify(
            user,
            "Your password was changed",
            "The password of your user was changed, and your other sessions were signed out.",
            ip=actor.ip,
        )
    throttle.attempt_succeeded(attempt)
    return user
