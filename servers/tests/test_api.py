"""The Servers REST API: the list with the panel's search and filters, one server with its
history, the health check against a local SIP responder, the actions and their rules."""

import pytest

from accounts.models import AuditEntry
from api.tests.conftest import ApiClient, error_of, make_token
from servers.models import Operation, Server, ServerStatus
from tests.fakes.sip_server import answer
from tests.querycount import assert_constant_queries

from .test_health import KAMAILIO, point_at

SERVERS = "/api/v1/servers"


@pytest.fixture
def api_a(world):
    return ApiClient(world["api_token_text_a"])


def test_list_search_filters_and_read(world, api_a):
    body = api_a.get(SERVERS).json()
    assert [s["alias"] for s in body["items"]] == ["alpha-switch-1"]
    assert (
        body["items"][0]["cost_per_month"] == "49.0000" and body["items"][0]["status"] == "active"
    )
    assert api_a.get(SERVERS, q="alpha-lon").json()["total"] == 1
    assert api_a.get(SERVERS, q="Frankfurt").json()["total"] == 0  # B's zone, not A's
    assert api_a.get(SERVERS, status="stopped").json()["total"] == 0
    assert api_a.get(SERVERS, zone="atlantis").status_code == 400

    one = api_a.get(f"{SERVERS}/{world['server_a'].pk}").json()
    assert one["health_checks"][0]["server_header"] == "alpha-switch-1 SIP server"
    assert one["operations"][0]["action"] == "restart"
    other = api_a.get(f"{SERVERS}/{world['server_b'].pk}")
    assert other.status_code == 404
    assert other.json() == api_a.get(f"{SERVERS}/{2**62}").json()


def test_health_check_sends_sip_options_now(world, api_a, sip_server):
    sip_server.behave(answer(200, "OK", server=KAMAILIO))
    server = point_at(world["server_a"], sip_server)
    response = api_a.post(f"{SERVERS}/{server.pk}/health-check")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["outcome"] == "ok" and body["status_code"] == 200
    assert body["server_header"] == KAMAILIO and body["target"] == f"127.0.0.1:{sip_server.port}"
    server.refresh_from_db()
    assert server.last_check_outcome == "ok"
    entry = AuditEntry.objects.for_account(world["a"]).get(event="server.health_checked")
    assert entry.data["via"] == "API token “automation a”"


def test_actions_follow_the_servers_rules(world, api_a):
    server = world["server_a"]
    path = f"{SERVERS}/{server.pk}/actions"
    response = api_a.post(path, {"action": "start"})  # it is Active already
    assert response.status_code == 409, response.json()
    assert error_of(response)["code"] == "conflict"
    response = api_a.post(path, {"action": "stop"})
    assert response.status_code == 202, response.json()
    assert response.json()["action"] == "stop"
    # Carried out in the background (on commit): meanwhile another action waits.
    response = api_a.post(path, {"action": "restart"})
    assert response.status_code == 409
    response = api_a.post(path, {"action": "wipe"})
    assert response.status_code == 400 and "action" in error_of(response)["fields"]
    assert Operation.objects.for_account(world["a"]).filter(server=server).count() == 2


def test_a_read_scope_cannot_check_or_operate(world):
    _, text = make_token(world["admin_a"], {"servers": "read"})
    client = ApiClient(text)
    server = world["server_a"]
    assert client.get(SERVERS).status_code == 200
    for path, body in [
        (f"{SERVERS}/{server.pk}/health-check", None),
        (f"{SERVERS}/{server.pk}/actions", {"action": "stop"}),
    ]:
        response = client.post(path, body)
        assert response.status_code == 403
        assert error_of(response)["fields"] == {"scope": ["servers:write"]}
    server.refresh_from_db()
    assert server.status == ServerStatus.ACTIVE
    assert Operation.objects.for_account(world["a"]).filter(server=server).count() == 1


def test_the_list_needs_a_fixed_number_of_queries(world, api_a):
    def add(n):
        for i in range(Server.objects.for_account(world["a"]).count(), n):
            Server.objects.create(account=world["a"], ip_address=f"198.51.100.{100 + i}")

    def fetch():
        response = api_a.get(SERVERS)
        assert response.status_code == 200
        return response

    assert_constant_queries(fetch, add, few=1, many=30)
