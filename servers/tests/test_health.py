"""The Health check button, the list's refresh and the periodic command, against local SIP
responders on loopback (and one run against SIPp, an independent SIP implementation)."""

import os
import shutil
import socket
import subprocess
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.actors import PLATFORM, Actor
from accounts.metrics import SIP_HEALTH_CHECKS
from accounts.models import AuditEntry
from servers import health, services
from servers.models import HealthCheck, Server
from tests.conftest import signed_in_client
from tests.fakes.sip_server import FakeSipServer, answer, decoy_first, silent

KAMAILIO = "kamailio (5.7.4 (x86_64/linux))"


def point_at(server, responder) -> Server:
    """The platform moves the server's record to the responder's loopback address."""
    Server.objects.for_account(server.account).filter(pk=server.pk).update(
        ip_address=responder.host, signalling_port=responder.port
    )
    server.refresh_from_db()
    return server


def check(client, server, **extra):
    return client.post(f"/servers/{server.pk}/check/", extra, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_health_check_reports_200_with_the_server_header_and_rtt(world, client_admin_a, sip_server):
    sip_server.behave(answer(200, "OK", server=KAMAILIO))
    server = point_at(world["server_a"], sip_server)
    response = check(client_admin_a, server)
    (message,) = messages_of(response)
    assert message.startswith(
        f"Health check of alpha-switch-1 (127.0.0.1:{sip_server.port}): "
        f"200 OK, Server: {KAMAILIO}, "
    )
    assert message.endswith(" ms.")
    latest = HealthCheck.objects.for_account(world["a"]).filter(server=server).first()
    assert latest.outcome == "ok" and latest.summary == "200 OK" and latest.status_code == 200
    assert latest.server_header == KAMAILIO and latest.checked_by == world["admin_a"]
    assert latest.target == f"127.0.0.1:{sip_server.port}" and latest.transmissions == 1
    server.refresh_from_db()
    assert server.last_check_outcome == "ok" and server.last_check_rtt_ms == latest.rtt_ms
    body = response.content.decode()
    last = body[body.index('id="last-check"') :]
    assert "200 OK" in last and KAMAILIO in last and latest.rtt_text in last
    entry = AuditEntry.objects.get(event="server.health_checked")
    assert entry.actor == world["admin_a"] and entry.data["result"] == "200 OK"
    assert entry.data["server_header"] == KAMAILIO


def test_health_check_reports_503(
    world, client_admin_a, sip_server, django_capture_on_commit_callbacks
):
    sip_server.behave(answer(503, "Service Unavailable"))
    server = point_at(world["server_a"], sip_server)
    errors, ok = SIP_HEALTH_CHECKS.value(result="error"), SIP_HEALTH_CHECKS.value(result="ok")
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = messages_of(check(client_admin_a, server))
    assert SIP_HEALTH_CHECKS.value(result="error") == errors + 1
    assert SIP_HEALTH_CHECKS.value(result="ok") == ok
    assert ": 503 Service Unavailable, " in message
    server.refresh_from_db()
    assert server.last_check_outcome == "error" and server.health_tone == "bad"


def test_health_check_reports_no_reply_within_2_seconds(world, client_admin_a, sip_server):
    sip_server.behave(silent)
    server = point_at(world["server_a"], sip_server)
    started = time.monotonic()
    response = check(client_admin_a, server)
    assert time.monotonic() - started < 3.5  # 2 s of waiting, the rest a loaded machine
    (message,) = messages_of(response)
    assert message == (
        f"Health check of alpha-switch-1 (127.0.0.1:{sip_server.port}): no reply in 2 s."
    )
    latest = HealthCheck.objects.for_account(world["a"]).filter(server=server).first()
    assert latest.outcome == "timeout" and latest.rtt_ms is None and latest.transmissions == 3
    body = client_admin_a.get("/servers/").content.decode()
    assert "health--bad" in body and "no reply in 2 s" in body


def test_health_check_ignores_a_mismatched_reply_first(world, client_admin_a, sip_server):
    sip_server.behave(decoy_first(answer(200, "OK", server=KAMAILIO)))
    server = point_at(world["server_a"], sip_server)
    (message,) = messages_of(check(client_admin_a, server))
    assert ": 200 OK, Server: " in message


def test_the_check_goes_to_the_platforms_record_not_to_posted_input(
    world, client_admin_a, sip_server
):
    other = FakeSipServer().start()
    try:
        server = point_at(world["server_a"], sip_server)
        check(client_admin_a, server, ip_address="127.0.0.1", port=str(other.port), next="/x")
        assert len(sip_server.requests) == 1 and other.requests == []
    finally:
        other.stop()


def test_next_may_only_point_inside_the_panel(world, client_admin_a, sip_server):
    server = point_at(world["server_a"], sip_server)
    response = client_admin_a.post(
        f"/servers/{server.pk}/check/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/servers/{server.pk}/"


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.20.30.40",
        "172.16.0.5",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fd00::5",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
    ],
)
@override_settings(SIP_ALLOW_PRIVATE_TARGETS=False)
def test_private_loopback_and_link_local_targets_are_refused(ip):
    assert "private, loopback or link-local" in health.refusal(ip)


