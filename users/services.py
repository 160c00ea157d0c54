"""Writes about staff users and permission groups, each audited (before → after). Who may change
which user or group is decided in users/access.py; these functions enforce it again."""

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare

import accounts.security
from accounts import audit
from accounts.actors import PLATFORM, Actor
from accounts.emails import normalise_email
from accounts.errors import Refused
from accounts.ipnets import ip_allowed
from accounts.links import panel_url
from accounts.mail import send_mail_later
from accounts.metrics import SIGN_INS, TWO_FACTOR_FAILURES
from accounts.models import SecurityAddons
from accounts.permissions import MODULES, require_write
from accounts.policy import address_allowed, passkey_required

from . import access, code_throttle, half_login, passkeys, throttle
from .invitations import make_token
from .models import GroupMembership, PermissionGroup, User
from .notify import notify
from .services_passkeys import PASSKEY, challenge_refusal, check_assertion, record_cloned
from .services_two_factor import BACKUP_CODE, has_passkeys, verify_code

USER_AUDIT_FIELDS = ["email", "name", "role", "read_only", "time_zone", "is_active", "ip_whitelist"]


# --- Sign-in -------------------------------------------------------------------------------------


def sign_in(request, email: str, password: str) -> User:
    """Check the throttle, authenticate, check the IP whitelist and the account's allowed IP
    ranges, log in (bound to this host). For a user with two-factor login, only a half sign-in
    begins (``request.user`` stays anonymous); :func:`sign_in_with_code` finishes it.

    The address is looked up exactly in its stored form (accounts.emails), for the throttle and
    for authentication alike. Every outcome is audited: to the user's account when the email
    belongs to a user, to the platform log otherwise. Raises :class:`Refused` with the message to
    show.
    """
    visitor = request.actor  # not signed in yet: only the caller's address
    ip = visitor.ip
    email = throttle.email_key(email)
    known = User.all_accounts.filter(email=email).select_related("account").first()
    account = known.account if known else None

    attempt, lock = throttle.begin_attempt(email, ip, user=known)  # stored first, then counted
    if lock is not None:
        SIGN_INS.inc(result="locked")
        audit.record(
            "login.locked", account=account, actor=visitor, target=known, data={"email": email}
        )
        raise Refused(lock.message)

    user = authenticate(request, username=email, password=password)
    if user is None:
        throttle.attempt_failed(attempt)
        SIGN_INS.inc(result="failed")
        audit.record(
            "login.failed", account=account, actor=visitor, target=known, data={"email": email}
        )
        raise Refused(
            "That email and password do not match an active user. Check both and try again."
        )

    if not ip_allowed(ip, user.ip_whitelist):
        throttle.attempt_void(attempt)
        SIGN_INS.inc(result="refused_ip")
        audit.record("login.ip_refused", account=account, actor=visitor, target=user)
        raise Refused(
            f"Your user may not sign in from this address ({ip}). Ask an Administrator of your "
            "account to add it to your IP whitelist."
        )

    if not address_allowed(user.account, ip):
        throttle.attempt_void(attempt)
        SIGN_INS.inc(result="refused_ip")
        audit.record("login.account_ip_refused", account=account, actor=visitor, target=user)
        raise Refused(
            f"{user.account.name} allows sign-in only from its own networks, and this address "
            f"({ip}) is not one of them. Ask an Administrator of your account to add it to the "
            "allowed IP ranges (My Account → Settings)."
        )

    throttle.attempt_succeeded(attempt)
    if user.two_factor_enabled:
        # Only a half sign-in (users/half_login.py): the code step finishes it.
        half_login.begin(request, user)
        return user
    return _complete_sign_in(request, user)


def _complete_sign_in(
    request, user: User, second_factor: str = "", *, passwordless: bool = False
) -> User:
    ip = request.actor.ip
    login(request, user)  # accounts.sessions binds the session to this host
    accounts.security.after_sign_in(request, user)  # known devices, login / new-device mail
    SIGN_INS.inc(result="succeeded")
    data = {"second_factor": second_factor} if second_factor else {}
    if passwordless:
        data = {"method": "passkey, without a password"}
    audit.record(
        "login.succeeded",
        account=user.account,
        actor=Actor(user, ip),
        target=user,
        data=data or None,
    )
    return user


