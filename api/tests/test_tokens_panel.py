"""The API tokens tab: list, create (the token shown once, stored hashed), revoke; audited;
scopes never more than the creating user holds."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.actors import PLATFORM
from accounts.models import AuditEntry
from accounts.permissions import ALLOW
from api.models import ApiToken
from api.services import hash_token
from tests.querycount import assert_constant_queries
from users.models import PermissionGroup
from users.services import save_group, update_user

from .conftest import ApiClient, make_token


def test_create_shows_the_token_once_and_stores_its_hash(world, client_admin_a):
    response = client_admin_a.post(
        reverse("api_tokens:add"),
        {
            "name": "billing sync",
            "scope_users": "read",
            "scope_audit_log": "read",
            "expires": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "ip_allowlist": "127.0.0.0/8",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    text = response.context["text"]
    assert text.startswith("vac_") and text in response.content.decode()
    token = ApiToken.objects.for_account(world["a"]).get(name="billing sync")
    assert token.token_hash == hash_token(text)
    assert token.scopes == {"users": "read", "audit_log": "read"}
    assert token.created_by == world["admin_a"]
    # Never again: the list shows the prefix only.
    page = client_admin_a.get(reverse("api_tokens:list")).content.decode()
    assert token.prefix in page and text not in page
    assert ApiClient(text).get("/api/v1/users").status_code == 200
    entry = AuditEntry.objects.for_account(world["a"]).filter(event="api_token.created").first()
    assert text not in str(entry.changes) and "users:read" in str(entry.changes)


def test_bad_input_is_shown_next_to_the_field(world, client_admin_a):
    response = client_admin_a.post(
        reverse("api_tokens:add"),
        {"name": "x", "ip_allowlist": "not a network", "expires": "2000-01-01"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"ip_allowlist", "expires", "__all__"} or {
        "ip_allowlist",
        "expires",
    } <= set(form.errors)
    assert not ApiToken.objects.for_account(world["a"]).filter(name="x").exists()


def test_a_user_is_offered_only_the_scopes_they_hold(world):
    from tests.fixtures import signed_in_client

    group = save_group(
        PermissionGroup(account=world["a"], name="Cfg", permissions={"config": ALLOW}),
        actor=PLATFORM,
    )
    update_user(world["user_a"], actor=PLATFORM, groups=[world["group_a"], group])
    client = signed_in_client(world["user_a"])
    form = client.get(reverse("api_tokens:add")).context["form"]
    assert "scope_config" in form.fields and "scope_users" not in form.fields
    # A forged scope field is not a form field: nothing beyond what they hold is stored.
    response = client.post(reverse("api_tokens:add"), {"name": "t", "scope_users": "write"})
    assert response.status_code == 400  # no scope chosen among those offered
    assert not ApiToken.objects.for_account(world["a"]).filter(name="t").exists()


def test_revoke_is_audited_and_ends_the_token(world, client_admin_a):
    token, text = world["api_token_a"], world["api_token_text_a"]
    url = reverse("api_tokens:revoke", args=[token.pk])
    assert client_admin_a.get(url).status_code == 200
    assert client_admin_a.post(url).status_code == 302
    assert ApiToken.objects.for_account(world["a"]).get(pk=token.pk).revoked is not None
    assert AuditEntry.objects.for_account(world["a"]).filter(event="api_token.revoked").exists()
    assert ApiClient(text).get("/api/v1/users").status_code == 401


def test_another_accounts_token_is_404(world, client_admin_a):
    url = reverse("api_tokens:revoke", args=[world["api_token_b"].pk])
    assert client_admin_a.post(url).status_code == 404
    assert ApiToken.objects.for_account(world["b"]).get(pk=world["api_token_b"].pk).revoked is None


def test_the_list_needs_a_fixed_number_of_queries(world, client_admin_a):
    def add(n):
        for i in range(ApiToken.objects.for_account(world["a"]).count(), n):
            make_token(world["admin_a"], {"users": "read"}, name=f"t{i}")

    def fetch():
        response = client_admin_a.get(reverse("api_tokens:list"))
        assert response.status_code == 200

    assert_constant_queries(fetch, add, few=1, many=30)
