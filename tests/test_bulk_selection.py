"""Every list's bulk action takes forged ticked ids calmly: no 500, nothing of anyone touched."""

import pytest

from .isolation import tenant_rows

BULK_ACTIONS = [
    "/account/users/delete/",
    "/account/users/groups/delete/",
    "/account/api/delete/",
    "/account/api/refresh/",
    "/account/domains/delete/",
    "/account/domains/refresh/",
]


@pytest.mark.parametrize("url", BULK_ACTIONS)
@pytest.mark.parametrize("forged", ["²", "9" * 30, "-1", "1e3", "", "0x10"])
def test_forged_ids_are_refused_without_an_error(world, client_admin_a, url, forged):
    before = {side: tenant_rows(world[side]) for side in ("a", "b")}
    response = client_admin_a.post(url, {"selected": [forged]})
    assert response.status_code == 302
    after = {side: tenant_rows(world[side]) for side in ("a", "b")}
    # Nothing deleted; a refresh of nothing writes nothing either.
    assert {k: len(v) for k, v in after["a"].items()} == {k: len(v) for k, v in before["a"].items()}
    assert after["b"] == before["b"]


def test_refresh_refuses_too_many_at_once(world, client_admin_a):
    response = client_admin_a.post(
        "/account/domains/refresh/", {"selected": [str(n) for n in range(1, 40)]}, follow=True
    )
    assert "Check at most 25 domains at a time" in response.content.decode()
