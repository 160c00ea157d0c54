"""Who may change which staff user and which group: the rules of SPEC §4 in one place, used by
the views (``access_user``), the list and dialog (``may_change``, ``grantable_*``) and the
services (``check_*``), so the page never offers what the service would refuse.

- An Administrator may change anyone and grant anything (read only: nothing, as everywhere).
- A User with the Users module may grant (in a group) and give (by membership) only modules they
  may write themselves; may not change their own groups, role or read-only flag; may not set
  another user's password (they send an invitation instead); and may not change or delete an
  Administrator, nor a user who may use a module they may not write — taking over such a user
  (a new e-mail address, then a password reset) would be a way around the first rule.
"""

from django.core.exceptions import PermissionDenied

from accounts.actors import Actor
from accounts.errors import Refused
from accounts.permissions import ALLOW, MODULES, combine
from accounts.tenancy import get_for_account_or_404

from .models import PermissionGroup, User


def is_full_admin(actor: Actor) -> bool:
    return actor.is_platform or actor.access.is_admin


def grantable_modules(actor: Actor) -> set[str]:
    """The modules ``actor`` may grant or give: every module for an Administrator."""
    if is_full_admin(actor):
        return set(MODULES)
    return {key for key in MODULES if actor.access.can_write(key)}


def group_is_grantable(actor: Actor, group: PermissionGroup) -> bool:
    """Whether ``actor`` may add a user to ``group`` or take one out of it: every module the group
    sets (an Allow gives access; taking a user out of a Deny gives it too) is one they may grant."""
    return set(group.permissions) <= grantable_modules(actor)


def grantable_groups(actor: Actor, account):
    groups = PermissionGroup.objects.for_account(account).order_by("name")
    if is_full_admin(actor):
        return groups
    return [g for g in groups if group_is_grantable(actor, g)]


def _modules_of(user: User) -> set[str]:
    """The modules ``user`` may use (their groups are read once, or taken from a prefetch)."""
    if user.is_administrator:
        return set(MODULES)
    grants = combine(g.permissions for g in user.groups.all())
    return {key for key, effect in grants.items() if effect == ALLOW}


def change_refusal(actor: Actor, target: User) -> str | None:
    """Why ``actor`` may not change or delete ``target``; None when they may."""
    if is_full_admin(actor):
        return None
    if target.is_administrator:
        return "Only an Administrator may change or delete an Administrator."
    beyond = _modules_of(target) - grantable_modules(actor)
    if beyond:
        labels = ", ".join(MODULES[key].label for key in MODULES if key in beyond)
        return (
            f"{target.email} may use {labels}, which you may not change yourself; only an "
            "Administrator may change or delete this user."
        )
    return None


def may_change(actor: Actor, target: User) -> bool:
    return change_refusal(actor, target) is None


def access_user(actor: Actor, pk, *, for_write: bool) -> User:
    """The staff user ``pk`` of the actor's account: a 404 when there is none (another account's
    user included); for a write, PermissionDenied (a 403) when the actor may not change them."""
    users = User.objects.for_account(actor.account)
    user = get_for_account_or_404(
        users.select_related("account").prefetch_related("groups"), actor.account, pk=pk
    )
    if for_write:
        refusal = change_refusal(actor, user)
        if refusal:
            raise PermissionDenied(refusal)
    return user


def check_user_write(
    actor: Actor,
    target: User | None,
    *,
    role: str | None,
    read_only: bool | None,
    groups_before,
    groups_after,
    password: bool,
) -> None:
    """Refuse (``Refused`` naming the field) a create (``target`` None) or change of a user that
    the rules above do not allow."""
    if is_full_admin(actor):
        return
    if target is not None:
        refusal = change_refusal(actor, target)
        if refusal:
            raise Refused(refusal)
    if role == User.Role.ADMINISTRATOR:
        raise Refused("Only an Administrator may make an Administrator.", "role")
    own = target is not None and target.pk == actor.pk
    if own and (
        (role is not None and role != target.role)
        or (read_only is not None and read_only != target.read_only)
    ):
        field = "role" if role is not None and role != target.role else "read_only"
        raise Refused("You cannot change your own role or read-only flag.", field)
    if password and not own:
        raise Refused(
            "Only an Administrator may set another user's password; send them an invitation "
            "instead.",
            "password",
        )
    changed = {g.pk: g for g in groups_before} | {g.pk: g for g in groups_after}
    moved = {g.pk for g in groups_before} ^ {g.pk for g in groups_after}
    if own and moved:
        raise Refused("You cannot change your own groups.", "groups")
    refused = [
        changed[pk].name for pk in sorted(moved) if not group_is_grantable(actor, changed[pk])
    ]
    if refused:
        raise Refused(
            f"You may not give or take away {', '.join(refused)}: it sets modules you may not "
            "change yourself.",
            "groups",
        )


def check_group_write(actor: Actor, before: dict, after: dict) -> None:
    """Refuse a group change that sets a module the actor may not grant (field ``perm_<key>``)."""
    if is_full_admin(actor):
        return
    allowed = grantable_modules(actor)
    for key in MODULES:
        if before.get(key) != after.get(key) and key not in allowed:
            raise Refused(
                f"You may not grant or deny {MODULES[key].label}: you may not change it yourself.",
                f"perm_{key}",
            )


def check_group_delete(actor: Actor, group: PermissionGroup) -> None:
    if not is_full_admin(actor) and not group_is_grantable(actor, group):
        raise Refused(f"You may not delete {group.name}: it sets modules you may not change.")
