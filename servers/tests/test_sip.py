"""The SIP OPTIONS client against local SIP responders speaking UDP on loopback."""

import itertools
import re
import socket
import time

import pytest

from servers import sip
from tests.fakes.sip_server import (
    FakeSipServer,
    answer,
    decoy_first,
    drop_first,
    garbage_first,
    provisional_first,
    silent,
)

KAMAILIO = "kamailio (5.7.4 (x86_64/linux))"


def ping(server, timeout=2.0):
    return sip.options_ping(server.host, server.port, timeout=timeout)


def test_a_200_reply_reports_the_status_line_server_header_and_rtt(sip_server):
    sip_server.behave(answer(200, "OK", server=KAMAILIO))
    result = ping(sip_server)
    assert result.outcome == sip.OK
    assert result.summary == "200 OK" and result.status_code == 200
    assert result.server == KAMAILIO
    assert 0 < result.rtt_ms < 500
    assert result.transmissions == 1 and result.ignored == 0


def test_the_request_is_built_per_rfc_3261(sip_server):
    sip_server.behave(answer(200, "OK"))
    ping(sip_server)
    (_, raw, request), *_ = sip_server.requests
    assert raw.endswith(b"\r\n\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert request.method == "OPTIONS"
    assert request.uri == f"sip:127.0.0.1:{sip_server.port}"
    via = request.get("Via")
    assert re.fullmatch(r"SIP/2\.0/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK[0-9a-f]{24};rport", via), via
    assert request.get("Max-Forwards") == "70"
    assert re.fullmatch(r"<sip:health-check@127\.0\.0\.1>;tag=[0-9a-f]{12}", request.get("From"))
    assert request.get("To") == f"<sip:127.0.0.1:{sip_server.port}>"  # no tag outside a dialog
    assert re.fullmatch(r"[0-9a-f]{32}", request.get("Call-ID"))
    assert request.get("CSeq") == "1 OPTIONS"
    assert request.get("Content-Length") == "0"
    assert request.get("Contact").startswith("<sip:health-check@127.0.0.1:")
    assert request.get("User-Agent") == sip.USER_AGENT


def test_each_check_is_a_new_transaction(sip_server):
    ping(sip_server)
    ping(sip_server)
    first, second = (r for _, _, r in sip_server.requests)
    for header in ("Call-ID", "Via", "From"):
        assert first.get(header) != second.get(header), header


def test_a_503_reply_is_reported_as_a_server_error(sip_server):
    sip_server.behave(answer(503, "Service Unavailable", server="OpenSIPS (3.4.2)"))
    result = ping(sip_server)
    assert result.outcome == sip.ERROR
    assert result.summary == "503 Service Unavailable"
    assert result.server == "OpenSIPS (3.4.2)"
    assert result.rtt_ms is not None


def test_a_4xx_reply_means_up_but_refusing(sip_server):
    sip_server.behave(answer(405, "Method Not Allowed"))
    result = ping(sip_server)
    assert result.outcome == sip.ANSWERED and result.summary == "405 Method Not Allowed"


def test_silence_times_out_within_the_deadline_after_timer_e_retransmits(sip_server):
    sip_server.behave(silent)
    started = time.monotonic()
    result = ping(sip_server)
    elapsed = time.monotonic() - started
    assert result.outcome == sip.TIMEOUT
    assert result.summary == "no reply in 2 s"
    assert result.status_code is None and result.rtt_ms is None
    assert 1.95 <= elapsed < 2.5, elapsed
    # Timer E: sent at 0, T1 (0.5 s) and 3·T1 (1.5 s); the next (3.5 s) is past the deadline.
    assert result.transmissions == 3
    times = [t for t, _, _ in sip_server.requests]
    assert len(times) == 3
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] == pytest.approx(0.5, abs=0.2) and gaps[1] == pytest.approx(1.0, abs=0.2)
    raws = {raw for _, raw, _ in sip_server.requests}
    assert len(raws) == 1  # a retransmission is the same request (same branch, same Call-ID)


def test_a_reply_with_another_call_id_is_ignored_and_the_right_one_counts(sip_server):
    sip_server.behave(decoy_first(answer(200, "OK", server=KAMAILIO)))
    result = ping(sip_server)
    assert result.outcome == sip.OK and result.summary == "200 OK"  # not the decoy's 503
    assert result.ignored == 1


