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


REFRESHES = {
    "/account/api/refresh/": "gateways",
    "/account/domains/refresh/": "domains",
    "/servers/refresh/": "servers",
}


@pytest.mark.parametrize("url, plural", REFRESHES.items())
def test_every_refresh_refuses_too_many_at_once_and_asks_for_a_selection(
    world, client_admin_a, url, plural
):
    too_many = {"selected": [str(n) for n in range(1, 27)]}
    page = client_admin_a.post(url, too_many, follow=True).content.decode()
    assert f"Check at most 25 {plural} at a time" in page
    page = client_admin_a.post(url, {}, follow=True).content.decode()
    assert f"Select the {plural} to check." in page
    # Another account's ids: nothing of theirs is checked or changed.
    theirs = {"selected": [str(pk) for pk in range(1, 20)]}
    before = tenant_rows(world["b"])
    assert client_admin_a.post(url, theirs).status_code == 302
    assert tenant_rows(world["b"]) == before
    assert client_admin_a.get(url).status_code == 302
