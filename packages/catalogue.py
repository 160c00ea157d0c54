"""The seeded catalogue, applied again on demand: the demo and the tests' world call it, since a
test that flushes the database (browser tests) also removes what the data migration seeded."""

import importlib

from django.apps import apps


def seed_catalogue() -> None:
    """Create the packages of a fresh install that are missing (by name); change none."""
    migration = importlib.import_module("packages.migrations.0002_seed_catalogue")
    migration.seed(apps, None)
