"""The generated OpenAPI document: served to signed-in staff only, valid, listing every
operation; and Schemathesis, driving every operation from it with a valid token, finds no 5xx
and no answer that breaks the document."""

from contextlib import contextmanager

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from openapi_spec_validator import validate

from api.rest import api

EXPECTED = {
    ("get", "/api/v1/account"),
    ("patch", "/api/v1/account"),
    ("get", "/api/v1/audit-log"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{user_id}"),
    ("patch", "/api/v1/users/{user_id}"),
    ("delete", "/api/v1/users/{user_id}"),
    ("get", "/api/v1/groups"),
    ("post", "/api/v1/groups"),
    ("get", "/api/v1/groups/{group_id}"),
    ("patch", "/api/v1/groups/{group_id}"),
    ("delete", "/api/v1/groups/{group_id}"),
    ("get", "/api/v1/domains"),
    ("post", "/api/v1/domains"),
    ("get", "/api/v1/domains/{domain_id}"),
    ("post", "/api/v1/domains/{domain_id}/check"),
    ("get", "/api/v1/customers"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers/{customer_id}"),
    ("patch", "/api/v1/customers/{customer_id}"),
    ("post", "/api/v1/customers/{customer_id}/status"),
    ("get", "/api/v1/customers/{customer_id}/contacts"),
    ("post", "/api/v1/customers/{customer_id}/contacts"),
    ("get", "/api/v1/customers/{customer_id}/contacts/{contact_id}"),
    ("patch", "/api/v1/customers/{customer_id}/contacts/{contact_id}"),
    ("delete", "/api/v1/customers/{customer_id}/contacts/{contact_id}"),
    ("get", "/api/v1/cdr"),
    ("get", "/api/v1/cdr/export.csv"),
    ("get", "/api/v1/payments"),
    ("get", "/api/v1/payments/{payment_id}"),
    ("post", "/api/v1/payments/top-up"),
    ("get", "/api/v1/gateways"),
    ("post", "/api/v1/gateways"),
    ("get", "/api/v1/gateways/{gateway_id}"),
    ("patch", "/api/v1/gateways/{gateway_id}"),
    ("post", "/api/v1/gateways/{gateway_id}/verify"),
    ("get", "/api/v1/servers"),
    ("get", "/api/v1/servers/{server_id}"),
    ("post", "/api/v1/servers/{server_id}/health-check"),
    ("post", "/api/v1/servers/{server_id}/actions"),
    ("get", "/api/v1/usage/daily"),
}


def _operations(document) -> set:
    return {(method, path) for path, ops in document["paths"].items() for method in ops}


def test_the_document_is_for_signed_in_staff_only(world, client, client_admin_a, client_user_a):
    url = reverse("api:openapi-json")
    assert client.get(url).status_code == 401
    assert client.get(reverse("api:openapi-view")).status_code == 401
    assert client_user_a.get(url).status_code == 200
    docs = client_admin_a.get(reverse("api:openapi-view"))
    assert docs.status_code == 200
    # A token is for the API, not for its reference.
    bearer = {"Authorization": f"Bearer {world['api_token_text_a']}"}
    assert client.get(url, headers=bearer).status_code == 401


def test_the_document_is_valid_and_lists_every_operation(client_admin_a):
    document = client_admin_a.get(reverse("api:openapi-json")).json()
    validate(document)
    assert _operations(document) == EXPECTED
    for path, ops in document["paths"].items():
        for method, operation in ops.items():
            assert operation["security"] == [{"TokenAuth": []}], (method, path)
            assert {"400", "401", "403", "404", "429"} <= set(operation["responses"])


def test_input_schemas_refuse_unknown_fields():
    """Every request body of every operation (not a list kept by hand)."""
    document = api.get_openapi_schema()
    schemas = document["components"]["schemas"]
    bodies = set()
    for ops in document["paths"].values():
        for operation in ops.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                bodies.add(media["schema"]["$ref"].rsplit("/", 1)[1])
    assert {"UserCreate", "AccountPatch", "DomainCreate", "ContactPatch", "TopUp"} <= bodies
    for name in bodies:
        assert schemas[name]["additionalProperties"] is False, name


@pytest.mark.django_db(transaction=False)
def test_schemathesis_finds_no_server_error_and_no_broken_answer(world):
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = get_wsgi_application()
    headers = {"Authorization": f"Bearer {world['api_token_text_a']}", "Host": "testserver"}
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    seen = 0
    with _connections_kept_open():
        for result in schema.get_all_operations():
            operation = result.ok()

            @given(case=operation.as_strategy())
            @settings(
                max_examples=25,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(headers=headers, checks=checks)

            run()
            seen += 1
    assert seen == len(EXPECTED)


@contextmanager
def _connections_kept_open():
    """Schemathesis calls the WSGI application itself, whose request signals close the
    database connection (on PostgreSQL, the one holding the test's transaction); Django's
    test client disconnects them the same way."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in signals:
            signal.connect(close_old_connections)
