"""Writes about staff users and permission groups, each audited (before → after)."""

from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

import accounts.security
from accounts import audit
from accounts.emails import normalise_email
from accounts.links import panel_url
from accounts.mail import send_mail_later

from . import throttle
from .invitations import make_token
from .models import GroupMembership, PermissionGroup, User
from .permissions import MODULES, require_write
from .validators import ip_allowed

USER_AUDIT_FIELDS = ["email", "name", "role", "read_only", "time_zone", "is_active", "ip_whitelist"]


class SignInRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UserRuleError(Exception):
    """A rule about users refused the change; ``field`` is where the message belongs."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


# --- Sign-in -------------------------------------------------------------------------------------


def sign_in(request, email: str, password: str) -> User:
    """Check the throttle, authenticate, check the IP whitelist, log in (bound to this host).

    The address is looked up exactly in its stored form (accounts.emails), for the throttle and
    for authentication alike. Every outcome is audited: to the user's account when the email
    belongs to a user, to the platform log otherwise. Raises :class:`SignInRefused` with the
    message to show.
    """
    ip = audit.client_ip(request)
    email = throttle.email_key(email)
    known = User.objects.filter(email=email).select_related("account").first()
    account = known.account if known else None

    attempt, lock = throttle.begin_attempt(email, ip, user=known)  # stored first, then counted
    if lock is not None:
        audit.record(
            "login.locked", account=account, request=request, target=known, data={"email": email}
        )
        raise SignInRefused(lock.message)

    user = authenticate(request, username=email, password=password)
    if user is None:
        throttle.attempt_failed(attempt)
        audit.record(
            "login.failed", account=account, request=request, target=known, data={"email": email}
        )
        raise SignInRefused(
            "That email and password do not match an active user. Check both and try again."
        )

    if not ip_allowed(ip, user.ip_whitelist):
        throttle.attempt_void(attempt)
        audit.record("login.ip_refused", account=account, request=request, target=user)
        raise SignInRefused(
            f"Your user may not sign in from this address ({ip}). Ask an Administrator of your "
            "account to add it to your IP whitelist."
        )

    throttle.attempt_succeeded(attempt)
    login(request, user)  # users.sessions binds the session to this host
    accounts.security.after_sign_in(request, user)  # known devices, login / new-device mail
    audit.record("login.succeeded", account=user.account, actor=user, request=request, target=user)
    return user


def sign_out(request) -> None:
    user = request.user
    if user.is_authenticated:
        audit.record("logout", account=user.account, actor=user, request=request, target=user)
    logout(request)


# --- Users ---


def _require_users_write(actor, target: User | None = None, role: str | None = None) -> None:
    """Users write access; and only an Administrator may touch an Administrator or make one, so
    a user manager cannot raise themselves (or anyone) above their own role."""
    require_write(actor, "users")
    if actor is None or actor.is_administrator:
        return
    if role == User.Role.ADMINISTRATOR or (target is not None and target.is_administrator):
        raise UserRuleError("Only an Administrator may create, change or delete an Administrator.")


def _user_snapshot(user: User, groups) -> dict:
    return {**audit.snapshot(user, USER_AUDIT_FIELDS), "groups": sorted(g.name for g in groups)}


@transaction.atomic
def create_user(
    *,
    account,
    email: str,
    password: str | None,
    actor=None,
    request=None,
    groups=(),
    send_invitation: bool = False,
    **fields,
) -> User:
    """Create a staff user of ``account``; without a password they get an invitation to set one."""
    _require_users_write(actor, role=fields.get("role"))
    user = User(account=account, email=normalise_email(email), **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    _set_groups(user, groups)
    audit.record(
        "user.created",
        account=account,
        actor=actor,
        request=request,
        target=user,
        changes=audit.diff({}, _user_snapshot(user, groups)),
    )
    if send_invitation:
        invite(user, actor=actor, request=request)
    return user


@transaction.atomic
def update_user(user: User, *, actor, request=None, password=None, groups=None, **fields) -> User:
    """Change a user. Refuses (UserRuleError) to let anyone lock the account out of itself."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _require_users_write(actor, target=user, role=fields.get("role"))
    old_groups = list(user.groups.all())
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
    new_groups = old_groups if groups is None else list(groups)
    if groups is not None:
        _set_groups(user, new_groups)
    changes = audit.diff(before, _user_snapshot(user, new_groups))
    if password:
        changes["password"] = ["********", "********"]
    if changes:
        audit.record(
            "user.updated",
            account=user.account,
            actor=actor,
            request=request,
            target=user,
            changes=changes,
        )
    return user


