"""What every page renders of the account's own data: markup in any text field comes out inert,
and no secret is ever rendered back (DESIGN: Secrets), on every page the crawler knows."""

import pytest

from .isolation import (
    REGISTRY,
    body_text,
    mark_text_fields,
    portal_client,
    set_secrets,
    url_for,
)
from .test_isolation import ROLES

PAYLOAD = '<i class="x">"'


def _pages(world, client):
    for name, entry in REGISTRY.items():
        if entry.kind in ("page", "object"):
            portal = entry.site == "portal"
            yield (
                name,
                (portal_client(world, "a") if portal else client),
                url_for(name, world, "a"),
            )


@pytest.mark.parametrize(
    ("role", "dialog"),
    [("administrator", False), ("administrator", True), ("read-only user", False)],
    ids=["page", "dialog", "read-only user"],
)
def test_markup_in_any_text_field_renders_inert(world, role, dialog):
    """As the administrator, and as a read-only user with every module (whose pages render the
    same rows without their buttons), on every page and in every dialog."""
    marks = mark_text_fields(world["a"], "a", prefix=PAYLOAD)
    assert len(marks) > 30
    headers = {"HTTP_X_DIALOG": "1"} if dialog else {}
    problems = []
    for name, client, url in _pages(world, ROLES[role](world)):
        response = client.get(url, **headers)
        if response.status_code >= 500:
            problems.append(f"{name}: {response.status_code}")
            continue
        body = body_text(response)
        if '<i class="x">' in body:
            problems.append(f"{name} ({url}) renders markup from a text field unescaped")
    assert not problems, "\n".join(problems)


def test_no_page_or_dialog_renders_a_stored_secret(world, client_admin_a):
    secrets = set_secrets(world["a"])
    assert secrets, "the world has encrypted fields (gateway keys at least)"
    problems = []
    for name, client, url in _pages(world, client_admin_a):
        for headers in ({}, {"HTTP_X_DIALOG": "1"}):
            body = body_text(client.get(url, **headers))
            problems += [f"{name} ({url}) shows a secret" for s in secrets if s in body]
    assert not problems, "\n".join(sorted(set(problems)))
