"""The permission registry and the declaration every panel view makes.

Modules are declared by the apps (``<app>/panel.py``, collected by accounts.registry). A view
declares what it needs with one decorator:

    @requires("users")            # view the module; POST/PUT/PATCH/DELETE also need write
    @requires("users", write=True)  # write even for GET (a page that exists only to change things)
    @admin_only                   # Administrators of the account (Settings, SMTP)
    @signed_in                    # any signed-in staff user of an account (their own profile)
    @public("why")                # no sign-in (login, password reset)

A test walks every panel URL and fails for a view that declares nothing.
Effective access is an :class:`Access`, computed once per request (``request.access``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .registry import LazyRegistry, Module, modules

# Every module any app declares (``<app>/panel.py``), in their declared order.
MODULES: Mapping[str, Module] = LazyRegistry(modules)

ALLOW = "allow"
DENY = "deny"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ADMINS_ONLY = "This page is for Administrators of the account."


def combine(group_permissions) -> dict[str, str]:
    """``{module: ALLOW | DENY}`` over several groups' settings: Deny wins, unset stays unset."""
    grants: dict[str, str] = {}
    for permissions in group_permissions:
        for module, effect in permissions.items():
            if module in MODULES and effect in (ALLOW, DENY) and grants.get(module) != DENY:
                grants[module] = effect
    return grants


def group_grants(user) -> dict[str, str]:
    """The user's grants from all their groups (the user model reads them in one query)."""
    return combine(user.group_permission_sets())


@dataclass(frozen=True)
class ModuleAccess:
    module: Module
    status: str  # "Allowed", "Denied", "Not granted", "Read only"
    detail: str = ""


def explain_access(user, groups) -> list[ModuleAccess]:
    """Per module, what ``user`` may do and why, for the user dialog. ``groups``: their groups."""
    if user.is_administrator:
        status = "Read only" if user.read_only else "Allowed"
        return [ModuleAccess(m, status, "Administrator") for m in MODULES.values()]
    result = []
    for key, module in MODULES.items():
        deniers = [g.name for g in groups if g.permissions.get(key) == DENY]
        allowers = [g.name for g in groups if g.permissions.get(key) == ALLOW]
        if deniers:
            result.append(ModuleAccess(module, "Denied", "by " + ", ".join(deniers)))
        elif allowers:
            status = "Read only" if user.read_only else "Allowed"
            result.append(ModuleAccess(module, status, "by " + ", ".join(allowers)))
        else:
            result.append(ModuleAccess(module, "Not granted"))
    return result


class Access:
    """What one staff user may do. Built once per request; services ask it again before writing."""

    def __init__(self, user):
        self.is_staff_user = bool(
            user is not None and user.is_authenticated and user.is_active and user.account_id
        )
        self.is_admin = self.is_staff_user and user.is_administrator
        self.read_only = self.is_staff_user and user.read_only
        self.grants = group_grants(user) if self.is_staff_user and not self.is_admin else {}

    def can_view(self, module: str) -> bool:
        _check_module(module)
        if not self.is_staff_user:
            return False
        return self.is_admin or self.grants.get(module) == ALLOW

    def can_write(self, module: str) -> bool:
        return self.can_view(module) and not self.read_only

    def can_admin(self, write: bool = False) -> bool:
        return self.is_admin and not (write and self.read_only)

    def denial(self, module: str, write: bool) -> str:
        """Why access to ``module`` is refused, in words for the 403 page."""
        label = MODULES[module].label
        if write and self.can_view(module):
            return f"Your user is read only: you may view {label} but not change it."
        if self.grants.get(module) == DENY:
            return f"One of your groups denies the {label} module."
        return f"You need access to the {label} module. Ask an Administrator of your account."


def require_write(actor, module: str) -> None:
    """Services ask again before writing (DESIGN: Permissions): ``actor`` (an Actor; PLATFORM for
    demo data and management commands) may write ``module``. Raises PermissionDenied (a 403 in a
    view)."""
    if not actor.is_platform and not actor.access.can_write(module):
        raise PermissionDenied(f"You may not change {MODULES[module].label}.")


def require_admin(actor) -> None:
    """The actor is a writable Administrator of their account (or the platform)."""
    if not actor.is_platform and not actor.access.can_admin(write=True):
        raise PermissionDenied("Only an Administrator may do this.")


def _check_module(module: str) -> None:
    if module not in MODULES:
        raise KeyError(f"unknown permission module {module!r}")


@dataclass(frozen=True)
class Requirement:
    """What a view declared. ``kind`` is module, admin, signed_in or public."""

    kind: str
    module: str | None = None
    write: bool = False
    reason: str = ""


def _declare(view, requirement: Requirement, check):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        refusal = check(request)
        if refusal is not None:
            return refusal
        return view(request, *args, **kwargs)

    wrapped.requirement = requirement
    return wrapped


def _staff_refusal(request):
    from django.contrib.auth.views import redirect_to_login  # needs the user model loaded

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())  # to settings.LOGIN_URL
    if not request.access.is_staff_user:
        return forbidden(request, "This panel is for staff users of an account.")
    return None


def requires(module: str, *, write: bool = False):
    _check_module(module)

    def decorator(view):
        def check(request):
            refusal = _staff_refusal(request)
            if refusal is not None:
                return refusal
            needs_write = write or request.method not in SAFE_METHODS
            allowed = (
                request.access.can_write(module) if needs_write else request.access.can_view(module)
            )
            if not allowed:
                return forbidden(request, request.access.denial(module, needs_write))
            return None

        return _declare(view, Requirement("module", module, write), check)

    return decorator


def admin_only(view):
    def check(request):
        refusal = _staff_refusal(request)
        if refusal is not None:
            return refusal
        needs_write = request.method not in SAFE_METHODS
        if not request.access.can_admin(write=needs_write):
            message = "Your user is read only." if request.access.is_admin else ADMINS_ONLY
            return forbidden(request, message)
        return None

    return _declare(view, Requirement("admin"), check)


def signed_in(view):
    return _declare(view, Requirement("signed_in"), _staff_refusal)


def public(reason: str):
    def decorator(view):
        return _declare(view, Requirement("public", reason=reason), lambda request: None)

    return decorator


def forbidden(request, message: str):
    return render(request, "errors/403.html", {"message": message}, status=403)
