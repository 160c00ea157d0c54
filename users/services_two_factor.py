"""Writes about two-factor sign-in: set-up, turning it off, new backup codes, an Administrator's
reset, and the check of a typed code (also used by the sign-in's code step, services.py).

Each is audited (never the key or a code) and mailed to the user. ``User.two_factor_enabled``
(the Users list's 2FA column, and what makes sign-in ask for a code) follows the devices, in the
same transaction.
"""

from dataclasses import dataclass

from django.db import transaction

from accounts import audit
from accounts.actors import Actor
from accounts.errors import Refused
from accounts.permissions import require_admin
from accounts.policy import two_factor_required

from . import backup_codes, code_throttle, two_factor
from .code_throttle import CodeLock
from .models import BackupCode, Passkey, StaticDevice, TOTPDevice, User
from .notify import notify

AUTHENTICATOR = "authenticator app"
BACKUP_CODE = "backup code"
WRONG_CODE = (
    "That code is not right. Type the 6 digits your authenticator app shows now (each code "
    "works once), or use a backup code."
)
WRONG_BACKUP_CODE = "That backup code is not right, or it was used already (each works once)."


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    method: str
    lock: CodeLock | None = None
    backup_codes_left: int | None = None

    def refusal(self) -> Refused:
        if self.lock is not None:
            return Refused(self.lock.message, "code")
        return Refused(WRONG_BACKUP_CODE if self.method == BACKUP_CODE else WRONG_CODE, "code")


def verify_code(user: User, ip: str | None, code: str, *, backup: bool) -> CodeCheck:
    """Check ``code`` (already normalised by the form) against ``user``'s authenticator, or
    their backup codes, throttled per user and address (code_throttle).

    Runs in a transaction of its own, holding the user's row, so concurrent guesses are counted
    one after another and a wrong code stays counted even though the caller then refuses: call
    it outside any other transaction.
    """
    method = BACKUP_CODE if backup else AUTHENTICATOR
    with transaction.atomic():
        User.objects.for_account(user.account).select_for_update().filter(pk=user.pk).first()
        lock = code_throttle.current_lock(user, ip)
        if lock is not None:
            return CodeCheck(False, method, lock=lock)
        model = StaticDevice if backup else TOTPDevice
        device = (
            model.objects.for_account(user.account).select_for_update().filter(user=user).first()
        )
        if device is None or not device.verify_token(code):
            code_throttle.record_failure(user, ip)
            return CodeCheck(False, method)
        code_throttle.clear_failures(user)
        left = device.codes.count() if backup else None
    return CodeCheck(True, method, backup_codes_left=left)


def sync_two_factor(user: User) -> None:
    """``two_factor_enabled`` on when the user has an authenticator app or a passkey (a second
    factor the sign-in asks for); call it holding the user's row, after changing a device."""
    has = (
        TOTPDevice.objects.for_account(user.account).filter(user=user).exists()
        or Passkey.objects.for_account(user.account).filter(user=user).exists()
    )
    if has != user.two_factor_enabled:
        user.two_factor_enabled = has
        user.save(update_fields=["two_factor_enabled"])


def has_passkeys(user: User) -> bool:
    return Passkey.objects.for_account(user.account).filter(user=user).exists()


def _locked_self(actor: Actor) -> User:
    return User.objects.for_account(actor.account).select_for_update().get(pk=actor.pk)


def _replace_backup_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.for_account(user.account).get_or_create(
        user=user, defaults={"account": user.account, "name": "Backup codes"}
    )
    device.codes.all().delete()
    codes = backup_codes.new_codes()
    BackupCode.objects.bulk_create(
        BackupCode(account=user.account, device=device, code_hash=backup_codes.code_hash(code))
        for code in codes
    )
    return codes


@transaction.atomic
def enable(actor: Actor, *, key_hex: str, code: str) -> list[str]:
    """Create the user's authenticator device from the set-up's candidate key, once ``code``
    proves their app has it; returns the ten new backup codes (to show once)."""
    user = _locked_self(actor)
    if TOTPDevice.objects.for_account(user.account).filter(user=user).exists():
        raise Refused("Your authenticator app is set up already.")
    step = two_factor.matching_step(key_hex, code)
    if step is None:
        raise Refused(
            "That code does not match this key. Scan the QR code again (or type the key), "
            "check that your phone's clock is set automatically, and type the code it shows now.",
            "code",
        )
    TOTPDevice.objects.for_account(user.account).filter(user=user).delete()
    TOTPDevice.objects.create(
        account=user.account,
        user=user,
        name="Authenticator app",
        key=key_hex,
        step=two_factor.STEP,
        digits=two_factor.DIGITS,
        tolerance=two_factor.TOLERANCE,
        last_t=step,  # the set-up code cannot be used again to sign in
    )
    codes = _replace_backup_codes(user)
    before = user.two_factor_enabled
    sync_two_factor(user)
    audit.record(
        "two_factor.enabled",
        account=user.account,
        actor=actor,
        target=user,
        changes=None if before else {"two_factor_enabled": [False, True]},
        data={"backup_codes": len(codes)},
    )
    notify(
        user,
        "Two-factor login is on",
        "Two-factor login was turned on for your user: signing in now also asks for a code "
        "from your authenticator app (or a backup code).",
        ip=actor.ip,
    )
    return codes


