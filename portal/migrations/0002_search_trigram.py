"""Trigram indexes for the Customers search on PostgreSQL.

The Customers search (``portal.views_customers.search_customers``) is a contains-match on the
customer's name or the e-mail of one of its contacts. ``icontains`` compiles to
``UPPER(col::text) LIKE UPPER('%q%')`` on PostgreSQL, which a B-tree cannot serve, so every search
scanned the account's customers and contacts. GIN indexes over the same expressions with
``gin_trgm_ops`` can (as users/migrations/0008_search_trigram does for the Users search). SQLite
has no such index: there the search scans, which is fine at its scale. Where the database refuses
to create the pg_trgm extension, the migration goes on without the indexes and says so.
"""

from django.db import migrations, transaction

INDEXES = {
    "portal_customer_name_trgm": ("portal_customer", 'UPPER("name"::text) gin_trgm_ops'),
    "portal_contact_email_trgm": ("portal_contact", 'UPPER("email"::text) gin_trgm_ops'),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # noqa: BLE001 (any refusal: the indexes are an optimisation)
        print(f"\n  pg_trgm is not available ({exc}); the Customers search will scan.")
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression})'
            " WITH (fastupdate = off)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_customers_contacts_cdr_rate_cards")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