def sign_in_with_code(request, code: str, *, backup: bool = False) -> User:
    """The code step: finish this browser's half sign-in with an authenticator code (or a
    backup code). Wrong codes are throttled per user and address and audited. Raises
    :class:`Refused` with the message to show; on success the user is signed in.
    """
    visitor = request.actor
    try:
        pending = half_login.current(request)
    except half_login.Expired:
        raise Refused(
            f"Your sign-in took more than {half_login.MAX_AGE // 60} minutes. Enter your "
            "email and password again."
        ) from None
    if pending is None:
        raise Refused("Enter your email and password first.")
    user = (
        User.all_accounts.select_related("account")
        .filter(pk=pending.user_id, is_active=True, two_factor_enabled=True)
        .first()
    )
    if user is None or not constant_time_compare(user.get_session_auth_hash(), pending.auth_hash):
        half_login.clear(request)  # the user changed meanwhile: their password, 2FA, or active
        raise Refused("Your sign-in is no longer valid. Enter your email and password again.")
    if passkey_required(user.account, user) and has_passkeys(user):
        raise Refused(PASSKEY_ONLY, "code")

    check = verify_code(user, visitor.ip, code, backup=backup)
    if not check.ok:
        TWO_FACTOR_FAILURES.inc(result="locked" if check.lock else "failed")
        audit.record(
            "login.code_locked" if check.lock else "login.code_failed",
            account=user.account,
            actor=visitor,
            target=user,
            data={"method": check.method},
        )
        raise check.refusal()

    half_login.clear(request)
    user.backend = pending.backend
    _complete_sign_in(request, user, second_factor=check.method)
    if check.method == BACKUP_CODE:
        left = check.backup_codes_left
        notify(
            user,
            "A backup code was used to sign in",
            f"A backup code signed you in; {left} of them are left. If your phone is lost, "
            "turn two-factor login off and on again with your new phone on your Two-factor "
            "login page, or make new backup codes there.",
            ip=visitor.ip,
        )
    return user


PASSKEY_ONLY = (
    "Your account's security policy asks Administrators to sign in with a passkey: a code does "
    "not do. Use your passkey, or ask another Administrator to reset your two-factor login."
)


def _pending_user(request) -> tuple[half_login.HalfLogin, User]:
    """This browser's half sign-in and its user, still valid; or Refused."""
    try:
        pending = half_login.current(request)
    except half_login.Expired:
        raise Refused(
            f"Your sign-in took more than {half_login.MAX_AGE // 60} minutes. Enter your "
            "email and password again."
        ) from None
    if pending is None:
        raise Refused("Enter your email and password first.")
    user = (
        User.all_accounts.select_related("account")
        .filter(pk=pending.user_id, is_active=True, two_factor_enabled=True)
        .first()
    )
    if user is None or not constant_time_compare(user.get_session_auth_hash(), pending.auth_hash):
        half_login.clear(request)
        raise Refused("Your sign-in is no longer valid. Enter your email and password again.")
    return pending, user


def sign_in_with_passkey_second(request, credential_json: str) -> User:
    """The second step with a passkey: this browser's half sign-in, finished by an assertion of
    one of that user's passkeys answering the challenge this session was given for it. Failures
    count towards the code throttle (per user and address) and are audited."""
    visitor = request.actor
    pending, user = _pending_user(request)
    try:
        challenge = passkeys.take_challenge(request, "second")
    except passkeys.NoChallenge as error:
        raise challenge_refusal(error) from None
    if challenge.user_id != user.pk:
        raise challenge_refusal(passkeys.NoChallenge())
    lock = code_throttle.current_lock(user, visitor.ip)
    if lock is not None:
        audit.record(
            "login.code_locked",
            account=user.account,
            actor=visitor,
            target=user,
            data={"method": PASSKEY},
        )
        raise Refused(lock.message)
    check = check_assertion(credential_json, challenge.challenge, owner=user)
    if not check.ok:
        code_throttle.record_failure(user, visitor.ip)
        if check.problem == "cloned":
            record_cloned(check, visitor, "sign in")
        audit.record(
            "login.code_failed",
            account=user.account,
            actor=visitor,
            target=user,
            data={"method": PASSKEY, "problem": check.problem},
        )
        raise check.refusal()
    code_throttle.clear_failures(user)
    half_login.clear(request)
    user.backend = pending.backend
    return _complete_sign_in(request, user, second_factor=PASSKEY)


