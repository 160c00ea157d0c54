"""The Customers search is served by indexes on PostgreSQL (portal 0002_search_trigram)."""

import secrets

import pytest
from django.db import connection

from portal.models import Contact, Customer
from portal.views_customers import CUSTOMERS

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


def test_the_customers_search_uses_the_trigram_indexes(account_a):
    words = [secrets.token_hex(8) for _ in range(3000)]
    customers = Customer.objects.bulk_create(
        Customer(account=account_a, name=word.title(), currency="USD") for word in words
    )
    Contact.objects.bulk_create(
        Contact(account=account_a, customer=c, name=c.name, email=f"{c.name.lower()}@c.test")
        for c in customers
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_customer")
        cursor.execute("ANALYZE portal_contact")
    plan = _plan(CUSTOMERS.search(Customer.objects.for_account(account_a), "qzxv"))
    assert "portal_customer_name_trgm" in plan
    assert "portal_contact_email_trgm" in plan
