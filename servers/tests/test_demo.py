"""Demo servers, and the SIP responder ``make run`` starts beside the panel for them."""

import io
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command

from accounts.models import Account
from servers import sip
from servers.management.commands.sip_responder import respond
from servers.models import Server, ServerStatus, ServerType


def _demo():
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_each_demo_account_gets_servers_of_every_type_in_several_zones(db):
    output = _demo()
    assert "Demo servers: 13 created." in output
    for account in Account.objects.all():
        servers = list(Server.objects.for_account(account))
        assert {s.type for s in servers} == set(ServerType.values)
        assert len({s.zone for s in servers}) >= 4
        assert [s.status for s in servers].count(ServerStatus.EXPIRED) == 1
        assert all(s.currency == account.currency for s in servers)
        local = next(s for s in servers if s.alias == "sip-local-demo")
        assert (str(local.ip_address), local.signalling_port) == ("127.0.0.1", 5070)
        for server in servers:
            server.full_clean()  # what the admin would accept


def test_the_demo_servers_are_created_once(db):
    _demo()
    count = Server.all_accounts.count()
    assert "Demo servers: 0 created." in _demo()
    assert Server.all_accounts.count() == count


def test_the_responder_answers_options_per_rfc_3261():
    request = sip.build_options(
        "127.0.0.1", 5070, ("127.0.0.1", 40000), txn := sip.Transaction.new()
    )
    reply = sip.parse_reply(respond(request))
    assert reply.status_line == "200 OK" and sip.matches(reply, txn)
    assert reply.header("server") == "VoIP-Console-Demo-Responder/1.0"
    assert ";tag=" in reply.header("to")
    assert respond(b"ACK sip:x SIP/2.0\r\n\r\n") is None
    assert respond(b"SIP/2.0 200 OK\r\n\r\n") is None
    assert respond(b"INVITE sip:x SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n").startswith(
        b"SIP/2.0 501 Not Implemented"
    )


def test_the_responder_command_answers_the_health_check():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 (this interpreter, our manage.py)
        [sys.executable, "manage.py", "sip_responder", "--port", str(port)],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert b"answering OPTIONS" in process.stdout.readline()
        started = time.monotonic()
        result = sip.options_ping("127.0.0.1", port, timeout=2)
        assert result.summary == "200 OK", result
        assert result.server == "VoIP-Console-Demo-Responder/1.0"
        assert time.monotonic() - started < 1.5
    finally:
        process.kill()
        process.wait()