UNSPECIFIED = "0.0.0.0"  # noqa: S104 (an address to refuse, not one to bind)


@pytest.mark.parametrize("ip", [UNSPECIFIED, "224.0.0.1", "255.255.255.255", "ff02::1", "::"])
def test_multicast_broadcast_and_unspecified_are_refused_even_when_private_is_allowed(ip):
    assert health.refusal(ip).endswith("is not the address of one server.")


@pytest.mark.parametrize("ip", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
@override_settings(SIP_ALLOW_PRIVATE_TARGETS=False)
def test_public_targets_are_allowed(ip):
    assert health.refusal(ip) == ""


@override_settings(SIP_ALLOW_PRIVATE_TARGETS=False)
def test_a_refused_target_gets_no_packet_and_says_why(world, client_admin_a, sip_server):
    server = point_at(world["server_a"], sip_server)
    (message,) = messages_of(check(client_admin_a, server))
    assert message == (
        f"Health check of alpha-switch-1 (127.0.0.1:{sip_server.port}): not sent: 127.0.0.1 is a "
        "private, loopback or link-local address: the health check only sends to public "
        "addresses."
    )
    time.sleep(0.1)
    assert sip_server.requests == []
    server.refresh_from_db()
    assert server.last_check_outcome == "refused" and server.health_tone == "neutral"


def test_a_read_only_user_cannot_run_a_check(world, admin_a, sip_server):
    admin_a.read_only = True
    admin_a.save()
    server = point_at(world["server_a"], sip_server)
    assert signed_in_client(admin_a).post(f"/servers/{server.pk}/check/").status_code == 403
    assert sip_server.requests == []


def test_a_result_for_a_server_whose_address_changed_meanwhile_is_dropped(world, sip_server):
    server = point_at(world["server_a"], sip_server)
    target = health.Target.of(server)
    result = health.check(target)
    Server.objects.for_account(world["a"]).filter(pk=server.pk).update(signalling_port=5999)
    assert (
        services.record_check(actor=PLATFORM, server=server, target=target, result=result) is None
    )


def test_the_history_keeps_the_last_50_checks(world, sip_server):
    server = point_at(world["server_a"], sip_server)
    target = health.Target.of(server)
    result = health.check(target)
    for _ in range(services.HISTORY_KEPT + 5):
        services.record_check(actor=PLATFORM, server=server, target=target, result=result)
    checks = HealthCheck.objects.for_account(world["a"]).filter(server=server)
    assert checks.count() == services.HISTORY_KEPT
    assert HealthCheck.objects.for_account(world["b"]).count() == 1  # B's untouched


# --- refresh: the selected servers, side by side ----------------------------------------------


def test_refresh_checks_the_selected_servers_in_parallel(world, client_admin_a):
    responders = [FakeSipServer(f"127.0.0.{i}").start() for i in (1, 2, 3)]
    try:
        # In list order (by IP) two silent servers come first: one after the other, the third
        # would be asked 4 s after the first; side by side, all within a moment.
        responders[0].behave(silent)
        responders[1].behave(answer(503, "Service Unavailable"))
        responders[2].behave(answer(200, "OK", server="three"))
        servers = [world["server_a"]]
        servers += [
            Server.objects.create(
                account=world["a"], ip_address=f"192.0.2.{i}", alias=f"extra-{i}", status="active"
            )
            for i in (1, 2)
        ]
        for server, responder in zip(servers, responders, strict=True):
            point_at(server, responder)
        response = client_admin_a.post(
            "/servers/refresh/",
            {"selected": [str(s.pk) for s in servers] + [str(world["server_b"].pk)]},
            follow=True,
        )
        first_arrivals = [r.requests[0][0] for r in responders]
        assert max(first_arrivals) - min(first_arrivals) < 1.0, first_arrivals
        assert messages_of(response) == [
            "Checked 3 servers: 1 answered OK. Not OK: alpha-switch-1 (no reply in 2 s), "
            "extra-1 (503 Service Unavailable)."
        ]
        body = response.content.decode()
        assert body.count("health--ok") == 1 and body.count("health--bad") == 2
        assert response.redirect_chain[-1][0] == "/servers/"
        assert HealthCheck.objects.for_account(world["b"]).count() == 1  # B's server untouched
    finally:
        for responder in responders:
            responder.stop()


def test_refresh_of_one_server_reports_it_in_full(world, client_admin_a, sip_server):
    sip_server.behave(answer(200, "OK", server="solo"))
    server = point_at(world["server_a"], sip_server)
    response = client_admin_a.post("/servers/refresh/", {"selected": [str(server.pk)]}, follow=True)
    (message,) = messages_of(response)
    assert "200 OK, Server: solo" in message


def test_refresh_with_nothing_selected_says_so(world, client_admin_a):
    response = client_admin_a.post("/servers/refresh/", {}, follow=True)
    assert messages_of(response) == ["Select the servers to check."]


def test_refresh_caps_the_number_checked_per_request(world, client_admin_a):
    ids = [str(i) for i in range(1, 30)]
    response = client_admin_a.post("/servers/refresh/", {"selected": ids}, follow=True)
    assert messages_of(response) == [
        "Check at most 25 servers at a time; every server is also checked regularly."
    ]


# --- the periodic check ----------------------------------------------------------------------


def test_check_servers_checks_every_server_of_every_account(world, sip_server):
    sip_server.behave(answer(200, "OK", server=KAMAILIO))
    point_at(world["server_a"], sip_server)
    point_at(world["server_b"], sip_server)
    out = StringIO()
    call_command("check_servers", stdout=out)
    text = out.getvalue()
    assert f"alpha-switch-1 (127.0.0.1:{sip_server.port}): 200 OK" in text
    assert f"bravo-switch-1 (127.0.0.1:{sip_server.port}): 200 OK" in text
    assert "Checked 2 servers: 2 answered OK, 0 not." in text
    for side in ("a", "b"):
        latest = HealthCheck.objects.for_account(world[side]).first()
        assert latest.checked_by is None and latest.summary == "200 OK"
    # The world's last result was OK already: no change, so no audit line per server per run.
    assert not AuditEntry.objects.filter(event="server.health_checked").exists()


def test_the_periodic_check_audits_a_change_of_outcome(world, sip_server):
    sip_server.behave(silent)
    point_at(world["server_a"], sip_server)
    Server.objects.for_account(world["b"]).delete()
    out = StringIO()
    call_command("check_servers", stdout=out)
    assert "OK → No reply" in out.getvalue()
    entry = AuditEntry.objects.get(event="server.health_checked")
    assert entry.actor is None and entry.account == world["a"]
    assert entry.data["result"] == "no reply in 2 s"


def test_the_periodic_task_counts_outcomes(world, sip_server):
    from servers.tasks import check_all_servers

    point_at(world["server_a"], sip_server)
    point_at(world["server_b"], sip_server)
    assert check_all_servers.call() == {"ok": 2}


# --- an independent peer: SIPp ---------------------------------------------------------------


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bound(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@pytest.fixture
def sipp(tmp_path):
    """``sipp -sn uas`` (Debian's sip-tester) on a free loopback port, answering OPTIONS (-aa)."""
    binary = shutil.which("sipp")
    if binary is None:
        reason = "sipp not found (apt install sip-tester)"
        if os.environ.get("REQUIRE_SIPP") == "1":
            pytest.fail(f"REQUIRE_SIPP=1 but {reason}")
        pytest.skip(reason)
    for _ in range(5):
        port = _free_udp_port()
        command = [binary, "-sn", "uas", "-aa", "-i", "127.0.0.1", "-p", str(port)]
        process = subprocess.Popen(  # noqa: S603 (sipp from PATH, fixed arguments)
            [*command, "-bind_local", "-nostdin", "-timeout", "60s"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and process.poll() is None and not _bound(port):
            time.sleep(0.05)
        if process.poll() is None and _bound(port):
            break
        process.kill()
        process.wait()
    else:
        pytest.fail("sipp did not start on a free port")
    yield port
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_health_check_against_sipp(world, client_admin_a, sipp):
    Server.objects.for_account(world["a"]).filter(pk=world["server_a"].pk).update(
        ip_address="127.0.0.1", signalling_port=sipp
    )
    server = world["server_a"]
    response = check(client_admin_a, server)
    (message,) = messages_of(response)
    assert message.startswith(f"Health check of alpha-switch-1 (127.0.0.1:{sipp}): 200 OK, ")
    latest = HealthCheck.objects.for_account(world["a"]).filter(server=server).first()
    assert latest.outcome == "ok" and latest.status_code == 200
    assert latest.server_header == ""  # SIPp sends no Server header
    assert latest.rtt_ms < 1000


def test_the_service_rechecks_permission(world, sip_server):
    from django.core.exceptions import PermissionDenied

    world["user_a"].read_only = False
    with pytest.raises(PermissionDenied):
        services.check_server(actor=Actor(world["user_a"]), server=world["server_a"])