PASSKEY_UNKNOWN = (
    "This passkey is not registered for any user of this panel. Sign in with your email and "
    "password, then add it on your Two-factor login page."
)


def sign_in_with_passkey(request, credential_json: str) -> User:
    """Passwordless sign-in: a discoverable passkey answering this session's challenge, with
    user verification (the passkey is both factors). Throttled like the password step (per
    address, and per user once the passkey names one), then the same address rules; every
    outcome audited. Raises :class:`Refused` with the message to show."""
    visitor = request.actor
    ip = visitor.ip
    try:
        challenge = passkeys.take_challenge(request, "login")
    except passkeys.NoChallenge as error:
        audit.record("login.passkey_failed", actor=visitor, data={"problem": "no challenge"})
        raise challenge_refusal(error) from None
    known = None
    credential_id = passkeys.credential_id_of(credential_json)
    if credential_id:
        known = (
            User.all_accounts.select_related("account")
            .filter(passkeys__credential_id=credential_id)
            .first()
        )
    attempt, lock = throttle.begin_attempt(f"passkey:{throttle.caller(ip)}", ip, user=known)
    if lock is not None:
        audit.record(
            "login.locked",
            account=known.account if known else None,
            actor=visitor,
            target=known,
            data={"method": PASSKEY},
        )
        raise Refused(lock.message)
    check = check_assertion(
        credential_json,
        challenge.challenge,
        require_user_verification=True,
        unknown_message=PASSKEY_UNKNOWN,
    )
    if not check.ok:
        throttle.attempt_failed(attempt)
        if check.problem == "cloned":
            record_cloned(check, visitor, "sign in")
        audit.record(
            "login.passkey_failed",
            account=known.account if known else None,
            actor=visitor,
            target=known,
            data={"problem": check.problem},
        )
        raise check.refusal()
    user = check.passkey.user
    if not user.is_active or user.account_id is None:
        throttle.attempt_failed(attempt)
        audit.record(
            "login.passkey_failed",
            account=user.account,
            actor=visitor,
            target=user,
            data={"problem": "inactive"},
        )
        raise Refused(PASSKEY_UNKNOWN)
    if not ip_allowed(ip, user.ip_whitelist):
        throttle.attempt_void(attempt)
        audit.record("login.ip_refused", account=user.account, actor=visitor, target=user)
        raise Refused(
            f"Your user may not sign in from this address ({ip}). Ask an Administrator of your "
            "account to add it to your IP whitelist."
        )
    if not address_allowed(user.account, ip):
        throttle.attempt_void(attempt)
        audit.record("login.account_ip_refused", account=user.account, actor=visitor, target=user)
        raise Refused(
            f"{user.account.name} allows sign-in only from its own networks, and this address "
            f"({ip}) is not one of them. Ask an Administrator of your account to add it to the "
            "allowed IP ranges (My Account → Settings)."
        )
    throttle.attempt_succeeded(attempt)
    user.backend = "users.backends.EmailBackend"
    return _complete_sign_in(request, user, second_factor=PASSKEY, passwordless=True)


def sign_out(request) -> None:
    actor = request.actor
    if actor.user is not None:
        audit.record("logout", account=actor.account, actor=actor, target=actor.user)
    logout(request)


# --- Users ---------------------------------------------------------------------------------------


def _user_snapshot(user: User, groups) -> dict:
    return {**audit.snapshot(user, USER_AUDIT_FIELDS), "groups": sorted(g.name for g in groups)}


