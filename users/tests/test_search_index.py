"""The Users search is served by an index on PostgreSQL (users/migrations/0008_search_trigram)."""

import secrets

import pytest
from django.db import connection

from users.models import User
from users.views_manage import USERS

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"
)


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Whether the index *can* serve the search, not whether this small table is worth it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_users_search_uses_the_trigram_indexes(account_a, admin_a):
    # At the scale the indexes are for (the planner scans a small table whatever its indexes).
    User.objects.bulk_create(
        User(account=account_a, email=f"{word}@alpha.test", name=word.title())
        for word in (secrets.token_hex(8) for _ in range(5000))
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE users_user")
    plan = _plan(USERS.search(User.objects.for_account(account_a), "qzxv"))
    assert "users_user_name_trgm" in plan
    assert "users_user_email_trgm" in plan
