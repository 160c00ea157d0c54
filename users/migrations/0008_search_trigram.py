"""Trigram indexes for the Users search on PostgreSQL.

The search is a contains-match (``icontains``), which PostgreSQL compiles to
``UPPER(col::text) LIKE UPPER('%q%')``: a B-tree cannot serve it, so every search scanned the
account's users. A GIN index over the same expression with ``gin_trgm_ops`` can. SQLite has no
such index (the search scans there, which is fine at its scale). Where the database refuses to
create the pg_trgm extension (a managed server without the privilege), the migration goes on
without the indexes and says so: the search still works, only slower. ``fastupdate = off``: new
users go straight into the index rather than a pending list the planner distrusts (users are
written rarely; searched often).
"""

from django.db import migrations, transaction

INDEXES = {
    "users_user_name_trgm": 'UPPER("name"::text) gin_trgm_ops',
    "users_user_email_trgm": 'UPPER("email"::text) gin_trgm_ops',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # noqa: BLE001 (any refusal: the indexes are an optimisation)
        print(f"\n  pg_trgm is not available ({exc}); the Users search will scan.")
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "users_user" USING gin ({expression})'
            " WITH (fastupdate = off)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("users", "0007_passkeys")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
