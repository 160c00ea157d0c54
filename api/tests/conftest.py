import json

import pytest
from django.test import Client

from accounts.actors import Actor
from api.services import create_token
from tests.fixtures import PANEL_HOST


class ApiClient:
    """Django's test client speaking JSON with a bearer token, on the panel host."""

    def __init__(self, token: str | None, ip: str = "127.0.0.1"):
        self.client = Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR=ip)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body=None, *, raw: bytes | str | None = None, **extra):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        send = getattr(self.client, method.lower())
        args = (path, data) if data is not None else (path,)
        return send(*args, headers=self.headers, **kwargs, **extra)

    def get(self, path, **query):
        return self.client.get(path, query, headers=self.headers)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def delete(self, path):
        return self.call("DELETE", path)


def make_token(user, scopes, **kwargs):
    token, text = create_token(
        actor=Actor(user, "127.0.0.1"), name=kwargs.pop("name", "test"), scopes=scopes, **kwargs
    )
    return token, text


@pytest.fixture
def api_a(world):
    return ApiClient(world["api_token_text_a"])


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]
