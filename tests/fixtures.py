"""Fixtures for every test (loaded by the root conftest.py): two populated accounts, A and B,
each with an Administrator and a User, and signed-in clients.

Clients carry the right Host, so the tenant middleware runs as it does in production.
"""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.actors import PLATFORM
from accounts.registry import app_modules
from accounts.services import create_account
from accounts.sessions import SESSION_HOST_KEY
from users.models import User
from users.services import create_user

from .leaks import nothing_personal_leaves, production_log_level  # noqa: F401 (autouse)

PANEL_HOST = "testserver"
PASSWORD = "Correct-Horse-42!"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (the portal host cache holds rows of earlier tests)."""
    cache.clear()
    yield
    cache.clear()


def signed_in_client(user, host: str = PANEL_HOST) -> Client:
    """A client whose session belongs to ``user`` and was begun on ``host``."""
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    session = client.session
    session[SESSION_HOST_KEY] = host
    session.save()
    return client


def _account(name, email, currency, balance):
    return create_account(
        name=name, email=email, currency=currency, balance=Decimal(balance), time_zone="UTC"
    )


@pytest.fixture
def account_a(db):
    return _account("Alpha Networks", "ops@alpha.test", "USD", "1138.17")


@pytest.fixture
def account_b(db):
    return _account("Bravo Carrier", "ops@bravo.test", "EUR", "99.50")


@pytest.fixture
def admin_a(account_a):
    return create_user(
        actor=PLATFORM,
        account=account_a,
        email="admin@alpha.test",
        password=PASSWORD,
        name="Ada Alpha",
        role=User.Role.ADMINISTRATOR,
    )


@pytest.fixture
def user_a(account_a):
    return create_user(
        actor=PLATFORM,
        account=account_a,
        email="user@alpha.test",
        password=PASSWORD,
        name="Uma Alpha",
        role=User.Role.USER,
    )


@pytest.fixture
def admin_b(account_b):
    return create_user(
        actor=PLATFORM,
        account=account_b,
        email="admin@bravo.test",
        password=PASSWORD,
        name="Bea Bravo",
        role=User.Role.ADMINISTRATOR,
    )


@pytest.fixture
def user_b(account_b):
    return create_user(
        actor=PLATFORM,
        account=account_b,
        email="user@bravo.test",
        password=PASSWORD,
        name="Bo Bravo",
        role=User.Role.USER,
    )


@pytest.fixture
def world(account_a, account_b, admin_a, user_a, admin_b, user_b):
    """Both accounts with their users and, from each app's ``<app>/tests/world.py``
    (``populate(world)``), that app's rows for both sides, keyed ``<thing>_a`` / ``<thing>_b``.
    """
    world = {
        "a": account_a,
        "b": account_b,
        "admin_a": admin_a,
        "user_a": user_a,
        "admin_b": admin_b,
        "user_b": user_b,
    }
    for hook in app_modules("tests.world"):
        hook.populate(world)
    return world


@pytest.fixture
def client_admin_a(admin_a):
    return signed_in_client(admin_a)


@pytest.fixture
def client_user_a(user_a):
    return signed_in_client(user_a)


@pytest.fixture
def client_admin_b(admin_b):
    return signed_in_client(admin_b)


@pytest.fixture
def client_user_b(user_b):
    return signed_in_client(user_b)


@pytest.fixture
def anonymous_client():
    return Client(HTTP_HOST=PANEL_HOST)
