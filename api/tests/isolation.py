"""Isolation-crawler entries for the API tokens tab. The REST API's own URLs (namespace "api")
are walked by api/tests/test_isolation.py with account A's token and B's ids."""

from tests.isolation import page, tenant_object

ENTRIES = {
    "api_tokens:list": page(),
    "api_tokens:add": page(),
    "api_tokens:revoke": tenant_object(lambda world, side: {"pk": world[f"api_token_{side}"].pk}),
}
