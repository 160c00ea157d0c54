"""Tenant isolation, checked on every URL of the panel (registry in tests/isolation.py)."""

import pytest
from django.test import override_settings

from accounts.actors import PLATFORM
from accounts.permissions import ALLOW, MODULES
from tests.support.models import SecretNote
from users.models import PermissionGroup
from users.services import create_user, save_group

from .conftest import PASSWORD, signed_in_client
from .isolation import (
    REGISTRY,
    all_routes,
    check_foreign_object,
    check_forms_of_page,
    check_page_shows_nothing,
    mark_text_fields,
    markers,
    panel_routes,
    portal_client,
    tenant_ids,
    tenant_object,
    tenant_rows,
    unregistered,
    url_for,
)


def _client(entry, world, panel_client):
    """Panel entries: A's Administrator. Portal entries: A's portal contact, signed in on A's
    Verified portal domain (an anonymous visitor when no app provides contacts)."""
    return portal_client(world, "a") if entry.site == "portal" else panel_client


def test_every_url_pattern_is_in_the_registry():
    missing = unregistered(all_routes())
    assert not missing, (
        "URL patterns without an isolation entry (add them to tests/isolation.py REGISTRY): "
        + ", ".join(missing)
    )


def test_registry_has_no_stale_entries():
    names = {route.name for route in all_routes()}
    assert not set(REGISTRY) - names, (
        f"entries for URLs that no longer exist: {set(REGISTRY) - names}"
    )


@pytest.fixture
def marked_world(world):
    """The world with a unique marker in every text field of every row account B owns."""
    world["marked_b"] = mark_text_fields(world["b"], "b")
    return world


def _member(world, email, *, read_only):
    group = save_group(
        PermissionGroup(
            account=world["a"], name=f"All of {email}", permissions=dict.fromkeys(MODULES, ALLOW)
        ),
        actor=PLATFORM,
    )
    user = create_user(
        actor=PLATFORM,
        account=world["a"],
        email=email,
        password=PASSWORD,
        name="Member",
        groups=[group],
        read_only=read_only,
    )
    return signed_in_client(user)


ROLES = {
    "administrator": lambda world: signed_in_client(world["admin_a"]),
    "user with every module": lambda world: _member(world, "all@alpha.test", read_only=False),
    "read-only user": lambda world: _member(world, "ro@alpha.test", read_only=True),
}


def _own_urls(world):
    """Every page and object URL of account A (objects: A's own), with the client to use."""
    for name, entry in REGISTRY.items():
        if entry.kind in ("page", "object"):
            yield name, entry, url_for(name, world, "a")


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_of_a_shows_any_text_of_b_in_any_role(marked_world, role):
    world = marked_world
    b_markers = markers(world, "b")
    assert len(b_markers) > 50, "every text field of B carries a marker"
    client = ROLES[role](world)
    problems = []
    for _name, entry, url in _own_urls(world):
        problems += check_page_shows_nothing(_client(entry, world, client), url, b_markers)
    assert not problems, "\n".join(problems)


def test_posting_every_form_with_b_ids_changes_nothing_of_b(marked_world, client_admin_a):
    """Every form A's Administrator is shown, posted as it is and with B's real ids in every
    id-bearing field (alone and mixed with A's), to every place it can be sent."""
    world = marked_world
    b_ids, b_markers = tenant_ids(world["b"]), markers(world, "b")
    problems = []
    for _name, entry, url in _own_urls(world):
        client = _client(entry, world, client_admin_a)
        problems += check_forms_of_page(client, url, world["b"], b_ids, b_markers)
    assert not problems, "\n".join(problems)


def test_bulk_endpoints_ignore_b_ids_alone_and_mixed(world, client_admin_a):
    """Every toolbar action that takes ticked rows, sent B's real ids of every table."""
    b_ids = tenant_ids(world["b"])
    before = tenant_rows(world["b"])
    for name in [n for n in REGISTRY if n.endswith((":delete", ":group_delete", ":refresh"))]:
        url = url_for(name, world, "a")
        for selected in (b_ids, [*b_ids, world["user_a"].pk]):
            response = client_admin_a.post(url, {"selected": [str(pk) for pk in selected]})
            assert response.status_code < 500, name
    assert tenant_rows(world["b"]) == before


def test_objects_of_another_account_are_404(world, client_admin_a):
    problems = []
    for name, entry in REGISTRY.items():
        if entry.kind == "object":
            problems += check_foreign_object(
                _client(entry, world, client_admin_a), url_for(name, world, "b"), world["b"]
            )
    assert not problems, "\n".join(problems)


# The crawler's own checks must be able to fail: a test-only URLconf with one view scoped through
# the account and one that fetches by primary key alone.


@pytest.fixture
def notes(world):
    return {
        side: SecretNote.objects.create(account=world[side], label=f"note of {side}")
        for side in ("a", "b")
    }


NOTE_REGISTRY = {
    "note": tenant_object(lambda world, side: {"pk": world["notes"][side].pk}),
    "leaky_note": tenant_object(lambda world, side: {"pk": world["notes"][side].pk}),
}


@override_settings(ROOT_URLCONF="tests.support.urls")
def test_crawler_passes_a_view_scoped_to_the_account(world, notes, client_admin_a):
    world = {**world, "notes": notes}
    url = url_for("note", world, "b", NOTE_REGISTRY)
    assert check_foreign_object(client_admin_a, url, world["b"]) == []
    assert client_admin_a.get(url_for("note", world, "a", NOTE_REGISTRY)).status_code == 200


@override_settings(ROOT_URLCONF="tests.support.urls")
def test_crawler_catches_a_view_that_leaks(world, notes, client_admin_a):
    world = {**world, "notes": notes}
    problems = check_foreign_object(
        client_admin_a, url_for("leaky_note", world, "b", NOTE_REGISTRY), world["b"]
    )
    assert any("answered 200" in p for p in problems)
    assert any("changed rows of Bravo Carrier" in p for p in problems)


def test_crawler_reports_an_unregistered_url():
    missing = unregistered(panel_routes("tests.support.urls"))
    assert {"note", "leaky_note", "undeclared"} <= set(missing)
    assert "users:login" not in missing
