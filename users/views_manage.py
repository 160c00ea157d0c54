"""The Users tab: users and permission groups of the signed-in user's account."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.errors import Refused, show_refusal
from accounts.lists import Column, Listing, bulk_delete
from accounts.permissions import explain_access, requires
from accounts.tenancy import get_for_account_or_404
from accounts.urlcache import cached_reverse

from . import access, services
from .forms import GroupForm, UserForm
from .models import PermissionGroup, User

USERS = Listing(
    id="users",
    title="Users",
    columns=(
        Column("Name", "name"),
        Column("Email", "email"),
        Column("Role"),
        Column("Groups"),
        Column("2FA"),
        Column("Last login", "last_login"),
        Column("Active"),
    ),
    default_sort="name",
    search=lambda users, q: users.filter(Q(name__icontains=q) | Q(email__icontains=q)),
    item_name="user",
    help="users",
)
GROUPS = Listing(
    id="groups",
    title="Groups",
    columns=(Column("Name", "name"), Column("Explicit Allow"), Column("Explicit Deny")),
    default_sort="name",
    prefix="g",
    item_name="group",
)
USER_FIELDS = ("name", "email", "role", "time_zone", "read_only", "ip_whitelist", "is_active")


@requires("users")
def users_page(request):
    account, actor = request.account, request.actor
    can_write = request.access.can_write("users")
    groups = PermissionGroup.objects.for_account(account)
    users = USERS.bind(
        request,
        User.objects.for_account(account).prefetch_related(
            Prefetch("groups", queryset=groups.order_by("name"))
        ),
        can_write=can_write,
        add_url=reverse("users:add"),
        refresh_url=request.path,
        delete_url=reverse("users:delete"),
    )
    for user in users:  # display values computed once here, not cell by cell in the template
        user.changeable = can_write and access.may_change(actor, user)  # the prefetched groups
        user.edit_url = cached_reverse("users:edit", args=[user.pk]) if user.changeable else ""
        user.group_names = ", ".join(group.name for group in user.groups.all())
        user.state = (
            "Inactive"
            if not user.is_active
            else "Invited"
            if not user.has_usable_password()
            else "Active"
        )
    return render(
        request,
        "users/users_page.html",
        {
            "users": users,
            "groups": GROUPS.bind(
                request,
                groups,
                can_write=can_write,
                add_url=reverse("users:group_add"),
                refresh_url=request.path,
                delete_url=reverse("users:group_delete"),
            ),
        },
    )


def _user_form_page(request, form, user=None):
    context = {"form": form, "user_obj": user}
    if user is not None:
        context["access_rows"] = explain_access(user, list(user.groups.all()))
        # An Administrator resets another user's two-factor login (a lost phone).
        context["can_reset_two_factor"] = (
            user.two_factor_enabled
            and request.access.can_admin(write=True)
            and user != request.user
        )
    return render(request, "users/user_form.html", context, status=400 if form.errors else 200)


@requires("users", write=True)
def user_add(request):
    form = UserForm(request.POST or None, account=request.account, actor=request.actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                actor=request.actor,
                account=request.account,
                email=data["email"],
                password=data.get("password") or None,
                send_invitation=data["send_invitation"],
                groups=data["groups"],
                **{k: data[k] for k in USER_FIELDS if k in data and k != "email"},
            )
        except (Refused, ValidationError) as refused:
            show_refusal(form, refused)
            return _user_form_page(request, form)
        note = " An invitation is on its way." if data["send_invitation"] else ""
        messages.success(request, f"User {user.email} added.{note}")
        return redirect("users:list")
    return _user_form_page(request, form)


@requires("users", write=True)
def user_edit(request, pk):
    user = access.access_user(request.actor, pk, for_write=True)
    form = UserForm(
        request.POST or None, instance=user, account=request.account, actor=request.actor
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                user,
                actor=request.actor,
                password=data.get("password") or None,
                groups=data["groups"],
                **{k: data[k] for k in USER_FIELDS},
            )
        except (Refused, ValidationError) as refused:
            show_refusal(form, refused)
        else:
            note = ""
            if data.get("send_invitation"):
                services.invite(user, actor=request.actor)
                note = " An invitation is on its way."
            if data.get("send_password_reset"):
                services.send_password_reset(user, actor=request.actor)
                note = " A password-reset mail is on its way."
            messages.success(request, f"User {user.email} saved.{note}")
            return redirect("users:list")
    return _user_form_page(request, form, user)


@requires("users", write=True)
def users_delete(request):
    return bulk_delete(request, services.delete_users, noun="user", back=reverse("users:list"))


def _group_form_page(request, form):
    return render(
        request, "users/group_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _save_group(request, form, group):
    group.name = form.cleaned_data["name"]
    group.permissions = form.permissions()
    try:
        services.save_group(group, actor=request.actor)
    except (Refused, ValidationError) as refused:
        show_refusal(form, refused)
        return _group_form_page(request, form)
    messages.success(request, f"Group {group.name} saved.")
    return redirect("users:list")


@requires("users", write=True)
def group_add(request):
    form = GroupForm(request.POST or None, account=request.account, actor=request.actor)
    if request.method == "POST" and form.is_valid():
        return _save_group(request, form, PermissionGroup(account=request.account))
    return _group_form_page(request, form)


@requires("users", write=True)
def group_edit(request, pk):
    group = get_for_account_or_404(PermissionGroup, request.account, pk=pk)
    form = GroupForm(
        request.POST or None, account=request.account, actor=request.actor, instance=group
    )
    if request.method == "POST" and form.is_valid():
        return _save_group(request, form, group)
    return _group_form_page(request, form)


@requires("users", write=True)
def groups_delete(request):
    return bulk_delete(request, services.delete_groups, noun="group", back=reverse("users:list"))