def _confirmed_by_code(actor: Actor, code: str, backup: bool, doing: str) -> None:
    """The signed-in user proves they still hold their second factor, or is refused."""
    check = verify_code(actor.user, actor.ip, code, backup=backup)
    if not check.ok:
        audit.record(
            "two_factor.code_failed",
            account=actor.account,
            actor=actor,
            target=actor.user,
            data={"method": check.method, "doing": doing, "locked": check.lock is not None},
        )
        raise check.refusal()


def disable(actor: Actor, *, code: str, backup: bool = False) -> None:
    """Turn the user's own two-factor login off; needs a current code. Refused while the
    account's policy requires it for them."""
    user = actor.user
    if not TOTPDevice.objects.for_account(user.account).filter(user=user).exists():
        raise Refused("You have no authenticator app to turn off.")
    if two_factor_required(user.account, user) and not has_passkeys(user):
        raise Refused(
            "Your account's security policy requires two-factor login for you, so it cannot be "
            "turned off. To move it to a new phone, make new backup codes or ask an "
            "Administrator to reset it.",
        )
    _confirmed_by_code(actor, code, backup, "turn off")
    user = _turn_off(actor, user, "two_factor.disabled")
    if user.two_factor_enabled:  # passkeys remain
        text = (
            "The authenticator app and backup codes of your user were turned off: signing in "
            "now asks for one of your passkeys after your password."
        )
    else:
        text = (
            "Two-factor login was turned off for your user: signing in now asks only for your "
            "password."
        )
    notify(
        user,
        "Two-factor login is off"
        if not user.two_factor_enabled
        else "Authenticator app turned off",
        text,
        ip=actor.ip,
    )


def regenerate_backup_codes(actor: Actor, *, code: str, backup: bool = False) -> list[str]:
    """Replace all of the user's backup codes; needs a current code. Returns the new codes."""
    if not actor.user.two_factor_enabled:
        raise Refused("Turn two-factor login on first.")
    _confirmed_by_code(actor, code, backup, "new backup codes")
    with transaction.atomic():
        user = _locked_self(actor)
        codes = _replace_backup_codes(user)
        audit.record(
            "two_factor.backup_codes_regenerated",
            account=user.account,
            actor=actor,
            target=user,
            data={"backup_codes": len(codes)},
        )
        notify(
            user,
            "New backup codes",
            "New backup codes were made for your user; the earlier ones no longer work.",
            ip=actor.ip,
        )
    return codes


@transaction.atomic
def _turn_off(actor: Actor, user: User, event: str) -> User:
    """The app and backup codes go (and, for an Administrator's reset, the passkeys too)."""
    user = User.objects.for_account(user.account).select_for_update().get(pk=user.pk)
    before = user.two_factor_enabled
    TOTPDevice.objects.for_account(user.account).filter(user=user).delete()
    StaticDevice.objects.for_account(user.account).filter(user=user).delete()
    data = None
    if event == "two_factor.reset":
        removed, _ = Passkey.objects.for_account(user.account).filter(user=user).delete()
        data = {"passkeys_removed": removed} if removed else None
        user.session_generation += 1  # whoever holds the lost phone's sessions is signed out
        user.save(update_fields=["session_generation"])
    sync_two_factor(user)
    audit.record(
        event,
        account=user.account,
        actor=actor,
        target=user,
        changes={"two_factor_enabled": [before, user.two_factor_enabled]}
        if before != user.two_factor_enabled
        else None,
        data=data,
    )
    return user


def reset(actor: Actor, user: User) -> None:
    """An Administrator turns another user's two-factor login off (a lost phone): their devices
    and backup codes are deleted and their sessions end. They sign in with their password next,
    and set it up again (at once, when the account's policy requires it)."""
    require_admin(actor)
    if user.pk == actor.pk:
        raise Refused("Turn your own two-factor login off on your Two-factor login page.")
    if user.account_id != actor.account_id or not user.two_factor_enabled:
        raise Refused(f"{user.email} has no two-factor login to reset.")
    _turn_off(actor, user, "two_factor.reset")
    who = actor.user.name or actor.user.email
    notify(
        user,
        "Your two-factor login was reset",
        f"{who}, an Administrator, reset the two-factor login of your user: your authenticator "
        "app, backup codes and passkeys no longer work, and your sessions were ended. Sign in "
        "with your password and set two-factor login up again.",
        ip=actor.ip,
    )
