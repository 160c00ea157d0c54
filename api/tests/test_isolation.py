"""The isolation crawler for the REST API: every operation of the OpenAPI document, with account
A's token (every scope its Administrator holds). Operations naming an object are sent B's ids:
each answers 404 exactly like an id that does not exist, and B's rows are unchanged. Lists show
nothing of B. A new path parameter without an entry in ``OBJECTS`` fails the test."""

import json

import pytest

from api.rest import api
from tests.isolation import tenant_rows

from .conftest import ApiClient

# Path parameter → the world's object of each side.
OBJECTS = {
    "user_id": lambda world, side: world[f"user_{side}"].pk,
    "group_id": lambda world, side: world[f"group_{side}"].pk,
    "domain_id": lambda world, side: world[f"portal_domain_{side}"].pk,
    "customer_id": lambda world, side: world[f"customer_{side}"].pk,
    "contact_id": lambda world, side: world[f"contact_{side}"].pk,
    "payment_id": lambda world, side: world[f"payment_{side}"].pk,
    "gateway_id": lambda world, side: world[f"gateway_{side}"].pk,
    "server_id": lambda world, side: world[f"server_{side}"].pk,
}
MISSING_ID = 2**62
BODIES = {"patch": {"name": "Taken over"}, "post": {}, "delete": None, "get": None}
# A valid body where the method's default is not one (the body is read before the id is).
PATH_BODIES = {
    ("post", "/api/v1/customers/{customer_id}/status"): {"action": "suspend"},
    ("post", "/api/v1/servers/{server_id}/actions"): {"action": "stop"},
    ("post", "/api/v1/customers/{customer_id}/contacts"): {
        "name": "Taken over",
        "email": "taken@over.test",
        "password": "Correct-Horse-Battery-9",
    },
}


def _operations():
    document = api.get_openapi_schema()
    return [(m, p) for p, ops in document["paths"].items() for m in ops]


def test_every_path_parameter_has_an_entry():
    params = {
        part[1:-1] for _, path in _operations() for part in path.split("/") if part.startswith("{")
    }
    assert params <= set(OBJECTS), sorted(params - set(OBJECTS))


@pytest.mark.parametrize(("method", "path"), _operations())
def test_account_a_token_cannot_reach_account_b(world, method, path):
    client = ApiClient(world["api_token_text_a"])
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    before = tenant_rows(world["b"])
    body = PATH_BODIES.get((method, path), BODIES[method])
    if names:
        url_b, url_missing = path, path
        for name in names:
            url_b = url_b.replace(f"{{{name}}}", str(OBJECTS[name](world, "b")))
            url_missing = url_missing.replace(f"{{{name}}}", str(MISSING_ID))
        b = client.call(method, url_b, body)
        missing = client.call(method, url_missing, body)
        assert b.status_code == 404, (method, url_b, b.content[:200])
        assert json.loads(b.content) == json.loads(missing.content)
    else:
        response = client.call(method, path, body)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = content.decode()
        for leak in (world["b"].name, world["admin_b"].email, world["user_b"].email):
            assert leak not in text, (method, path)
        assert world["group_b"].name not in text
        for leak in world.get("markers_b", []):
            assert leak not in text, (method, path, leak)
    assert tenant_rows(world["b"]) == before
