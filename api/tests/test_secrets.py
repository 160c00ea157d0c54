"""No REST API answer carries a stored secret: with a known value in every encrypted field of
account A's rows, every GET operation of the OpenAPI document, read with A's token on A's own
objects, answers without any of them (gateway keys are write-only)."""

import pytest

from api.rest import api
from tests.isolation import body_text, finish, set_secrets

from .conftest import ApiClient
from .test_isolation import OBJECTS


def _reads():
    return [p for p, ops in api.get_openapi_schema()["paths"].items() if "get" in ops]


@pytest.mark.parametrize("path", _reads())
def test_no_api_answer_carries_a_stored_secret(world, path):
    secrets = set_secrets(world["a"])
    assert secrets
    for part in path.split("/"):
        if part.startswith("{"):
            path = path.replace(part, str(OBJECTS[part[1:-1]](world, "a")))
    response = ApiClient(world["api_token_text_a"]).call("GET", path)
    assert response.status_code < 500, (path, response.status_code)
    body = body_text(response)
    finish(response)
    assert not [s for s in secrets if s in body], path
