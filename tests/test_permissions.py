"""The permission mechanism: declarations on every view, and the rules applied to every URL."""

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.actors import PLATFORM
from accounts.navigation import SECTIONS
from accounts.permissions import ALLOW, DENY, MODULES, Access, requires
from users.models import User
from users.services import save_group, update_user

from .conftest import signed_in_client
from .isolation import all_routes, panel_routes, url_for


def test_every_panel_view_declares_its_permission():
    undeclared = [r.name for r in all_routes() if not hasattr(r.callback, "requirement")]
    assert not undeclared, (
        f"views that declare no permission (use accounts.permissions): {undeclared}"
    )


def test_the_declaration_test_catches_an_undeclared_view():
    undeclared = [
        r.name for r in panel_routes("tests.support.urls") if not hasattr(r.callback, "requirement")
    ]
    assert undeclared == ["undeclared"]


def test_unknown_module_is_refused_at_declaration():
    with pytest.raises(KeyError):
        requires("no-such-module")


def _user(role=User.Role.USER, read_only=False, account_id=1):
    return User(email="x@example.test", role=role, read_only=read_only, account_id=account_id)


@pytest.mark.parametrize(
    ("role", "read_only", "grants", "module", "view", "write"),
    [
        (User.Role.ADMINISTRATOR, False, {}, "users", True, True),
        (User.Role.ADMINISTRATOR, False, {"users": DENY}, "users", True, True),  # admins: no groups
        (User.Role.ADMINISTRATOR, True, {}, "users", True, False),
        (User.Role.USER, False, {}, "users", False, False),  # nothing set = no access
        (User.Role.USER, False, {"users": ALLOW}, "users", True, True),
        (User.Role.USER, False, {"users": DENY}, "users", False, False),
        (User.Role.USER, True, {"users": ALLOW}, "users", True, False),
        (User.Role.USER, False, {"config": ALLOW}, "users", False, False),
    ],
)
def test_access_rules(monkeypatch, role, read_only, grants, module, view, write):
    monkeypatch.setattr("accounts.permissions.group_grants", lambda user: grants)
    access = Access(_user(role, read_only))
    assert access.can_view(module) is view
    assert access.can_write(module) is write


def test_no_account_means_no_access():
    superuser = User(email="root@example.test", is_superuser=True)
    assert not Access(superuser).can_view("config")


def _routes():
    """Every panel route with its declared requirement (logout excluded: it ends the session)."""
    return [(r.name, r.callback.requirement) for r in panel_routes() if r.name != "users:logout"]


def _passed(response) -> bool:
    """The permission check let the request through (what the view did next is its business):
    neither a 403 nor the sign-in redirect that brings the user back to this very URL."""
    if response.status_code == 403:
        return False
    if response.status_code != 302:
        return True
    location = urlsplit(response["Location"])
    back_here = parse_qs(location.query).get("next") == [response.wsgi_request.get_full_path()]
    return not (location.path == "/login/" and back_here)


def test_anonymous_is_sent_to_sign_in_everywhere_but_public_pages(world, anonymous_client):
    for name, requirement in _routes():
        response = anonymous_client.get(url_for(name, world, "a"))
        if requirement.kind == "public":
            assert _passed(response), name
        else:
            assert response.status_code == 302, name
            assert response["Location"].startswith("/login/?next="), name


def _grant_only(world, module, read_only=False):
    group, user = world["group_a"], world["user_a"]
    group.permissions = {module: ALLOW} if module else {}
    save_group(group, actor=PLATFORM)
    update_user(user, actor=PLATFORM, read_only=read_only)


@pytest.mark.parametrize("module", [None, *MODULES])
def test_a_user_allowed_one_module_reaches_only_its_urls(world, client_user_a, module):
    """The same signed-in session throughout: a group change applies on the next request."""
    _grant_only(world, module)
    for name, requirement in _routes():
        response = client_user_a.get(url_for(name, world, "a"))
        expected = requirement.kind in ("public", "signed_in") or (
            requirement.kind == "module" and requirement.module == module
        )
        assert _passed(response) is expected, f"{name} with only {module} allowed"


@pytest.mark.parametrize("module", list(MODULES))
def test_read_only_user_may_view_their_module_but_never_post(world, client_user_a, module):
    _grant_only(world, module, read_only=True)
    for name, requirement in _routes():
        if requirement.kind != "module" or requirement.module != module:
            continue
        url = url_for(name, world, "a")
        assert _passed(client_user_a.get(url)) is not requirement.write, name
        assert client_user_a.post(url).status_code == 403, name


def test_administrator_passes_every_check(world, client_admin_a):
    for name, _ in _routes():
        assert _passed(client_admin_a.get(url_for(name, world, "a"))), name


def test_read_only_administrator_may_view_but_not_post(world, admin_a):
    admin_a.read_only = True
    admin_a.save()
    client = signed_in_client(admin_a)
    url = SECTIONS["config"].url
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 403
    assert "read only" in response.content.decode()


def test_forbidden_page_names_the_missing_module(client_user_a):
    response = client_user_a.get(SECTIONS["audit_log"].url)
    assert response.status_code == 403
    assert "You need access to the Audit Log module" in response.content.decode()


def test_menu_shows_only_what_the_user_may_open(monkeypatch, client_user_a, client_admin_a):
    body = client_admin_a.get(SECTIONS["config"].url).content.decode()
    for key in ("config", "users", "api", "settings", "audit_log", "servers", "customers"):
        assert f'href="{SECTIONS[key].url}"' in body
    monkeypatch.setattr("accounts.permissions.group_grants", lambda user: {"audit_log": ALLOW})
    body = client_user_a.get(SECTIONS["audit_log"].url).content.decode()
    assert f'href="{SECTIONS["audit_log"].url}"' in body
    for key in ("config", "users", "settings", "servers"):
        assert f'href="{SECTIONS[key].url}"' not in body


def test_user_with_no_modules_gets_a_welcome_not_an_error(client_user_a):
    response = client_user_a.get("/")
    assert response.status_code == 200
    assert "Your user has no sections yet" in response.content.decode()


def test_every_module_of_the_spec_is_registered():
    labels = {m.label for m in MODULES.values()}
    assert labels == {
        "Customer",
        "Carrier",
        "Card",
        "Cdr",
        "Log",
        "Report",
        "Data",
        "Pcap",
        "Config",
        "Users",
        "API",
        "Domains",
        "Payments",
        "Usage",
        "Packages",
        "Servers",
        "Audit Log",
    }
