"""Writes about passkeys (WebAuthn credentials, py_webauthn): adding one from a verified
attestation, renaming, removing (with a current second factor), and checking an assertion (used
by the sign-in, services.py, and by the removal's confirmation).

Each change is audited (never a key) and adding or removing one is mailed to the user, like the
authenticator app's changes. ``User.two_factor_enabled`` follows the devices in the same
transaction (services_two_factor.sync_two_factor).
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from webauthn import verify_authentication_response, verify_registration_response
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException

from accounts import audit
from accounts.actors import Actor
from accounts.errors import Refused
from accounts.policy import passkey_required, two_factor_required

from . import passkeys
from .models import Passkey, StaticDevice, TOTPDevice, User
from .notify import notify
from .passkeys import Challenge
from .services_two_factor import _confirmed_by_code, sync_two_factor

MAX_PASSKEYS = 20
PASSKEY = "passkey"

NO_CHALLENGE = (
    "This passkey answer does not belong to a request of this browser (it was used already, or "
    "asked for elsewhere). Nothing was changed; try again."
)
EXPIRED = (
    f"The passkey request ran out of time ({passkeys.CHALLENGE_MAX_AGE // 60} minutes). "
    "Nothing was changed; try again."
)
UNREADABLE = "Your browser's passkey answer could not be read. Nothing was changed; try again."
NOT_VERIFIED = (
    "The passkey answer could not be verified: it was not made for this site, or it was changed "
    "on the way. Nothing was changed; try again."
)
CLONED = (
    "This passkey was refused: its use counter went backwards, which is what a copied "
    "authenticator does. Sign in another way and remove it, or ask an Administrator."
)


def challenge_refusal(error: passkeys.NoChallenge, field: str | None = None) -> Refused:
    return Refused(EXPIRED if error.expired else NO_CHALLENGE, field)


# --- Checking an assertion -----------------------------------------------------------------------


@dataclass(frozen=True)
class PasskeyCheck:
    ok: bool
    problem: str = ""  # "unreadable" | "unknown" | "not_verified" | "cloned" | "not_yours"
    passkey: Passkey | None = None
    message: str = ""

    def refusal(self, field: str | None = None) -> Refused:
        return Refused(self.message, field)


def check_assertion(
    credential_json: str,
    challenge: bytes,
    *,
    owner: User | None = None,
    require_user_verification: bool = False,
    unknown_message: str = "That passkey is not one of yours here.",
) -> PasskeyCheck:
    """Verify the browser's answer to ``challenge`` (py_webauthn: origin, RP ID, challenge,
    signature, flags), for a passkey of ``owner`` (any user's, for passwordless sign-in: then the
    answer's user handle must be the owner's too). On success the counter and last use are
    stored. Runs in a transaction of its own holding the passkey's row, so two concurrent uses of
    one answer cannot both pass the counter check; the caller audits and refuses."""
    credential_id = passkeys.credential_id_of(credential_json)
    if credential_id is None:
        return PasskeyCheck(False, "unreadable", message=UNREADABLE)
    with transaction.atomic():
        found = Passkey.all_accounts.select_for_update(of=("self",)).filter(
            credential_id=credential_id
        )
        if owner is not None:
            found = found.filter(user=owner, account=owner.account)
        passkey = found.select_related("user", "user__account", "account").first()
        if passkey is None:
            return PasskeyCheck(False, "unknown", message=unknown_message)
        handle = passkeys.user_handle_of(credential_json)
        if handle is not None and handle != passkeys.user_handle(passkey.user):
            return PasskeyCheck(False, "not_yours", passkey, unknown_message)
        try:
            verified = verify_authentication_response(
                credential=credential_json,
                expected_challenge=challenge,
                expected_rp_id=passkeys.rp_id(),
                expected_origin=passkeys.origins(),
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=0,  # compared below, after the signature
                require_user_verification=require_user_verification,
            )
        except (WebAuthnException, ValueError, TypeError, KeyError):
            return PasskeyCheck(False, "not_verified", passkey, NOT_VERIFIED)
        stored = passkey.sign_count
        if (verified.new_sign_count or stored) and verified.new_sign_count <= stored:
            return PasskeyCheck(False, "cloned", passkey, CLONED)
        passkey.sign_count = verified.new_sign_count
        passkey.backed_up = verified.credential_backed_up
        passkey.last_used_at = timezone.now()
        passkey.save(update_fields=["sign_count", "backed_up", "last_used_at"])
    return PasskeyCheck(True, passkey=passkey)


def record_cloned(check: PasskeyCheck, actor: Actor, doing: str) -> None:
    """A signature that verified with a counter that went backwards: audited on its own."""
    passkey = check.passkey
    audit.record(
        "passkey.sign_count_regressed",
        account=passkey.account,
        actor=actor,
        target=passkey.user,
        data={"passkey": passkey.name, "stored_count": passkey.sign_count, "doing": doing},
    )


# --- Adding, renaming, removing ------------------------------------------------------------------


def _locked_self(actor: Actor) -> User:
    return User.objects.for_account(actor.account).select_for_update().get(pk=actor.pk)


def _name_taken(user: User, name: str, exclude_pk=None) -> bool:
    taken = Passkey.objects.for_account(user.account).filter(user=user, name__iexact=name)
    return taken.exclude(pk=exclude_pk).exists() if exclude_pk else taken.exists()


def register(actor: Actor, *, name: str, credential_json: str, challenge: Challenge) -> Passkey:
    """Add a passkey for the signed-in user from the browser's answer to ``challenge`` (the
    registration options given to this session for this user); refused unless py_webauthn
    verifies the attestation for this panel's RP ID and one of its origins."""
    if challenge.user_id != actor.pk:
        raise Refused(NO_CHALLENGE)
    try:
        verified = verify_registration_response(
            credential=credential_json,
            expected_challenge=challenge.challenge,
            expected_rp_id=passkeys.rp_id(),
            expected_origin=passkeys.origins(),
            supported_pub_key_algs=passkeys.ALGORITHMS,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise Refused(
            "The new passkey could not be verified: it was not made for this site, or the "
            "answer was changed on the way. No passkey was added; try again."
        ) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    try:
        with transaction.atomic():
            user = _locked_self(actor)
            if Passkey.objects.for_account(user.account).filter(user=user).count() >= MAX_PASSKEYS:
                raise Refused(f"You have {MAX_PASSKEYS} passkeys already; remove one first.")
            if _name_taken(user, name):
                raise Refused("You have a passkey of this name already; choose another.", "name")
            passkey = Passkey.objects.create(
                account=user.account,
                user=user,
                name=name,
                credential_id=credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                aaguid=str(verified.aaguid),
                backed_up=verified.credential_backed_up,
                transports=_transports(credential_json),
            )
            before = user.two_factor_enabled
            sync_two_factor(user)
            audit.record(
                "passkey.added",
                account=user.account,
                actor=actor,
                target=user,
                changes={"two_factor_enabled": [False, True]} if not before else None,
                data={"passkey": name, "synced": verified.credential_backed_up},
            )
            notify(
                user,
                "A passkey was added",
                f"The passkey “{name}” was added to your user: it can now sign you in, on its "
                "own or after your password.",
                ip=actor.ip,
            )
    except IntegrityError:
        raise Refused("This passkey is registered already.") from None
    return passkey


def _transports(credential_json: str) -> list[str]:
    import json

    try:
        value = json.loads(credential_json)["response"].get("transports") or []
    except (ValueError, KeyError, AttributeError, TypeError):
        return []
    known = {"usb", "nfc", "ble", "internal", "hybrid", "smart-card", "cable"}
    return [t for t in value if isinstance(t, str) and t in known][:8]


def own_passkey(actor: Actor, pk) -> Passkey:
    """The signed-in user's passkey ``pk``; Refused for anything else (another user's, another
    account's, none)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    passkey = (
        Passkey.objects.for_account(actor.account).filter(user_id=actor.pk, pk=pk).first()
        if pk is not None
        else None
    )
    if passkey is None:
        raise Refused("That passkey is not one of yours (it may have been removed already).")
    return passkey


@transaction.atomic
def rename(actor: Actor, pk, *, name: str) -> Passkey:
    passkey = own_passkey(actor, pk)
    passkey = Passkey.objects.for_account(actor.account).select_for_update().get(pk=passkey.pk)
    if passkey.name == name:
        return passkey
    if _name_taken(actor.user, name, exclude_pk=passkey.pk):
        raise Refused("You have a passkey of this name already; choose another.", "name")
    old = passkey.name
    passkey.name = name
    passkey.save(update_fields=["name"])
    audit.record(
        "passkey.renamed",
        account=actor.account,
        actor=actor,
        target=actor.user,
        changes={"passkey": [old, name]},
    )
    return passkey


def remove(
    actor: Actor,
    pk,
    *,
    code: str = "",
    backup: bool = False,
    credential_json: str = "",
    challenge: Challenge | None = None,
) -> str:
    """Remove one of the signed-in user's passkeys; needs a current second factor: a code of
    their authenticator app, a backup code, or a passkey of theirs answering ``challenge``.
    Refused when the account's policy needs what it would take away. Returns its name."""
    passkey = own_passkey(actor, pk)
    user = actor.user
    others = Passkey.objects.for_account(user.account).filter(user=user).exclude(pk=passkey.pk)
    has_app = TOTPDevice.objects.for_account(user.account).filter(user=user).exists()
    if not others.exists() and passkey_required(user.account, user):
        raise Refused(
            "Your account's security policy requires a passkey for Administrators, and this is "
            "your only one. Add another passkey first."
        )
    if not others.exists() and not has_app and two_factor_required(user.account, user):
        raise Refused(
            "Your account's security policy requires two-factor login for you, and this passkey "
            "is your only second factor. Set up an authenticator app or add another passkey "
            "first."
        )
    _confirm(actor, code=code, backup=backup, credential_json=credential_json, challenge=challenge)
    with transaction.atomic():
        user = _locked_self(actor)
        deleted, _ = Passkey.objects.for_account(user.account).filter(pk=passkey.pk).delete()
        if not deleted:
            raise Refused("That passkey was removed already.")
        before = user.two_factor_enabled
        sync_two_factor(user)
        audit.record(
            "passkey.removed",
            account=user.account,
            actor=actor,
            target=user,
            changes={"two_factor_enabled": [True, False]}
            if before != user.two_factor_enabled
            else None,
            data={"passkey": passkey.name},
        )
        notify(
            user,
            "A passkey was removed",
            f"The passkey “{passkey.name}” was removed from your user: it no longer signs you in.",
            ip=actor.ip,
        )
    return passkey.name


def _confirm(actor: Actor, *, code, backup, credential_json, challenge) -> None:
    """The signed-in user proves they hold a second factor now, or is refused."""
    if credential_json:
        if challenge is None or challenge.user_id != actor.pk:
            raise Refused(NO_CHALLENGE)
        check = check_assertion(credential_json, challenge.challenge, owner=actor.user)
        if not check.ok:
            if check.problem == "cloned":
                record_cloned(check, actor, "confirm a change")
            audit.record(
                "two_factor.code_failed",
                account=actor.account,
                actor=actor,
                target=actor.user,
                data={"method": PASSKEY, "doing": "remove a passkey", "problem": check.problem},
            )
            raise check.refusal()
        return
    if not code:
        if TOTPDevice.objects.for_account(actor.account).filter(user=actor.user).exists():
            raise Refused(
                "Confirm with one of your passkeys, or type a code from your authenticator app "
                "or a backup code.",
                "code",
            )
        raise Refused("Confirm with one of your passkeys (the button below).")
    has_codes = (
        StaticDevice.objects.for_account(actor.account).filter(user=actor.user).exists()
        if backup
        else TOTPDevice.objects.for_account(actor.account).filter(user=actor.user).exists()
    )
    if not has_codes:
        raise Refused(
            "You have no backup codes: confirm with one of your passkeys."
            if backup
            else "You have no authenticator app: confirm with one of your passkeys.",
            "code",
        )
    _confirmed_by_code(actor, code, backup, "remove a passkey")
