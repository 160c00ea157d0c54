"""accounts/permissions.py rule by rule, with stand-in users and no database: what each role may
view and change, the words of each refusal, and what each decorator answers. Small and fast on
purpose: mutmut runs these for each mutant of the module (``make mutmut``); the real requests in
every role are tests/test_permissions.py."""

from dataclasses import dataclass, field

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.actors import PLATFORM, Actor
from accounts.permissions import (
    ALLOW,
    DENY,
    MODULES,
    Access,
    Requirement,
    admin_only,
    combine,
    explain_access,
    group_grants,
    public,
    require_admin,
    require_write,
    requires,
    signed_in,
)


@dataclass
class StandIn:
    """Only what Access reads of a staff user."""

    is_administrator: bool = False
    read_only: bool = False
    is_active: bool = True
    is_authenticated: bool = True
    account_id: int | None = 7
    groups: list = field(default_factory=list)
    email: str = "someone@example.test"

    def group_permission_sets(self):
        return self.groups


@dataclass
class Group:
    name: str
    permissions: dict


ADMIN = StandIn(is_administrator=True)
READ_ONLY_ADMIN = StandIn(is_administrator=True, read_only=True)


def member(*groups, read_only=False):
    return StandIn(groups=list(groups), read_only=read_only)


# --- combine and group_grants --------------------------------------------------------------------


@pytest.mark.parametrize(
    "sets, expected",
    [
        ([{"users": ALLOW}, {"users": DENY}], {"users": DENY}),
        ([{"users": DENY}, {"users": ALLOW}], {"users": DENY}),
        ([{"users": DENY}, {"users": DENY}], {"users": DENY}),
        ([{"users": ALLOW}, {}], {"users": ALLOW}),
        ([{"users": ALLOW}, {"users": ALLOW}], {"users": ALLOW}),
        ([{"users": ALLOW, "cdr": DENY}], {"users": ALLOW, "cdr": DENY}),
        ([{"no-such-module": ALLOW}], {}),
        ([{"users": "maybe"}, {"users": None}], {}),
        ([{"users": "maybe"}, {"users": ALLOW}], {"users": ALLOW}),
        ([], {}),
    ],
)
def test_combine_lets_deny_win_and_ignores_what_is_not_a_grant(sets, expected):
    assert combine(sets) == expected


def test_group_grants_combines_the_users_groups():
    assert group_grants(member({"users": ALLOW}, {"users": DENY, "cdr": ALLOW})) == {
        "users": DENY,
        "cdr": ALLOW,
    }


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user",
    [
        None,
        StandIn(is_administrator=True, is_authenticated=False),
        StandIn(is_administrator=True, is_active=False),
        StandIn(is_administrator=True, account_id=None),
    ],
    ids=["nobody", "anonymous", "inactive", "no-account"],
)
def test_no_staff_user_means_no_access_at_all(user):
    access = Access(user)
    assert access.is_staff_user is False
    assert access.is_admin is False
    assert access.read_only is False
    assert access.grants == {}
    assert not access.can_view("users")
    assert not access.can_write("users")
    assert not access.can_admin()
    assert not access.can_admin(write=True)


def test_an_administrator_may_view_and_change_every_module():
    access = Access(ADMIN)
    assert access.is_staff_user is True and access.is_admin is True
    assert access.read_only is False
    assert access.grants == {}  # groups are not read for Administrators
    assert all(access.can_view(m) and access.can_write(m) for m in MODULES)
    assert access.can_admin() and access.can_admin(write=True)


def test_a_read_only_administrator_views_everything_and_changes_nothing():
    access = Access(READ_ONLY_ADMIN)
    assert access.read_only is True
    assert all(access.can_view(m) and not access.can_write(m) for m in MODULES)
    assert access.can_admin() is True
    assert access.can_admin(write=True) is False


def test_a_user_sees_only_what_a_group_allows_and_nothing_a_group_denies():
    access = Access(member({"users": ALLOW, "cdr": ALLOW}, {"cdr": DENY}))
    assert access.is_staff_user is True and access.is_admin is False
    assert access.grants == {"users": ALLOW, "cdr": DENY}
    assert access.can_view("users") and access.can_write("users")
    assert not access.can_view("cdr") and not access.can_write("cdr")
    assert not access.can_view("config")
    assert not access.can_admin() and not access.can_admin(write=True)


def test_a_read_only_user_views_what_is_allowed_and_changes_nothing():
    access = Access(member({"users": ALLOW}, read_only=True))
    assert access.read_only is True
    assert access.can_view("users") and not access.can_write("users")


def test_an_unknown_module_is_a_programming_error_not_a_refusal():
    with pytest.raises(KeyError, match="unknown permission module 'nope'"):
        Access(ADMIN).can_view("nope")
    with pytest.raises(KeyError):
        Access(None).can_write("nope")


@pytest.mark.parametrize(
    "user, module, write, words",
    [
        (
            member({"users": ALLOW}, read_only=True),
            "users",
            True,
            "Your user is read only: you may view Users but not change it.",
        ),
        (member({"users": DENY}), "users", False, "One of your groups denies the Users module."),
        (member({"users": DENY}), "users", True, "One of your groups denies the Users module."),
        (
            member(),
            "users",
            False,
            "You need access to the Users module. Ask an Administrator of your account.",
        ),
        (
            member(),
            "users",
            True,
            "You need access to the Users module. Ask an Administrator of your account.",
        ),
    ],
)
def test_each_refusal_says_why(user, module, write, words):
    assert Access(user).denial(module, write) == words


