"""The query-count helper, on the list pages the foundation has (the platform admin's)."""

import pytest
from django.test import Client

from accounts.models import Account, AuditEntry
from accounts.services import create_account
from users.models import User

from .conftest import PASSWORD
from .querycount import assert_constant_queries


@pytest.fixture
def platform_client(db):
    root = User.objects.create_superuser("root@platform.test", PASSWORD)
    client = Client()
    client.force_login(root)
    session = client.session
    session["bound_host"] = "testserver"
    session.save()
    return client


def _ok(client, url):
    def render():
        response = client.get(url)
        assert response.status_code == 200
        return response

    return render


def _accounts_up_to(n):
    for i in range(Account.objects.count(), n):
        create_account(name=f"Tenant {i:03}", email=f"t{i}@example.test")


def test_admin_account_list_is_constant(platform_client):
    assert_constant_queries(_ok(platform_client, "/admin/accounts/account/"), _accounts_up_to)


def test_admin_audit_list_is_constant(platform_client):
    # Each account created writes an audit entry, with its account to show per row.
    assert_constant_queries(_ok(platform_client, "/admin/accounts/auditentry/"), _accounts_up_to)
    assert AuditEntry.objects.count() >= 50


def test_the_helper_fails_a_page_that_queries_per_row(db):
    def n_plus_one():
        return [entry.account.name for entry in AuditEntry.objects.all()]  # one query per row

    with pytest.raises(AssertionError, match="queries at 1 rows but"):
        assert_constant_queries(n_plus_one, _accounts_up_to, few=1, many=5)


def test_staff_users_cannot_enter_the_admin_site(client_admin_a):
    response = client_admin_a.get("/admin/accounts/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