@transaction.atomic
def create_user(
    *,
    actor: Actor,
    account,
    email: str,
    password: str | None,
    groups=(),
    send_invitation: bool = False,
    **fields,
) -> User:
    """Create a staff user of ``account``; without a password they get an invitation to set one."""
    require_write(actor, "users")
    groups = list(groups)
    access.check_user_write(
        actor,
        None,
        role=fields.get("role"),
        read_only=None,
        groups_before=[],
        groups_after=groups,
        password=bool(password),
    )
    user = User(account=account, email=normalise_email(email), **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    _set_groups(user, groups)
    if account.login_notifications_default:  # the Settings tab's default for new users
        SecurityAddons.objects.create(account=account, user=user, login_notifications=True)
    audit.record(
        "user.created",
        account=account,
        actor=actor,
        target=user,
        changes=audit.diff({}, _user_snapshot(user, groups)),
    )
    if send_invitation:
        invite(user, actor=actor)
    return user


@transaction.atomic
def update_user(user: User, *, actor: Actor, password=None, groups=None, **fields) -> User:
    """Change a user. ``groups``: the groups the actor chose among those they may give (the
    user's other groups are kept). Refuses (Refused) what users/access.py does not allow, and
    anything that would lock the account out of itself."""
    require_write(actor, "users")
    user = (
        User.objects.for_account(user.account)
        .select_for_update()
        .prefetch_related("groups")
        .get(pk=user.pk)
    )
    old_groups = list(user.groups.all())
    new_groups = old_groups if groups is None else _kept_groups(actor, old_groups, groups)
    access.check_user_write(
        actor,
        user,
        role=fields.get("role"),
        read_only=fields.get("read_only"),
        groups_before=old_groups,
        groups_after=new_groups,
        password=bool(password),
    )
    before = _user_snapshot(user, old_groups)
    _check_rules(actor, user, *_losing_power(user, fields))
    for name, value in fields.items():
        setattr(user, name, value)
    if "email" in fields:
        user.email = normalise_email(user.email)
    if password:
        user.set_password(password)  # also ends their sessions: the auth hash changes
    if before["is_active"] and not user.is_active:
        user.session_generation += 1
    user.full_clean(exclude=["password"])
    user.save()
    if groups is not None:
        _set_groups(user, new_groups)
    changes = audit.diff(before, _user_snapshot(user, new_groups))
    if password:
        changes["password"] = ["********", "********"]
    if changes:
        audit.record(
            "user.updated", account=user.account, actor=actor, target=user, changes=changes
        )
    return user


def _kept_groups(actor: Actor, old_groups, chosen) -> list:
    """The chosen groups plus the user's groups the actor may not give or take (kept as they
    are: the form does not offer them)."""
    kept = [g for g in old_groups if not access.group_is_grantable(actor, g)]
    return list({g.pk: g for g in [*chosen, *kept]}.values())


@transaction.atomic
def delete_users(actor: Actor, ids, *, account=None) -> list[str]:
    """Delete the account's users among ``ids`` (all or none of them; other accounts' ids match
    nothing); returns their e-mail addresses. Their sessions end: a deleted user cannot be
    loaded. ``account``: the actor's, unless the platform acts."""
    require_write(actor, "users")
    users = list(
        User.objects.for_account(account or actor.account)
        .select_for_update()
        .prefetch_related("groups")
        .filter(pk__in=ids)
        .order_by("email")
    )
    for user in users:
        refusal = access.change_refusal(actor, user)
        if refusal:
            raise Refused(refusal)
        _check_rules(actor, user, "delete", None, others_going=users)
    for user in users:
        audit.record(
            "user.deleted",
            account=user.account,
            actor=actor,
            target=user,
            changes=audit.diff(_user_snapshot(user, user.groups.all()), {}),
        )
        user.delete()
    return [user.email for user in users]


def _losing_power(user: User, fields: dict) -> tuple[str | None, str | None]:
    """What the change takes from ``user`` that the account might need: (verb, form field)."""
    if user.is_active and not fields.get("is_active", True):
        return "deactivate", "is_active"
    if user.is_administrator and fields.get("role", user.role) != user.role:
        return "demote", "role"
    if user.is_administrator and not user.read_only and fields.get("read_only", False):
        return "make read only", "read_only"
    return None, None


def _check_rules(actor: Actor, user, what: str | None, field: str | None, others_going=()):
    """Nobody may ``what`` (delete, deactivate, demote, make read only) themselves, nor the
    account's last active, writable Administrator."""
    if what is None:
        return
    if actor.pk is not None and actor.pk == user.pk:
        raise Refused(f"You cannot {what} yourself. Ask another Administrator to do it.", field)
    if user.is_administrator and user.is_active and not user.read_only:
        going = {u.pk for u in others_going} | {user.pk}
        # Only a writable Administrator can undo mistakes: a read-only one does not count.
        remaining = (
            User.objects.for_account(user.account)
            .select_for_update()
            .filter(role=User.Role.ADMINISTRATOR, is_active=True, read_only=False)
            .exclude(pk__in=going)
        )
        if not remaining.exists():
            raise Refused(
                f"You cannot {what} {user.email}: the account needs at least one active "
                "Administrator. Make someone else an Administrator first.",
                field,
            )


def _set_groups(user: User, groups) -> None:
    groups = list(groups)
    if any(g.account_id != user.account_id for g in groups):
        raise PermissionDenied("A group of another account.")
    memberships = GroupMembership.objects.for_account(user.account).filter(user=user)
    memberships.exclude(group__in=groups).delete()
    existing = set(memberships.values_list("group_id", flat=True))
    GroupMembership.objects.bulk_create(
        GroupMembership(account_id=user.account_id, user=user, group=g)
        for g in groups
        if g.pk not in existing
    )


def invite(user: User, *, actor: Actor = PLATFORM) -> None:
    """Mail ``user`` a single-use, expiring link where they choose their password."""
    link = panel_url(reverse("users:invitation", kwargs={"token": make_token(user)}))
    inviter = (actor.user.name or actor.user.email) if actor.user else "An Administrator"
    body = (
        f"Hello {user.name or user.email},\n\n"
        f"{inviter} invited you to the {user.account.name} account console.\n"
        f"Choose your password here (the link works once and expires in "
        f"{_max_age_text()}):\n\n{link}\n\n"
        f"You will sign in with this email address: {user.email}\n"
    )
    send_mail_later(user.account, f"You are invited to {user.account.name}", body, [user.email])
    audit.record("user.invited", account=user.account, actor=actor, target=user)


def send_password_reset(user: User, *, actor: Actor) -> None:
    """Mail ``user`` the same single-use reset link the public "Forgot password" page sends:
    how a User manager (who may not set another user's password) helps someone locked out."""
    from .forms import PasswordResetForm

    require_write(actor, "users")
    refusal = access.change_refusal(actor, user)
    if refusal:
        raise Refused(refusal)
    form = PasswordResetForm({"email": user.email})
    if form.is_valid():
        form.save(
            subject_template_name="users/email/password_reset_subject.txt",
            email_template_name="users/email/password_reset.txt",
        )
    audit.record("user.password_reset_sent", account=user.account, actor=actor, target=user)


def _max_age_text() -> str:
    hours = settings.INVITATION_MAX_AGE // 3600
    return f"{hours // 24} days" if hours % 24 == 0 and hours >= 48 else f"{hours} hours"


@transaction.atomic
def accept_invitation(user: User, password: str, *, actor: Actor) -> None:
    """``actor``: the visitor who opened the link (their address is audited)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        "user.invitation_accepted",
        account=user.account,
        actor=Actor(user, actor.ip),
        target=user,
    )


# --- Groups --------------------------------------------------------------------------------------


def _group_snapshot(group: PermissionGroup) -> dict:
    effects = {"allow": "Allow", "deny": "Deny"}
    return {
        "name": group.name,
        **{m.label: effects.get(group.permissions.get(k), "") for k, m in MODULES.items()},
    }


@transaction.atomic
def save_group(group: PermissionGroup, *, actor: Actor) -> PermissionGroup:
    """Create or update a group (``group`` carries the new name and permissions)."""
    require_write(actor, "users")
    creating = group.pk is None
    stored = (
        None
        if creating
        else PermissionGroup.objects.for_account(group.account).select_for_update().get(pk=group.pk)
    )
    group.permissions = {k: v for k, v in group.permissions.items() if v}
    access.check_group_write(actor, stored.permissions if stored else {}, group.permissions)
    before = _group_snapshot(stored) if stored else {}
    group.full_clean()
    group.save()
    changes = audit.diff(before, _group_snapshot(group))
    if creating or changes:
        audit.record(
            "group.created" if creating else "group.updated",
            account=group.account,
            actor=actor,
            target=group,
            changes=changes,
        )
    return group


@transaction.atomic
def delete_groups(actor: Actor, ids) -> list[str]:
    """Delete the account's groups among ``ids`` (all or none); returns their names."""
    require_write(actor, "users")
    groups = list(
        PermissionGroup.objects.for_account(actor.account).filter(pk__in=ids).order_by("name")
    )
    for group in groups:
        access.check_group_delete(actor, group)
    for group in groups:
        audit.record(
            "group.deleted",
            account=group.account,
            actor=actor,
            target=group,
            changes=audit.diff(_group_snapshot(group), {}),
            data={"members": list(group.members.values_list("email", flat=True))},
        )
        group.delete()
    return [group.name for group in groups]