@pytest.mark.parametrize(
    "decoy",
    [
        {"branch": "z9hG4bKnot-ours"},
        {"cseq": "2 OPTIONS"},
        {"cseq": "1 INVITE"},
    ],
    ids=["other-branch", "other-cseq-number", "other-cseq-method"],
)
def test_replies_of_other_transactions_are_ignored(sip_server, decoy):
    sip_server.behave(decoy_first(answer(200, "OK"), **decoy))
    result = ping(sip_server)
    assert result.summary == "200 OK" and result.ignored == 1


def test_only_a_decoy_is_no_reply(sip_server):
    sip_server.behave(decoy_first(silent))
    result = ping(sip_server, timeout=0.8)
    assert result.outcome == sip.TIMEOUT and result.summary == "no reply in 0.8 s"
    assert result.ignored >= 1


def test_garbage_and_requests_on_the_socket_are_ignored(sip_server):
    sip_server.behave(garbage_first(answer(200, "OK")))
    result = ping(sip_server)
    assert result.summary == "200 OK" and result.ignored == 2


def test_a_lost_request_is_answered_after_the_retransmission(sip_server):
    sip_server.behave(drop_first(1, answer(200, "OK")))
    result = ping(sip_server)
    assert result.outcome == sip.OK
    assert result.transmissions == 2
    assert 450 <= result.rtt_ms < 1000  # measured from the first transmission


def test_a_provisional_reply_waits_for_the_final_one(sip_server):
    sip_server.behave(provisional_first(answer(200, "OK")))
    result = ping(sip_server)
    assert result.summary == "200 OK"


def test_only_a_provisional_reply_is_no_final_reply(sip_server):
    sip_server.behave(provisional_first(silent))
    started = time.monotonic()
    result = ping(sip_server, timeout=1.0)
    assert time.monotonic() - started < 1.5
    assert result.outcome == sip.TIMEOUT
    assert result.summary == "only 100 Trying, no final reply in 1 s"
    # After a provisional reply the request is resent only every T2 (4 s): not within 1 s.
    assert result.transmissions == 1


def test_user_agent_is_shown_when_there_is_no_server_header(sip_server):
    sip_server.behave(answer(200, "OK", user_agent="Asterisk PBX 20.5.0"))
    assert ping(sip_server).server == "Asterisk PBX 20.5.0"


def test_compact_header_names_are_understood(sip_server):
    sip_server.behave(answer(200, "OK", server="compact/1", compact=True))
    result = ping(sip_server)
    assert result.summary == "200 OK" and result.server == "compact/1"


def test_a_server_header_is_cleaned_and_cut(sip_server):
    sip_server.behave(answer(200, "OK", server="evil\x07bell " + "x" * 500))
    server = ping(sip_server).server
    assert "\x07" not in server and len(server) == sip.HEADER_LIMIT


def test_ipv6_loopback():
    try:
        server = FakeSipServer("::1").start()
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    try:
        server.behave(answer(200, "OK", server="v6"))
        result = sip.options_ping("::1", server.port, timeout=2)
        assert result.summary == "200 OK" and result.server == "v6"
        request = server.requests[0][2]
        assert request.uri == f"sip:[::1]:{server.port}"
        assert request.get("Via").startswith("SIP/2.0/UDP [::1]:")
    finally:
        server.stop()


def test_a_closed_port_is_no_reply():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = sip.options_ping("127.0.0.1", port, timeout=0.6)
    assert result.outcome == sip.TIMEOUT and result.summary == "no reply in 0.6 s"


def test_a_request_that_cannot_be_sent_says_why():
    result = sip.options_ping("127.0.0.1", 0, timeout=0.5)  # port 0 cannot be sent to
    assert result.outcome == sip.FAILED
    assert result.summary == "not sent: Invalid argument" and result.transmissions == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\n\r\n", (200, "OK")),
        (b"sip/2.0 486 Busy Here\nCSeq: 1 OPTIONS\n\n", (486, "Busy Here")),
        (b"SIP/2.0 200\r\n\r\n", (200, "")),
        (b"OPTIONS sip:a SIP/2.0\r\n\r\n", None),
        (b"SIP/2.0 99 Odd\r\n\r\n", None),
        (b"HTTP/1.1 200 OK\r\n\r\n", None),
        (b"", None),
    ],
)
def test_parse_reply(data, expected):
    reply = sip.parse_reply(data)
    assert (None if reply is None else (reply.status_code, reply.reason)) == expected


def test_folded_headers_are_joined():
    reply = sip.parse_reply(b"SIP/2.0 200 OK\r\nServer: long\r\n  name\r\n\r\n")
    assert reply.header("server") == "long name"
