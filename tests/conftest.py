"""The fixtures live in tests/fixtures.py (loaded by the root conftest.py for every app)."""

from tests.fixtures import PANEL_HOST, PASSWORD, signed_in_client

__all__ = ["PANEL_HOST", "PASSWORD", "signed_in_client"]
