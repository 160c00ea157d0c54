"""The REST API: tokens, scopes narrowed by the user's current permissions, the error shape,
bad input changing nothing, the rate limit, the endpoints of part 1 and their query counts."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.actors import PLATFORM, Actor
from accounts.models import Account, AuditEntry
from accounts.permissions import ALLOW
from api.models import ApiToken
from api.services import hash_token, revoke_token
from tests.querycount import assert_constant_queries
from users.models import PermissionGroup, User
from users.services import create_user, delete_users, save_group, update_user

from .conftest import ApiClient, error_of, make_token

USERS = "/api/v1/users"
GROUPS = "/api/v1/groups"


@pytest.fixture
def users_manager(world):
    """user_a in a group allowing Users and Config (tokens are made on the Config write);
    returns the group."""
    group = save_group(
        PermissionGroup(
            account=world["a"],
            name="User managers",
            permissions={"users": ALLOW, "config": ALLOW},
        ),
        actor=PLATFORM,
    )
    update_user(world["user_a"], actor=PLATFORM, groups=[world["group_a"], group])
    return group


def _user_count(account):
    return User.objects.for_account(account).count()


# --- Authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer vac_nope", "Bearer ", "Basic abc", "Bearer x"])
def test_no_or_unknown_token_is_401_in_the_error_shape(world, header):
    client = ApiClient(None)
    if header:
        client.headers = {"Authorization": header}
    response = client.get(USERS)
    assert response.status_code == 401
    assert error_of(response)["code"] in {"not_authenticated", "invalid_token"}


def test_revoked_and_expired_tokens_are_401(world):
    token, text = world["api_token_a"], world["api_token_text_a"]
    assert ApiClient(text).get(USERS).status_code == 200
    revoke_token(actor=Actor(world["admin_a"]), token=token)
    assert error_of(ApiClient(text).get(USERS))["code"] == "invalid_token"

    expiring, text = make_token(
        world["admin_a"], {"users": "read"}, expires=timezone.now() + timedelta(hours=1)
    )
    assert ApiClient(text).get(USERS).status_code == 200
    ApiToken.objects.for_account(world["a"]).filter(pk=expiring.pk).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    assert ApiClient(text).get(USERS).status_code == 401


def test_the_token_is_stored_hashed_with_a_short_prefix(world):
    token, text = world["api_token_a"], world["api_token_text_a"]
    assert text.startswith("vac_") and len(text) > 40
    assert token.token_hash == hash_token(text) and text not in token.token_hash
    assert token.prefix == text[:12]
    stored = ApiToken.objects.for_account(world["a"]).values().get(pk=token.pk)
    assert text not in str(stored)


def test_a_session_cookie_alone_cannot_use_the_api(world, client_admin_a):
    before = _user_count(world["a"])
    response = client_admin_a.post(
        USERS, {"email": "x@alpha.test", "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert "session" in error_of(response)["message"]
    assert client_admin_a.get(USERS).status_code == 401
    assert _user_count(world["a"]) == before


def test_last_use_is_recorded(world, api_a):
    assert api_a.get(USERS).status_code == 200
    token = ApiToken.objects.for_account(world["a"]).get(pk=world["api_token_a"].pk)
    assert token.last_used is not None and token.last_used_ip == "127.0.0.1"


# --- Scopes and the user's current permissions ---------------------------------------------------


def test_a_read_scope_cannot_write_and_the_403_names_the_scope(world, users_manager):
    _, text = make_token(world["user_a"], {"users": "read"})
    client = ApiClient(text)
    assert client.get(USERS).status_code == 200
    before = _user_count(world["a"])
    response = client.post(USERS, {"email": "new@alpha.test", "name": "New"})
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "missing_scope" and "users:write" in error["message"]
    assert error["fields"] == {"scope": ["users:write"]}
    assert _user_count(world["a"]) == before
    # A module outside the token's scopes: 403 naming it, even for reading.
    response = client.get("/api/v1/audit-log")
    assert response.status_code == 403 and "audit_log:read" in error_of(response)["message"]


def test_scopes_beyond_the_users_own_permissions_are_refused(world, users_manager):
    from django.core.exceptions import PermissionDenied

    from accounts.errors import Refused

    with pytest.raises(Refused) as refused:
        make_token(world["user_a"], {"audit_log": "read"})
    assert refused.value.field == "scopes"
    update_user(world["user_a"], actor=PLATFORM, read_only=True)
    world["user_a"].refresh_from_db()
    with pytest.raises(PermissionDenied):  # read only: no Config write, so no token at all
        make_token(world["user_a"], {"users": "read"})


def test_a_token_loses_what_its_user_loses_on_the_next_request(world, users_manager):
    _, text = make_token(world["user_a"], {"users": "write"})
    client = ApiClient(text)
    assert client.get(USERS).status_code == 200

    update_user(world["user_a"], actor=PLATFORM, read_only=True)  # read only: reads still work
    assert client.get(USERS).status_code == 200
    response = client.post(USERS, {"email": "n1@alpha.test", "name": "N"})
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    update_user(world["user_a"], actor=PLATFORM, read_only=False)
    assert client.get(USERS).status_code == 200

    users_manager.permissions = {"config": ALLOW}  # the group no longer allows Users
    save_group(users_manager, actor=PLATFORM)
    response = client.get(USERS)
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"

    users_manager.permissions = {"users": ALLOW, "config": ALLOW}
    save_group(users_manager, actor=PLATFORM)
    assert client.get(USERS).status_code == 200
    update_user(world["user_a"], actor=PLATFORM, is_active=False)  # deactivated: unknown
    assert client.get(USERS).status_code == 401

    update_user(world["user_a"], actor=PLATFORM, is_active=True)
    assert client.get(USERS).status_code == 200
    delete_users(PLATFORM, [world["user_a"].pk], account=world["a"])
    assert client.get(USERS).status_code == 401


def test_an_administrators_token_is_not_an_administrator(world, api_a):
    """Changing an Administrator needs the panel: the token acts as a User manager."""
    response = api_a.patch(f"{USERS}/{world['admin_a'].pk}", {"name": "Renamed"})
    assert response.status_code == 403
    assert User.objects.for_account(world["a"]).get(pk=world["admin_a"].pk).name == "Ada Alpha"
    response = api_a.post(USERS, {"email": "boss@alpha.test", "name": "B", "role": "admin"})
    assert response.status_code == 400
    assert "role" in error_of(response)["fields"]


# --- IP allow-list -------------------------------------------------------------------------------


def test_a_token_outside_its_ip_allow_list_is_403(world):
    _, text = make_token(world["admin_a"], {"users": "read"}, ip_allowlist="10.9.0.0/16")
    response = ApiClient(text, ip="127.0.0.1").get(USERS)
    assert response.status_code == 403 and error_of(response)["code"] == "ip_refused"
    assert ApiClient(text, ip="10.9.1.1").get(USERS).status_code == 200


def test_the_users_own_ip_whitelist_applies_to_their_tokens(world, users_manager):
    _, text = make_token(world["user_a"], {"users": "read"})
    update_user(world["user_a"], actor=PLATFORM, ip_whitelist="10.8.0.0/16")
    assert ApiClient(text, ip="127.0.0.1").get(USERS).status_code == 403
    assert ApiClient(text, ip="10.8.0.9").get(USERS).status_code == 200


# --- Bad input -----------------------------------------------------------------------------------


def _state(world):
    account = Account.objects.values().get(pk=world["a"].pk)
    users = list(User.objects.for_account(world["a"]).order_by("pk").values())
    groups = list(PermissionGroup.objects.for_account(world["a"]).order_by("pk").values())
    return account, users, groups


@pytest.mark.parametrize(
    ("method", "path", "raw", "status"),
    [
        ("post", USERS, "{not json", 400),
        ("post", USERS, '{"email": "a@alpha.test", "name": 42}', 400),
        ("post", USERS, '{"email": "a@alpha.test", "name": "A", "is_superuser": true}', 400),
        ("post", USERS, '{"email": "not-an-email", "name": "A"}', 400),
        ("post", USERS, '{"email": "a@alpha.test", "name": "A", "groups": ["x"]}', 400),
        ("post", USERS, "[]", 400),
        ("patch", "/api/v1/account", '{"currency": "XXX"}', 400),
        ("patch", "/api/v1/account", '{"name": ""}', 400),
        ("patch", "/api/v1/account", '{"balance": "1000000"}', 400),
        ("post", GROUPS, '{"name": "G", "permissions": {"users": "maybe"}}', 400),
        ("post", GROUPS, '{"name": "G", "permissions": {"nosuch": "allow"}}', 400),
        ("post", USERS, '{"email": "a@alpha.test", "name": "' + "x" * 2_000_000 + '"}', 413),
    ],
)
def test_bad_input_answers_the_error_shape_and_changes_nothing(
    world, api_a, method, path, raw, status
):
    before = _state(world)
    response = api_a.call(method, path, raw=raw)
    assert response.status_code == status, response.content[:300]
    error = error_of(response)
    assert error["message"]
    assert _state(world) == before


def test_unknown_fields_are_named(world, api_a):
    response = api_a.patch("/api/v1/account", {"name": "New", "balance": "5"})
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"balance": ["Unknown field: not accepted here."]}


def test_a_wrong_query_parameter_is_400_in_the_shape(world, api_a):
    response = api_a.get(USERS, page_size=1000)
    assert response.status_code == 400 and "page_size" in error_of(response)["fields"]
    response = api_a.get("/api/v1/audit-log", date_from="yesterday")
    assert response.status_code == 400 and "date_from" in error_of(response)["fields"]


# --- Rate limit ----------------------------------------------------------------------------------


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_over_the_rate_limit_is_429_with_retry_after(world, api_a):
    for _ in range(3):
        assert api_a.get(USERS).status_code == 200
    response = api_a.get(USERS)
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Counted per token: another token still gets through.
    _, text = make_token(world["admin_a"], {"users": "read"})
    assert ApiClient(text).get(USERS).status_code == 200


# --- Endpoints -----------------------------------------------------------------------------------


def test_account_profile_read_and_patch_through_the_config_rules(world, api_a):
    response = api_a.get("/api/v1/account")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Alpha Networks" and body["balance"] == "1138.1700"
    assert body["balance_display"] == "$1,138.17 USD"

    response = api_a.patch("/api/v1/account", {"name": "  Alpha   Networks Ltd ", "city": "Oslo"})
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Alpha Networks Ltd"  # the form's own cleaning
    entry = AuditEntry.objects.for_account(world["a"]).filter(event="account.profile_updated")
    entry = entry.first()
    assert entry.actor_id == world["admin_a"].pk
    assert entry.data["via"] == "API token “automation a”"

    # A rule of the service: the billing method may change once every 30 days.
    assert api_a.patch("/api/v1/account", {"billing_method": "per_minute"}).status_code == 200
    response = api_a.patch("/api/v1/account", {"billing_method": "per_channel"})
    assert response.status_code == 400
    assert "billing_method" in error_of(response)["fields"]


def test_users_crud_through_the_services(world, api_a, mailoutbox):
    response = api_a.post(
        USERS,
        {"email": "New.Person@Alpha.test", "name": "New Person", "groups": [world["group_a"].pk]},
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["email"] == "new.person@alpha.test" and created["state"] == "invited"
    assert [g["name"] for g in created["groups"]] == ["Support A"]
    path = f"{USERS}/{created['id']}"

    assert api_a.get(path).json()["name"] == "New Person"
    response = api_a.patch(path, {"name": "Renamed", "read_only": True})
    assert response.status_code == 200 and response.json()["read_only"] is True
    assert response.json()["groups"] == created["groups"]  # not given: kept

    listing = api_a.get(USERS, q="renam").json()
    assert [u["id"] for u in listing["items"]] == [created["id"]]
    assert listing["total"] == 1 and listing["next_page"] is None

    # The same email twice: the panel's form rule.
    response = api_a.post(USERS, {"email": "new.person@alpha.test", "name": "Again"})
    assert response.status_code == 400 and "email" in error_of(response)["fields"]

    assert api_a.delete(path).status_code == 204
    assert api_a.get(path).status_code == 404
    events = list(
        AuditEntry.objects.for_account(world["a"])
        .filter(target_id=str(created["id"]))
        .values_list("event", "data")
    )
    assert {e for e, _ in events} >= {"user.created", "user.updated", "user.deleted"}
    assert all(d.get("via") == "API token “automation a”" for e, d in events if e != "user.invited")


def test_a_token_cannot_delete_its_own_user(world, users_manager):
    _, text = make_token(world["user_a"], {"users": "write"})
    response = ApiClient(text).delete(f"{USERS}/{world['user_a'].pk}")
    assert response.status_code in (403, 409)
    assert User.objects.for_account(world["a"]).filter(pk=world["user_a"].pk).exists()


def test_groups_crud(world, api_a):
    response = api_a.post(GROUPS, {"name": "NOC", "permissions": {"users": "allow"}})
    assert response.status_code == 201, response.json()
    path = f"{GROUPS}/{response.json()['id']}"
    assert api_a.get(path).json()["permissions"] == {"users": "allow"}
    response = api_a.patch(path, {"permissions": {"users": "deny"}})
    assert response.json()["permissions"] == {"users": "deny"}
    response = api_a.post(GROUPS, {"name": "noc"})
    assert response.status_code == 400 and "name" in error_of(response)["fields"]
    assert api_a.get(GROUPS, q="no").json()["total"] == 1
    assert api_a.delete(path).status_code == 204
    assert api_a.get(path).status_code == 404


def test_audit_log_list_with_filters(world, api_a):
    api_a.patch("/api/v1/account", {"city": "Bergen"})
    today = timezone.localdate().isoformat()
    body = api_a.get("/api/v1/audit-log", section="Config", date_from=today).json()
    assert body["total"] >= 1
    assert {e["section"] for e in body["items"]} == {"Config"}
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert api_a.get("/api/v1/audit-log", date_from=future).json()["total"] == 0


# --- Query counts --------------------------------------------------------------------------------


def _add_users(world, n):
    have = _user_count(world["a"])
    for i in range(have, n + 2):
        create_user(
            actor=PLATFORM,
            account=world["a"],
            email=f"many{i}@alpha.test",
            password=None,
            name=f"Many {i}",
            groups=[world["group_a"]],
        )


def _add_groups(world, n):
    have = PermissionGroup.objects.for_account(world["a"]).count()
    for i in range(have, n + 1):
        save_group(
            PermissionGroup(account=world["a"], name=f"G{i}", permissions={"users": ALLOW}),
            actor=PLATFORM,
        )


def _add_entries(world, n):
    from accounts import audit

    have = AuditEntry.objects.for_account(world["a"]).count()
    for _ in range(have, n):
        audit.record("account.profile_updated", account=world["a"], actor=PLATFORM)


@pytest.mark.parametrize(
    ("path", "add"),
    [(USERS, _add_users), (GROUPS, _add_groups), ("/api/v1/audit-log", _add_entries)],
)
def test_list_endpoints_need_a_fixed_number_of_queries(world, api_a, path, add):
    def fetch():
        response = api_a.get(path)
        assert response.status_code == 200
        return response

    assert_constant_queries(fetch, lambda n: add(world, n), few=1, many=30)


def test_an_unknown_api_path_answers_the_error_shape(world, api_a):
    response = api_a.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_a_method_a_path_does_not_take_is_405_in_the_error_shape(world, api_a):
    response = api_a.call("PUT", "/api/v1/account", {"name": "x"})
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}
    assert api_a.get("/api/v1/account").status_code == 200  # the operations still answer


def test_a_search_with_a_nul_character_is_a_field_error(world, api_a):
    """PostgreSQL cannot compare text holding NUL: a 400 naming the field, never a 500."""
    for path in ("/api/v1/domains", "/api/v1/customers", "/api/v1/servers", USERS, GROUPS):
        response = api_a.get(path, q="a\x00b")
        assert response.status_code == 400, path
        assert "NUL" in error_of(response)["fields"]["q"][0]
