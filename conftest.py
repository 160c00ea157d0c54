"""Root conftest: the shared fixtures (tests/fixtures.py) reach the tests of every app."""

from tests.fixtures import *  # noqa: F403
