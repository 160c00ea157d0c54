"""Turning two-factor login on for a test user, the way the set-up page does (services), and
signing in through both steps with the test client."""

from django.test import Client

from accounts.actors import Actor
from tests.fixtures import PANEL_HOST, PASSWORD
from users.services_two_factor import enable

from .totp import code_for

KEY = "00112233445566778899aabbccddeeff00112233"


def turn_on(user, key: str = KEY) -> list[str]:
    """Two-factor login on for ``user`` with ``key``; returns their ten backup codes."""
    codes = enable(Actor(user, "10.0.0.1"), key_hex=key, code=code_for(key, step=30))
    user.refresh_from_db()
    return codes


def password_step(email: str, *, ip: str = "10.0.0.1", client=None, agent: str = "Browser A"):
    client = client or Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    response = client.post("/login/", {"email": email, "password": PASSWORD})
    return client, response


def code_step(client, code: str, *, backup: bool = False, **extra):
    data = {"code": code, **extra}
    if backup:
        data["method"] = "backup"
    return client.post("/login/code/", data)
