"""The Users tab's REST API (declared in users/panel.py, mounted by the api app): staff users and
permission groups, through the panel's own forms, users/access.py and users/services.py.

A token never acts as an Administrator (accounts.permissions.ScopedAccess): it may change the
users and groups a User manager with the token's write scopes could, and it sets no password —
a user created through the API gets an invitation to choose theirs.
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from ninja import Query, Router, Schema, Status

from accounts.apikit import (
    DEFAULT_PAGE_SIZE,
    ApiError,
    Id,
    Input,
    Page,
    PageNumber,
    PageSize,
    SearchText,
    form_errors,
    get_or_404,
    need,
    not_found,
    paginate,
    refused,
)
from accounts.errors import Refused
from accounts.permissions import MODULES

from . import access, services
from .forms import GroupForm, UserForm
from .models import PermissionGroup, User

users_router = Router(tags=["Users"])
groups_router = Router(tags=["Groups"])

Role = Literal["admin", "user"]


class GroupRef(Schema):
    id: int
    name: str


class UserOut(Schema):
    id: int
    email: str
    name: str
    role: str
    time_zone: str
    read_only: bool
    ip_whitelist: str
    is_active: bool
    two_factor_enabled: bool
    last_login: datetime | None
    state: str
    groups: list[GroupRef]


class UserPage(Page):
    items: list[UserOut]


class UserCreate(Input):
    email: str
    name: str
    role: Role = "user"
    time_zone: str = ""
    read_only: bool = False
    ip_whitelist: str = ""
    groups: list[Id] = []


class UserPatch(Input):
    email: str | None = None
    name: str | None = None
    role: Role | None = None
    time_zone: str | None = None
    read_only: bool | None = None
    ip_whitelist: str | None = None
    is_active: bool | None = None
    groups: list[Id] | None = None


class UserFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    q: SearchText = ""  # the panel's search: name or email contains


FORM_FIELDS = ("name", "email", "role", "time_zone", "read_only", "ip_whitelist", "is_active")


def _users(account):
    groups = PermissionGroup.objects.for_account(account).order_by("name")
    return User.objects.for_account(account).prefetch_related(Prefetch("groups", queryset=groups))


def _user_out(user: User) -> dict:
    state = (
        "inactive"
        if not user.is_active
        else "invited"
        if not user.has_usable_password()
        else "active"
    )
    return {
        **{
            name: getattr(user, name)
            for name in UserOut.model_fields
            if name not in ("groups", "state")
        },
        "state": state,
        "groups": [{"id": g.pk, "name": g.name} for g in user.groups.all()],
    }


def _user(request, pk: int, *, for_write: bool) -> User:
    try:
        return access.access_user(request.actor, pk, for_write=for_write)
    except Http404:
        raise not_found("user") from None
    except PermissionDenied as denied:
        raise ApiError(403, "forbidden", str(denied)) from None


@users_router.get("", response=UserPage, summary="Staff users, by name")
def list_users(request, filters: Query[UserFilters]):
    need(request, "users")
    users = _users(request.account).order_by("name", "id")
    if filters.q:
        users = users.filter(Q(name__icontains=filters.q) | Q(email__icontains=filters.q))
    rows, meta = paginate(users, filters.page, filters.page_size)
    return {**meta, "items": [_user_out(u) for u in rows]}


@users_router.get("/{int:user_id}", response=UserOut, summary="One staff user")
def get_user(request, user_id: Id):
    need(request, "users")
    return _user_out(_user(request, user_id, for_write=False))


def _bound_user_form(request, data: dict, instance=None) -> UserForm:
    form = UserForm(data, instance=instance, account=request.account, actor=request.actor)
    if not form.is_valid():
        raise form_errors(form)
    return form


def _fresh(request, user: User) -> dict:
    return _user_out(_users(request.account).get(pk=user.pk))


@users_router.post("", response={201: UserOut}, summary="Add a staff user (invited by mail)")
def create_user(request, payload: UserCreate):
    need(request, "users", write=True)
    form = _bound_user_form(request, {**payload.model_dump(), "send_invitation": True})
    data = form.cleaned_data
    try:
        user = services.create_user(
            actor=request.actor,
            account=request.account,
            email=data["email"],
            password=None,
            send_invitation=True,
            groups=data["groups"],
            **{k: data[k] for k in FORM_FIELDS if k in data and k != "email"},
        )
    except (Refused, ValidationError) as error:
        raise refused(error) from None
    return Status(201, _fresh(request, user))


@users_router.patch("/{int:user_id}", response=UserOut, summary="Change a staff user")
def update_user(request, user_id: Id, payload: UserPatch):
    need(request, "users", write=True)
    user = _user(request, user_id, for_write=True)
    given = payload.model_dump(exclude_unset=True)
    current = {name: getattr(user, name) for name in FORM_FIELDS}
    current["groups"] = [g.pk for g in user.groups.all()]
    data = {**current, **{k: v for k, v in given.items() if v is not None}}
    form = _bound_user_form(request, data, instance=user)
    cleaned = form.cleaned_data
    try:
        services.update_user(
            user,
            actor=request.actor,
            groups=cleaned["groups"] if given.get("groups") is not None else None,
            **{k: cleaned[k] for k in FORM_FIELDS if k in cleaned},
        )
    except (Refused, ValidationError) as error:
        raise refused(error) from None
    return _fresh(request, user)


@users_router.delete("/{int:user_id}", response={204: None}, summary="Delete a staff user")
def delete_user(request, user_id: Id):
    need(request, "users", write=True)
    user = _user(request, user_id, for_write=True)
    try:
        services.delete_users(request.actor, [user.pk])
    except Refused as error:
        raise refused(error) from None
    return Status(204, None)


# --- Groups ---------------------------------------------------------------------------------

Effect = Literal["allow", "deny"]


class GroupOut(Schema):
    id: int
    name: str
    permissions: dict[str, str]


class GroupPage(Page):
    items: list[GroupOut]


class GroupCreate(Input):
    name: str
    permissions: dict[str, Effect] = {}


class GroupPatch(Input):
    name: str | None = None
    permissions: dict[str, Effect] | None = None  # replaces the group's whole set


class GroupFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    q: SearchText = ""  # name contains


def _group_out(group: PermissionGroup) -> dict:
    return {"id": group.pk, "name": group.name, "permissions": dict(group.permissions)}


def _check_modules(permissions: dict) -> None:
    unknown = sorted(set(permissions) - set(MODULES))
    if unknown:
        message = f"Unknown module: {', '.join(unknown)}. Nothing was saved."
        raise ApiError(400, "invalid", message, {"permissions": [message]})


def _save_group(request, group: PermissionGroup, name: str, permissions: dict) -> dict:
    form = GroupForm(
        {"name": name},
        account=request.account,
        actor=request.actor,
        instance=group if group.pk else None,
    )
    if not form.is_valid():
        errors = {k: v for k, v in form.errors.items() if not k.startswith(GroupForm.PREFIX)}
        if errors:
            raise form_errors(form)
    group.name = form.cleaned_data.get("name", name)
    group.permissions = permissions
    try:
        services.save_group(group, actor=request.actor)
    except (Refused, ValidationError) as error:
        raise refused(error) from None
    return _group_out(group)


@groups_router.get("", response=GroupPage, summary="Permission groups, by name")
def list_groups(request, filters: Query[GroupFilters]):
    need(request, "users")
    groups = PermissionGroup.objects.for_account(request.account).order_by("name", "id")
    if filters.q:
        groups = groups.filter(name__icontains=filters.q)
    rows, meta = paginate(groups, filters.page, filters.page_size)
    return {**meta, "items": [_group_out(g) for g in rows]}


def _group(request, group_id: Id) -> PermissionGroup:
    return get_or_404(PermissionGroup.objects.for_account(request.account), "group", pk=group_id)


@groups_router.get("/{int:group_id}", response=GroupOut, summary="One permission group")
def get_group(request, group_id: Id):
    need(request, "users")
    return _group_out(_group(request, group_id))


@groups_router.post("", response={201: GroupOut}, summary="Add a permission group")
def create_group(request, payload: GroupCreate):
    need(request, "users", write=True)
    _check_modules(payload.permissions)
    group = PermissionGroup(account=request.account)
    return Status(201, _save_group(request, group, payload.name, dict(payload.permissions)))


@groups_router.patch("/{int:group_id}", response=GroupOut, summary="Change a permission group")
def update_group(request, group_id: Id, payload: GroupPatch):
    need(request, "users", write=True)
    group = _group(request, group_id)
    permissions = group.permissions if payload.permissions is None else payload.permissions
    _check_modules(permissions)
    name = group.name if payload.name is None else payload.name
    return _save_group(request, group, name, dict(permissions))


@groups_router.delete("/{int:group_id}", response={204: None}, summary="Delete a group")
def delete_group(request, group_id: Id):
    need(request, "users", write=True)
    group = _group(request, group_id)
    try:
        services.delete_groups(request.actor, [group.pk])
    except Refused as error:
        raise refused(error) from None
    return Status(204, None)