@transaction.atomic
def delete_users(users, *, actor, request=None) -> int:
    """Delete users (all or none). Their sessions end: a deleted user cannot be loaded."""
    users = list(User.objects.select_for_update().filter(pk__in=[u.pk for u in users]))
    for user in users:
        _require_users_write(actor, target=user)
        _check_rules(actor, user, "delete", None, others_going=users)
    for user in users:
        audit.record(
            "user.deleted",
            account=user.account,
            actor=actor,
            request=request,
            target=user,
            changes=audit.diff(_user_snapshot(user, user.groups.all()), {}),
        )
        user.delete()
    return len(users)


def _losing_power(user: User, fields: dict) -> tuple[str | None, str | None]:
    """What the change takes from ``user`` that the account might need: (verb, form field)."""
    if user.is_active and not fields.get("is_active", True):
        return "deactivate", "is_active"
    if user.is_administrator and fields.get("role", user.role) != user.role:
        return "demote", "role"
    if user.is_administrator and not user.read_only and fields.get("read_only", False):
        return "make read only", "read_only"
    return None, None


def _check_rules(actor, user, what: str | None, field: str | None, others_going=()):
    """Nobody may ``what`` (delete, deactivate, demote, make read only) themselves, nor the
    account's last active, writable Administrator."""
    if what is None:
        return
    if actor is not None and actor.pk == user.pk:
        raise UserRuleError(
            f"You cannot {what} yourself. Ask another Administrator to do it.", field
        )
    if user.is_administrator and user.is_active and not user.read_only:
        going = {u.pk for u in others_going} | {user.pk}
        # Only a writable Administrator can undo mistakes: a read-only one does not count.
        remaining = (
            User.objects.select_for_update()
            .filter(
                account_id=user.account_id,
                role=User.Role.ADMINISTRATOR,
                is_active=True,
                read_only=False,
            )
            .exclude(pk__in=going)
        )
        if not remaining.exists():
            raise UserRuleError(
                f"You cannot {what} {user.email}: the account needs at least one active "
                "Administrator. Make someone else an Administrator first.",
                field,
            )


def _set_groups(user: User, groups) -> None:
    groups = list(groups)
    if any(g.account_id != user.account_id for g in groups):
        raise PermissionDenied("A group of another account.")
    GroupMembership.objects.filter(user=user).exclude(group__in=groups).delete()
    existing = set(GroupMembership.objects.filter(user=user).values_list("group_id", flat=True))
    GroupMembership.objects.bulk_create(
        GroupMembership(account_id=user.account_id, user=user, group=g)
        for g in groups
        if g.pk not in existing
    )


def invite(user: User, *, actor=None, request=None) -> None:
    """Mail ``user`` a single-use, expiring link where they choose their password."""
    link = panel_url(reverse("users:invitation", kwargs={"token": make_token(user)}))
    inviter = (actor.name or actor.email) if actor is not None else "An Administrator"
    body = (
        f"Hello {user.name or user.email},\n\n"
        f"{inviter} invited you to the {user.account.name} account console.\n"
        f"Choose your password here (the link works once and expires in "
        f"{_max_age_text()}):\n\n{link}\n\n"
        f"You will sign in with this email address: {user.email}\n"
    )
    send_mail_later(user.account, f"You are invited to {user.account.name}", body, [user.email])
    audit.record("user.invited", account=user.account, actor=actor, request=request, target=user)


def _max_age_text() -> str:
    from django.conf import settings

    hours = settings.INVITATION_MAX_AGE // 3600
    return f"{hours // 24} days" if hours % 24 == 0 and hours >= 48 else f"{hours} hours"


@transaction.atomic
def accept_invitation(user: User, password: str, *, request=None) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        "user.invitation_accepted", account=user.account, actor=user, request=request, target=user
    )


# --- Groups ---


def _group_snapshot(group: PermissionGroup) -> dict:
    effects = {"allow": "Allow", "deny": "Deny"}
    return {
        "name": group.name,
        **{m.label: effects.get(group.permissions.get(k), "") for k, m in MODULES.items()},
    }


@transaction.atomic
def save_group(group: PermissionGroup, *, actor, request=None) -> PermissionGroup:
    """Create or update a group (``group`` carries the new name and permissions)."""
    _require_users_write(actor)
    creating = group.pk is None
    before = {} if creating else _group_snapshot(PermissionGroup.objects.get(pk=group.pk))
    group.permissions = {k: v for k, v in group.permissions.items() if v}
    group.full_clean()
    group.save()
    changes = audit.diff(before, _group_snapshot(group))
    if creating or changes:
        audit.record(
            "group.created" if creating else "group.updated",
            account=group.account,
            actor=actor,
            request=request,
            target=group,
            changes=changes,
        )
    return group


@transaction.atomic
def delete_groups(groups, *, actor, request=None) -> int:
    _require_users_write(actor)
    groups = list(groups)
    for group in groups:
        audit.record(
            "group.deleted",
            account=group.account,
            actor=actor,
            request=request,
            target=group,
            changes=audit.diff(_group_snapshot(group), {}),
            data={"members": list(group.members.values_list("email", flat=True))},
        )
        group.delete()
    return len(groups)
