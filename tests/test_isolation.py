"""Tenant isolation, checked on every URL of the panel (registry in tests/isolation.py)."""

import pytest
from django.test import Client, override_settings

from tests.support.models import SecretNote

from .isolation import (
    REGISTRY,
    all_routes,
    check_foreign_object,
    check_own_page,
    markers,
    panel_routes,
    portal_host,
    tenant_object,
    unregistered,
    url_for,
)


def _client(entry, world, panel_client):
    """Panel entries: A's Administrator. Portal entries: a visitor of A's Verified portal domain."""
    return Client(HTTP_HOST=portal_host(world, "a")) if entry.site == "portal" else panel_client


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


def test_own_pages_show_nothing_of_another_account(world, client_admin_a):
    problems = []
    b_markers = markers(world, "b")
    for name, entry in REGISTRY.items():
        if entry.kind == "page":
            problems += check_own_page(
                _client(entry, world, client_admin_a),
                url_for(name, world, "a"),
                b_markers,
                world["b"],
            )
    assert not problems, "\n".join(problems)


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
