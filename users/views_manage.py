"""The Users tab: users and permission groups of the signed-in user's account."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.audit import client_ip
from accounts.lists import list_state, selected_ids
from accounts.permissions import explain_access, forbidden, requires
from accounts.tenancy import get_for_account_or_404

from . import services
from .forms import GroupForm, UserForm
from .models import PermissionGroup, User

USER_SORTS = {"name": "name", "email": "email", "last_login": "last_login"}
GROUP_SORTS = {"name": "name"}


def _search_users(queryset, query):
    return queryset.filter(Q(name__icontains=query) | Q(email__icontains=query))


@requires("users")
def users_page(request):
    account = request.account
    users = User.objects.for_account(account).prefetch_related(
        Prefetch("groups", queryset=PermissionGroup.objects.for_account(account).order_by("name"))
    )
    groups = PermissionGroup.objects.for_account(account)
    return render(
        request,
        "users/users_page.html",
        {
            "users": list_state(
                request, users, sorts=USER_SORTS, default="name", search=_search_users
            ),
            "groups": list_state(request, groups, sorts=GROUP_SORTS, default="name", prefix="g"),
            "can_write": request.access.can_write("users"),
            "user_columns": [
                ("Name", "name"),
                ("Email", "email"),
                ("Role", ""),
                ("Groups", ""),
                ("2FA", ""),
                ("Last login", "last_login"),
                ("Active", ""),
            ],
            "group_columns": [("Name", "name"), ("Explicit Allow", ""), ("Explicit Deny", "")],
            "add_user_url": reverse("users:add"),
            "delete_users_url": reverse("users:delete"),
            "add_group_url": reverse("users:group_add"),
            "delete_groups_url": reverse("users:group_delete"),
        },
    )


def _user_form_page(request, form, user=None):
    context = {"form": form, "user_obj": user}
    if user is not None:
        context["access_rows"] = explain_access(user, list(user.groups.all()))
    return render(request, "users/user_form.html", context, status=400 if form.errors else 200)


@requires("users", write=True)
def user_add(request):
    form = UserForm(request.POST or None, account=request.account, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = _create_user(request, data)
        except services.UserRuleError as refused:
            form.add_error(refused.field, refused.message)
            return _user_form_page(request, form)
        except ValidationError as invalid:
            form.add_error(None, invalid)
            return _user_form_page(request, form)
        note = " An invitation is on its way." if data["send_invitation"] else ""
        messages.success(request, f"User {user.email} added.{note}")
        return redirect("users:list")
    return _user_form_page(request, form)


def _create_user(request, data):
    return services.create_user(
        account=request.account,
        actor=request.user,
        request=request,
        email=data["email"],
        password=data["password"] or None,
        send_invitation=data["send_invitation"],
        groups=data["groups"],
        name=data["name"],
        role=data["role"],
        time_zone=data["time_zone"],
        read_only=data["read_only"],
        ip_whitelist=data["ip_whitelist"],
    )


@requires("users", write=True)
def user_edit(request, pk):
    user = get_for_account_or_404(User, request.account, pk=pk)
    if user.is_administrator and not request.user.is_administrator:
        return forbidden(request, "Only an Administrator may change an Administrator.")
    form = UserForm(
        request.POST or None,
        instance=user,
        account=request.account,
        actor=request.user,
        actor_ip=client_ip(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                user,
                actor=request.user,
                request=request,
                password=data["password"] or None,
                groups=data["groups"],
                **{
                    k: data[k]
                    for k in (
                        "name",
                        "email",
                        "role",
                        "time_zone",
                        "read_only",
                        "ip_whitelist",
                        "is_active",
                    )
                },
            )
        except services.UserRuleError as refused:
            form.add_error(refused.field, refused.message)
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            if data.get("send_invitation"):
                services.invite(user, actor=request.user, request=request)
            messages.success(request, f"User {user.email} saved.")
            return redirect("users:list")
    return _user_form_page(request, form, user)


@requires("users", write=True)
@require_POST
def users_delete(request):
    return _delete_selected(request, User, services.delete_users, "user")


def _group_form_page(request, form):
    return render(
        request, "users/group_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _save_group(request, form, group):
    group.name = form.cleaned_data["name"]
    group.permissions = form.permissions()
    services.save_group(group, actor=request.user, request=request)
    messages.success(request, f"Group {group.name} saved.")
    return redirect("users:list")


@requires("users", write=True)
def group_add(request):
    form = GroupForm(request.POST or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        return _save_group(request, form, PermissionGroup(account=request.account))
    return _group_form_page(request, form)


@requires("users", write=True)
def group_edit(request, pk):
    group = get_for_account_or_404(PermissionGroup, request.account, pk=pk)
    form = GroupForm(request.POST or None, account=request.account, instance=group)
    if request.method == "POST" and form.is_valid():
        return _save_group(request, form, group)
    return _group_form_page(request, form)


@requires("users", write=True)
@require_POST
def groups_delete(request):
    return _delete_selected(request, PermissionGroup, services.delete_groups, "group")


def _delete_selected(request, model, delete, noun):
    """The toolbar's delete: all the ticked rows of this account, or none (with the reason)."""
    rows = _selected(request, model)
    if rows is None:
        messages.error(request, f"Some of the selected {noun}s do not exist. Nothing was deleted.")
    elif rows:
        try:
            count = delete(rows, actor=request.user, request=request)
        except services.UserRuleError as refused:
            messages.error(request, f"Nothing was deleted. {refused.message}")
        else:
            messages.success(request, f"{count} {noun}(s) deleted.")
    return redirect("users:list")


def _selected(request, model):
    """This account's rows named by the ``selected`` checkboxes; None when any id is not one
    (users are deleted all or none, so a forged id stops the whole action)."""
    ids = selected_ids(request)
    if len(ids) != len(request.POST.getlist("selected")):
        return None
    rows = list(model.objects.for_account(request.account).filter(pk__in=ids))
    return rows if len(rows) == len(ids) else None
