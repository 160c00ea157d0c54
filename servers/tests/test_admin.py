"""The platform deploys servers in Django's admin; operations and checks are read only there."""

import pytest
from django.test import Client

from accounts.sessions import SESSION_HOST_KEY
from servers.models import Server
from tests.conftest import PASSWORD
from tests.querycount import assert_constant_queries
from users.models import User


@pytest.fixture
def platform_client(db):
    root = User.objects.create_superuser("root@platform.test", PASSWORD)
    client = Client()
    client.force_login(root)
    session = client.session
    session[SESSION_HOST_KEY] = "testserver"
    session.save()
    return client


def server_form(account, **overrides):
    data = {
        "account": str(account.pk),
        "ip_address": "192.0.2.50",
        "alias": "sip-new-1",
        "type": "switch",
        "cluster": "",
        "zone": "eu-london",
        "fqdn": "sip-new-1.example.net",
        "cps": "20",
        "channels": "200",
        "cost_per_month": "49.00",
        "currency": "USD",
        "signalling_port": "5060",
        "signalling_transport": "udp",
        "status": "pending",
        "expires": "2031-01-31",
        "udp_ports": "[5060]",
        "tcp_ports": "[]",
        "operations-TOTAL_FORMS": "0",
        "operations-INITIAL_FORMS": "0",
        "operations-MIN_NUM_FORMS": "0",
        "operations-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_the_platform_creates_a_server_in_the_admin(world, platform_client):
    response = platform_client.post("/admin/servers/server/add/", server_form(world["a"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    server = Server.objects.for_account(world["a"]).get(ip_address="192.0.2.50")
    assert server.status == "pending" and server.udp_ports == [5060]


@pytest.mark.parametrize(
    ("ports", "message"),
    [("[0]", "0 is out of range"), ("[5060, 5060]", "5060 is listed twice."), ('["x"]', "whole")],
)
def test_the_admin_refuses_bad_port_lists(world, platform_client, ports, message):
    response = platform_client.post(
        "/admin/servers/server/add/", server_form(world["a"], udp_ports=ports)
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Server.all_accounts.filter(ip_address="192.0.2.50").exists()


def test_the_admin_server_list_is_constant(world, platform_client):
    def add_rows(count):
        for i in range(Server.all_accounts.count(), count):
            Server.objects.create(account=world["b"], ip_address=f"192.0.2.{i}")

    def render():
        assert platform_client.get("/admin/servers/server/").status_code == 200

    assert_constant_queries(render, add_rows, few=3, many=30)


def test_the_admin_shows_a_server_with_its_operations(world, platform_client):
    server = world["server_a"]
    body = platform_client.get(f"/admin/servers/server/{server.pk}/change/").content.decode()
    assert "Recorded: the server is Active." in body
    assert platform_client.get("/admin/servers/operation/").status_code == 200
    assert platform_client.get("/admin/servers/healthcheck/").status_code == 200
    assert platform_client.get("/admin/servers/healthcheck/add/").status_code == 403
