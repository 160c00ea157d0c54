"""Permissions, checked against a table the apps declare independently of their decorators
(``AppPanel.permissions`` in each ``<app>/panel.py``), with real requests in every role and real
groups (never a stubbed ``group_grants``)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from accounts.actors import PLATFORM
from accounts.navigation import SECTIONS
from accounts.permissions import ALLOW, DENY, MODULES, Access, combine, requires
from accounts.registry import ADMIN, PUBLIC, SIGNED_IN, Rule, permission_table, view, write
from users.models import PermissionGroup, User
from users.services import create_user, save_group, update_user

from .conftest import PASSWORD, signed_in_client
from .isolation import PORTAL_URLCONF, all_routes, panel_routes, portal_host, url_for

TABLE = permission_table()


def _declared(requirement) -> Rule:
    return Rule(requirement.kind, requirement.module, requirement.write)


def test_every_url_is_in_the_permission_table_and_its_view_agrees():
    problems = []
    for route in all_routes():
        requirement = getattr(route.callback, "requirement", None)
        if requirement is None:
            problems.append(f"{route.name}: the view declares no permission")
        elif route.name not in TABLE:
            problems.append(f"{route.name}: no entry in its app's panel.py permissions")
        elif _declared(requirement) != TABLE[route.name]:
            problems.append(
                f"{route.name}: the view declares {_declared(requirement)}, "
                f"the table says {TABLE[route.name]}"
            )
    stale = set(TABLE) - {route.name for route in all_routes()}
    problems += [f"{name}: in the table, but no such URL" for name in sorted(stale)]
    assert not problems, "\n".join(problems)


def test_the_table_check_catches_a_weakened_decorator():
    """A gateway list declared @signed_in instead of @requires("api") disagrees with the table."""
    from accounts.permissions import signed_in

    weakened = signed_in(lambda request: None)
    assert _declared(weakened.requirement) != TABLE["payment_gateways:list"]


def test_the_declaration_test_catches_an_undeclared_view():
    undeclared = [
        r.name for r in panel_routes("tests.support.urls") if not hasattr(r.callback, "requirement")
    ]
    assert undeclared == ["undeclared"]


def test_unknown_module_is_refused_at_declaration():
    with pytest.raises(KeyError):
        requires("no-such-module")


def test_deny_wins_over_allow_and_nothing_set_is_no_access():
    assert combine([{"users": ALLOW}, {"users": DENY}]) == {"users": DENY}
    assert combine([{"users": DENY}, {"users": ALLOW}]) == {"users": DENY}
    assert combine([{"users": ALLOW}, {}]) == {"users": ALLOW}
    assert combine([{}]) == {}


def test_no_account_means_no_access():
    superuser = User(email="root@example.test", is_superuser=True)
    assert not Access(superuser).can_view("config")


# --- Real requests in every role -----------------------------------------------------------------


def _routes(site="panel"):
    """Every route of the site with its table rule (logout excluded: it ends the session)."""
    routes = (
        panel_routes()
        if site == "panel"
        else [r for r in all_routes() if r.name.startswith("portal:")]
    )
    return [(r.name, TABLE[r.name]) for r in routes if r.name != "users:logout"]


def _routes_of(module):
    return [(name, rule) for name, rule in _routes() if rule.module == module]


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


def _plain_world(world):
    """The world's User (whom users:edit opens) in a group that sets nothing, so any User with
    the Users module may change them (users/access.py) and a 403 means the permission check."""
    world["group_a"].permissions = {}
    save_group(world["group_a"], actor=PLATFORM)


def _group(world, name, permissions):
    return save_group(
        PermissionGroup(account=world["a"], name=name, permissions=permissions), actor=PLATFORM
    )


def _member(world, email, groups, *, read_only=False, role=User.Role.USER):
    user = create_user(
        actor=PLATFORM,
        account=world["a"],
        email=email,
        password=PASSWORD,
        name=email.split("@")[0],
        groups=groups,
        read_only=read_only,
        role=role,
    )
    return signed_in_client(user)


def test_anonymous_is_sent_to_sign_in_everywhere_but_public_pages(world, anonymous_client):
    for name, rule in _routes():
        response = anonymous_client.get(url_for(name, world, "a"))
        if rule.kind == "public":
            assert _passed(response), name
        else:
            assert response.status_code == 302, name
            assert response["Location"].startswith("/login/?next="), name


def test_portal_urls_are_public_on_the_portal_host_only(world):
    visitor = Client(HTTP_HOST=portal_host(world, "a"))
    for name, rule in _routes("portal"):
        assert rule == PUBLIC, f"{name}: the portal has no staff pages"
        url = url_for(name, world, "a", urlconf=PORTAL_URLCONF)
        assert visitor.get(url).status_code < 400, name


@pytest.mark.parametrize("module", list(MODULES))
def test_every_role_meets_the_table_on_every_url_of_a_module(world, client_admin_a, module):
    """Without the module (every other module allowed): 403 for GET and POST. With it, read
    only: GET passes unless the URL writes; POST is 403. An Administrator passes."""
    routes = _routes_of(module)
    if not routes:
        pytest.skip(f"the {MODULES[module].label} module has no URLs yet")
    _plain_world(world)
    others = _group(world, "All but one", {m: ALLOW for m in MODULES if m != module})
    allowed = _group(world, "Just this one", {module: ALLOW})
    without = _member(world, "without@alpha.test", [others])
    reader = _member(world, "reader@alpha.test", [allowed], read_only=True)
    for name, rule in routes:
        url = url_for(name, world, "a")
        assert without.get(url).status_code == 403, f"GET {name} without {module}"
        assert without.post(url).status_code == 403, f"POST {name} without {module}"
        assert _passed(reader.get(url)) is not rule.write, f"GET {name} read only"
        assert reader.post(url).status_code == 403, f"POST {name} read only"
        assert _passed(client_admin_a.get(url)), f"GET {name} as Administrator"


def test_admin_only_urls_refuse_users_and_read_only_administrators(world, client_admin_a):
    routes = [(name, rule) for name, rule in _routes() if rule == ADMIN]
    assert routes, "the Settings tab at least is for Administrators only"
    everything = _group(world, "Everything", dict.fromkeys(MODULES, ALLOW))
    user = _member(world, "everything@alpha.test", [everything])
    reader = _member(world, "ro-admin@alpha.test", [], read_only=True, role=User.Role.ADMINISTRATOR)
    for name, _ in routes:
        url = url_for(name, world, "a")
        assert user.get(url).status_code == 403, name
        assert reader.post(url).status_code == 403, name
        assert _passed(client_admin_a.get(url)), name


def test_signed_in_urls_are_open_to_every_staff_user(world):
    nobody = _member(world, "nobody@alpha.test", [])
    for name, rule in _routes():
        if rule == SIGNED_IN:
            assert _passed(nobody.get(url_for(name, world, "a"))), name


@pytest.mark.parametrize("module", list(MODULES))
def test_deny_wins_through_real_requests(world, module):
    """A user in two groups, one allowing and one denying the module, gets 403 on every URL of
    it; Allow alone gets through; nothing set is 403."""
    routes = _routes_of(module)
    if not routes:
        pytest.skip(f"the {MODULES[module].label} module has no URLs yet")
    _plain_world(world)
    allow = _group(world, "Allow it", {module: ALLOW})
    deny = _group(world, "Deny it", {module: DENY})
    both = _member(world, "both@alpha.test", [allow, deny])
    allowed = _member(world, "allowed@alpha.test", [allow])
    unset = _member(world, "unset@alpha.test", [])
    for name, _rule in routes:
        url = url_for(name, world, "a")
        assert both.get(url).status_code == 403, f"{name}: Deny must win"
        assert unset.get(url).status_code == 403, f"{name}: nothing set is no access"
        assert _passed(allowed.get(url)), f"{name}: Allow alone passes"


def test_a_group_change_applies_on_the_next_request(world, client_user_a):
    url = SECTIONS["audit_log"].url
    assert client_user_a.get(url).status_code == 403
    world["group_a"].permissions = {"audit_log": ALLOW}
    save_group(world["group_a"], actor=PLATFORM)
    assert client_user_a.get(url).status_code == 200
    update_user(world["user_a"], actor=PLATFORM, read_only=True)
    assert client_user_a.post(url).status_code == 403


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


def test_menu_shows_only_what_the_user_may_open(world, client_user_a, client_admin_a):
    body = client_admin_a.get(SECTIONS["config"].url).content.decode()
    for key in ("config", "users", "api", "settings", "audit_log", "servers", "customers"):
        assert f'href="{SECTIONS[key].url}"' in body
    world["group_a"].permissions = {"audit_log": ALLOW}
    save_group(world["group_a"], actor=PLATFORM)
    body = client_user_a.get(SECTIONS["audit_log"].url).content.decode()
    assert f'href="{SECTIONS["audit_log"].url}"' in body
    for key in ("config", "users", "settings", "servers"):
        assert f'href="{SECTIONS[key].url}"' not in body


def test_user_with_no_modules_gets_a_welcome_not_an_error(world, client_user_a):
    world["group_a"].permissions = {}
    save_group(world["group_a"], actor=PLATFORM)
    response = client_user_a.get("/")
    assert response.status_code == 200
    assert "Your user has no sections yet" in response.content.decode()


def test_rule_helpers_say_what_they_mean():
    assert view("users") == Rule("module", "users", False)
    assert write("users") == Rule("module", "users", True)


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
