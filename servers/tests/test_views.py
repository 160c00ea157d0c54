"""My Servers pages: the list (columns, search, sort, paging, query count), the detail page, the
config dialog with every bad input, and permissions."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import AuditEntry
from servers.models import Server, ServerStatus, ServerType, Zone
from tests.conftest import signed_in_client
from tests.querycount import assert_constant_queries

LIST = "/servers/"


def add_server(account, ip, **fields):
    values = {
        "type": ServerType.DISPATCHER,
        "alias": f"srv-{ip.replace('.', '-')}",
        "zone": Zone.AMSTERDAM,
        "status": ServerStatus.ACTIVE,
        "currency": account.currency,
    }
    values.update(fields)
    return Server.objects.create(account=account, ip_address=ip, **values)


def detail_url(server) -> str:
    return f"/servers/{server.pk}/"


# --- list ------------------------------------------------------------------------------------


def test_the_list_shows_every_column_of_the_accounts_servers(world, client_admin_a):
    response = client_admin_a.get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        ">IP<",
        ">Type<",
        ">Cluster<",
        ">Alias<",
        ">Zone<",
        ">CPS<",
        ">Channels<",
        ">Expires<",
        ">Status<",
        ">Cost/Month<",
        ">Health<",
    ):
        assert text in body, text
    server = world["server_a"]
    assert f'href="/servers/{server.pk}/">198.51.100.10</a>' in body
    assert 'badge--type-switch">Switch<' in body
    assert "alpha-lon" in body and "alpha-switch-1" in body and "Europe (London)" in body
    assert ">20</span>" in body and "<td>200</td>" in body
    assert "2030-01-31" in body  # the account's date format (Y-m-d)
    assert 'badge--ok">Active<' in body
    assert "$49.00" in body
    assert "health--ok" in body and "200 OK" in body and "13 ms" in body
    assert "203.0.113.20" not in body and "bravo-switch-1" not in body


def test_my_servers_replaces_the_placeholder_in_the_setup_menu(world, client_admin_a):
    body = client_admin_a.get(LIST).content.decode()
    assert "Not available yet" not in body
    assert 'href="/servers/" aria-current="page" class="is-active">My Servers' in body


def test_no_servers_says_the_platform_deploys_them(client_admin_a):
    body = client_admin_a.get(LIST).content.decode()
    assert "No servers yet. The platform deploys servers for your account." in body
    assert ">Add<" not in body and 'aria-label="Add server"' not in body


def test_refresh_is_offered_to_writers_and_delete_is_not(world, client_admin_a):
    body = client_admin_a.get(LIST).content.decode()
    assert 'formaction="/servers/refresh/"' in body
    assert "Delete selected" not in body
    assert 'name="selected"' in body


def test_the_list_has_a_search_box(world, client_admin_a):
    body = client_admin_a.get(LIST, {"q": "alpha"}).content.decode()
    assert 'role="search"' in body
    assert 'name="q" value="alpha" placeholder="Search servers"' in body


def test_search_by_ip_alias_zone_type_and_status(world, client_admin_a):
    add_server(world["a"], "192.0.2.77", alias="edge-sg", zone=Zone.SINGAPORE)
    add_server(world["a"], "192.0.2.78", alias="rtp-blr", type=ServerType.RTP, zone=Zone.BENGALURU)
    add_server(world["a"], "192.0.2.79", alias="old-one", status=ServerStatus.EXPIRED)

    def found(query):
        body = client_admin_a.get(LIST, {"q": query}).content.decode()
        return {
            ip for ip in ("198.51.100.10", "192.0.2.77", "192.0.2.78", "192.0.2.79") if ip in body
        }

    assert found("192.0.2.7") == {"192.0.2.77", "192.0.2.78", "192.0.2.79"}
    assert found("edge") == {"192.0.2.77"}
    assert found("singapore") == {"192.0.2.77"}
    assert found("RTP") == {"192.0.2.78"}
    assert found("expired") == {"192.0.2.79"}
    assert found("alpha-lon") == {"198.51.100.10"}
    assert found("bravo") == set()
    assert (
        "Nothing matches “nothing-like-this”."
        in client_admin_a.get(LIST, {"q": "nothing-like-this"}).content.decode()
    )


def test_sort_by_each_sortable_column_both_ways(world, client_admin_a):
    add_server(world["a"], "192.0.2.5", alias="zz-last", cost_per_month=Decimal("1"))
    for key in ("ip", "type", "alias", "zone", "expires", "status", "cost"):
        for sort in (key, f"-{key}"):
            assert client_admin_a.get(LIST, {"sort": sort}).status_code == 200, sort
    body = client_admin_a.get(LIST, {"sort": "alias"}).content.decode()
    assert body.index("alpha-switch-1") < body.index("zz-last")
    body = client_admin_a.get(LIST, {"sort": "-alias"}).content.decode()
    assert body.index("zz-last") < body.index("alpha-switch-1")
    body = client_admin_a.get(LIST, {"sort": "cost"}).content.decode()
    assert body.index("zz-last") < body.index("alpha-switch-1")
    assert client_admin_a.get(LIST, {"sort": "nonsense", "page": "x"}).status_code == 200


def test_the_list_pages_at_25(world, client_admin_a):
    for i in range(30):
        add_server(world["a"], f"192.0.2.{100 + i}", alias=f"p{i:02}")
    body = client_admin_a.get(LIST, {"sort": "alias", "page": "2"}).content.decode()
    assert "Page 2 of 2" in body and "31 in all" in body
    assert "p29" in body and "alpha-switch-1" not in body


def test_list_query_count_does_not_grow_with_rows(world, client_admin_a):
    def add_rows(count):
        existing = Server.objects.for_account(world["a"]).count()
        for i in range(existing, count):
            add_server(
                world["a"],
                f"192.0.2.{i}",
                status=[ServerStatus.ACTIVE, ServerStatus.STOPPED, ServerStatus.EXPIRED][i % 3],
                expires=datetime.date(2031, 1, 1) if i % 2 else None,
                last_check_summary="200 OK",
                last_check_outcome="ok",
                last_check_rtt_ms=3.2,
            )

    def render():
        assert client_admin_a.get(LIST).status_code == 200

    assert_constant_queries(render, add_rows, few=1, many=25)


# --- detail ----------------------------------------------------------------------------------


def test_detail_shows_summary_config_actions_and_histories(world, client_admin_a):
    server = world["server_a"]
    body = client_admin_a.get(detail_url(server)).content.decode()
    assert '<h1 class="card__title" id="server-title">alpha-switch-1</h1>' in body
    assert "<code>198.51.100.10:5060</code> UDP" in body
    assert "<code>sw1.alpha-voip.test</code>" in body
    assert '<span class="chip">5060</span> <span class="chip">5080</span>' in body
    assert "flags__item--on" in body and "Global SIP trace" in body
    assert "Disable topology hiding" in body
    for action in ("Start Server", "Stop Server", "Restart Server", "Reactivate Server"):
        assert action in body
    assert "Start is only possible when the server is Stopped; it is Active." in body
    assert "Operations" in body and "Recorded: the server is Active." in body
    assert "Health check history" in body and "alpha-switch-1 SIP server" in body
    assert f'href="/servers/{server.pk}/config/"' in body
    assert "waiting at most 2 s" in body


def test_detail_history_query_count_does_not_grow(world, client_admin_a):
    from servers.models import HealthCheck, Operation

    server = world["server_a"]
    template_op = Operation.objects.for_account(world["a"]).get(server=server)
    template_check = HealthCheck.objects.for_account(world["a"]).get(server=server)

    def add_rows(count):
        for _ in range(Operation.objects.for_account(world["a"]).count(), count):
            template_op.pk = None
            template_op.save()
            template_check.pk = None
            template_check.checked_by = world["admin_a"]
            template_check.save()

    def render():
        assert client_admin_a.get(detail_url(server)).status_code == 200

    assert_constant_queries(render, add_rows, few=1, many=15)


def test_a_read_only_user_sees_the_server_but_no_actions(world, admin_a):
    admin_a.read_only = True
    admin_a.save()
    client = signed_in_client(admin_a)
    body = client.get(detail_url(world["server_a"])).content.decode()
    assert "alpha-switch-1" in body
    assert "Actions" not in body and ">Health check</button>" not in body
    assert f"/servers/{world['server_a'].pk}/config/" not in body
    body = client.get(LIST).content.decode()
    assert 'name="selected"' not in body and 'href="/servers/" title="Refresh"' in body


def test_a_user_without_the_module_is_refused(world, client_user_a):
    assert client_user_a.get(LIST).status_code == 403
    assert client_user_a.get(detail_url(world["server_a"])).status_code == 403


def test_another_accounts_server_is_a_404(world, client_admin_a):
    server_b = world["server_b"]
    for suffix in ("", "config/", "operate/", "check/"):
        assert client_admin_a.get(f"/servers/{server_b.pk}/{suffix}").status_code == 404
        assert client_admin_a.post(f"/servers/{server_b.pk}/{suffix}").status_code == 404


def test_detail_answers_only_get(world, client_admin_a):
    assert client_admin_a.post(detail_url(world["server_a"])).status_code == 405


# --- config ----------------------------------------------------------------------------------


def config_data(**overrides):
    data = {
        "udp_ports": "5060, 5080",
        "tcp_ports": "5060",
        "global_sip_trace": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_config_form_starts_with_the_servers_values(world, client_admin_a):
    server = world["server_a"]
    body = client_admin_a.get(f"/servers/{server.pk}/config/").content.decode()
    assert 'value="5060, 5080"' in body
    assert 'name="global_sip_trace" id="id_global_sip_trace" checked' in body
    assert "Whole numbers from 1 to 65535" in body


def test_saving_the_config_changes_ports_and_flags_and_audits_before_and_after(
    world, client_admin_a
):
    server = world["server_a"]
    response = client_admin_a.post(
        f"/servers/{server.pk}/config/",
        config_data(
            udp_ports="5090 5060;5080",
            tcp_ports="5061, 5060",
            global_sip_trace=None,
            webrtc="on",
            tls="on",
        ),
    )
    assert response.status_code == 302 and response["Location"] == detail_url(server)
    server.refresh_from_db()
    assert server.udp_ports == [5060, 5080, 5090]
    assert server.tcp_ports == [5060, 5061]
    assert server.webrtc and server.tls and not server.global_sip_trace
    assert server.restart_needed  # Active: the change waits for a restart
    entry = AuditEntry.objects.get(event="server.config_updated")
    assert entry.actor == world["admin_a"] and entry.account == world["a"]
    assert entry.changes == {
        "udp_ports": [[5060, 5080], [5060, 5080, 5090]],
        "tcp_ports": [[5060], [5060, 5061]],
        "global_sip_trace": [True, False],
        "webrtc": [False, True],
        "tls": [False, True],
    }
    page = client_admin_a.get(detail_url(server)).content.decode()
    assert "Restart the server to apply it." in page


def test_saving_an_unchanged_config_audits_nothing(world, client_admin_a):
    server = world["server_a"]
    response = client_admin_a.post(f"/servers/{server.pk}/config/", config_data(), follow=True)
    assert "Nothing changed in the server config." in response.content.decode()
    assert not AuditEntry.objects.filter(event="server.config_updated").exists()


def test_empty_port_lists_are_allowed(world, client_admin_a):
    server = world["server_a"]
    client_admin_a.post(f"/servers/{server.pk}/config/", config_data(tcp_ports=""))
    server.refresh_from_db()
    assert server.tcp_ports == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("udp_ports", "5060, sip", "“sip” is not a port number"),
        ("udp_ports", "5060 5060", "5060 is listed twice."),
        ("udp_ports", "0", "0 is out of range: a port is from 1 to 65535."),
        ("tcp_ports", "65536", "65536 is out of range"),
        ("tcp_ports", "-5", "“-5” is not a port number"),
        ("tcp_ports", "5060.5", "“5060.5” is not a port number"),
        ("tcp_ports", "٥٠٦٠", "is not a port number"),
        ("udp_ports", " ".join(str(p) for p in range(1000, 1070)), "List at most 64 ports."),
    ],
)
def test_bad_ports_are_refused_next_to_the_field_and_nothing_changes(
    world, client_admin_a, field, value, message
):
    server = world["server_a"]
    response = client_admin_a.post(
        f"/servers/{server.pk}/config/", config_data(**{field: value}, webrtc="on")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_errors"' in body and message in body
    assert f'value="{value}"' in body  # what was typed is kept
    assert 'name="webrtc" id="id_webrtc" checked' in body
    before = Server.objects.for_account(world["a"]).get(pk=server.pk)
    assert before.udp_ports == [5060, 5080] and before.tcp_ports == [5060]
    assert before.webrtc is False
    assert not AuditEntry.objects.filter(event="server.config_updated").exists()


def test_every_port_problem_is_listed_at_once(world, client_admin_a):
    server = world["server_a"]
    body = client_admin_a.post(
        f"/servers/{server.pk}/config/", config_data(udp_ports="x 0 70000 5060 5060")
    ).content.decode()
    for message in ("“x” is not", "0 is out of range", "70000 is out of range", "5060 is listed"):
        assert message in body


def test_the_config_dialog_is_a_fragment_for_the_dialog_script(world, client_admin_a):
    server = world["server_a"]
    body = client_admin_a.get(f"/servers/{server.pk}/config/", HTTP_X_DIALOG="1").content.decode()
    assert "<html" not in body and "data-close-dialog" in body


def test_a_read_only_user_cannot_change_the_config(world, admin_a):
    admin_a.read_only = True
    admin_a.save()
    client = signed_in_client(admin_a)
    server = world["server_a"]
    response = client.post(f"/servers/{server.pk}/config/", config_data(udp_ports="5070"))
    assert response.status_code == 403
    server.refresh_from_db()
    assert server.udp_ports == [5060, 5080]