# --- explain_access (the user dialog) ------------------------------------------------------------


def _explained(user, groups):
    return {a.module.key: (a.status, a.detail) for a in explain_access(user, groups)}


def test_explain_access_for_administrators():
    assert set(_explained(ADMIN, [])) == set(MODULES)
    assert set(_explained(ADMIN, []).values()) == {("Allowed", "Administrator")}
    assert set(_explained(READ_ONLY_ADMIN, []).values()) == {("Read only", "Administrator")}


def test_explain_access_names_the_groups_that_decide():
    groups = [
        Group("Billing", {"users": ALLOW, "cdr": ALLOW}),
        Group("Support", {"users": ALLOW, "cdr": DENY}),
        Group("Night", {"cdr": DENY}),
    ]
    explained = _explained(member(), groups)
    assert explained["users"] == ("Allowed", "by Billing, Support")
    assert explained["cdr"] == ("Denied", "by Support, Night")
    assert explained["config"] == ("Not granted", "")
    assert _explained(member(read_only=True), groups)["users"] == (
        "Read only",
        "by Billing, Support",
    )


# --- services re-check ---------------------------------------------------------------------------


def test_services_let_the_platform_through_and_check_everybody_else():
    require_write(PLATFORM, "users")
    require_admin(PLATFORM)
    require_write(Actor(user=member({"users": ALLOW})), "users")
    require_admin(Actor(user=ADMIN))
    for reader in (member({"users": ALLOW}, read_only=True), member()):
        with pytest.raises(PermissionDenied, match=r"^You may not change Users\.$"):
            require_write(Actor(user=reader), "users")
    for not_admin in (READ_ONLY_ADMIN, member({"users": ALLOW})):
        with pytest.raises(PermissionDenied, match=r"^Only an Administrator may do this\.$"):
            require_admin(Actor(user=not_admin))


# --- the decorators ------------------------------------------------------------------------------


class Anonymous:
    is_authenticated = False


def view(request):
    return HttpResponse("the page")


def call(decorated, user, method="get", path="/setup/page/?tab=2"):
    request = getattr(RequestFactory(), method)(path)
    request.user = user or Anonymous()
    request.access = Access(user)
    request.site = "panel"
    return decorated(request)


def refusal_words(response):
    """The reason the 403 page gives; the page is rendered for the request (its way back)."""
    assert response.status_code == 403
    page = response.content.decode()
    assert "Back to the panel" in page
    return page.split("<p>", 1)[1].split("</p>", 1)[0]


def test_requires_views_with_view_and_changes_with_write():
    decorated = requires("users")(view)
    assert decorated.requirement == Requirement("module", "users", False)
    assert decorated.__name__ == "view"
    reader = member({"users": ALLOW}, read_only=True)
    assert call(decorated, reader).content == b"the page"
    assert refusal_words(call(decorated, reader, "post")) == (
        "Your user is read only: you may view Users but not change it."
    )
    assert call(decorated, member({"users": ALLOW}), "post").content == b"the page"
    denied = call(decorated, member({"users": DENY}))
    assert refusal_words(denied) == "One of your groups denies the Users module."
    for method in ("put", "patch", "delete"):
        assert call(decorated, reader, method).status_code == 403
    for method in ("head", "options"):
        assert call(decorated, reader, method).status_code == 200


def test_requires_write_refuses_even_a_get_to_readers():
    decorated = requires("users", write=True)(view)
    assert decorated.requirement == Requirement("module", "users", True)
    reader = member({"users": ALLOW}, read_only=True)
    assert refusal_words(call(decorated, reader)).endswith("but not change it.")
    assert call(decorated, member({"users": ALLOW})).content == b"the page"


def test_requires_checks_the_module_name_when_declared():
    with pytest.raises(KeyError):
        requires("no-such-module")


# Decorated inside the tests, not at collection, so that mutmut sees the tests call them.
DECORATORS = {
    "requires": lambda: requires("users"),
    "admin_only": lambda: admin_only,
    "signed_in": lambda: signed_in,
}


@pytest.mark.parametrize("kind", DECORATORS)
def test_anonymous_visitors_go_to_sign_in_and_come_back(kind):
    response = call(DECORATORS[kind]()(view), None)
    assert response.status_code == 302
    assert response.url == "/login/?next=/setup/page/%3Ftab%3D2"


@pytest.mark.parametrize("kind", DECORATORS)
def test_a_user_of_no_account_is_refused(kind):
    response = call(DECORATORS[kind]()(view), StandIn(is_administrator=True, account_id=None))
    assert refusal_words(response) == "This panel is for staff users of an account."


def test_admin_only():
    decorated = admin_only(view)
    assert decorated.requirement == Requirement("admin")
    assert call(decorated, ADMIN, "post").content == b"the page"
    assert call(decorated, READ_ONLY_ADMIN).content == b"the page"
    assert refusal_words(call(decorated, READ_ONLY_ADMIN, "post")) == "Your user is read only."
    for method in ("get", "post"):
        words = refusal_words(call(decorated, member({"users": ALLOW}), method))
        assert words == "This page is for Administrators of the account."


def test_signed_in_and_public():
    assert signed_in(view).requirement == Requirement("signed_in")
    assert call(signed_in(view), member(), "post").content == b"the page"
    open_view = public("the sign-in page")(view)
    assert open_view.requirement == Requirement("public", reason="the sign-in page")
    assert call(open_view, None, "post").content == b"the page"
