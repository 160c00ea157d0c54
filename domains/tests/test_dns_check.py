"""The CNAME check against a local DNS server speaking the real protocol (tests/fakes)."""

import time

import dns.message
import dns.query
import pytest

from domains.dns_check import check_cname

TARGET = "portals.console.test"  # PORTAL_CNAME_TARGET in the test settings
NAME = "portal.customer.example"


def test_a_cname_to_the_target_is_verified(dns_server):
    dns_server.cname(NAME, TARGET)
    result = check_cname(NAME)
    assert result.verified
    assert result.found == f"CNAME {NAME} → {TARGET}: points at the portal."
    assert ("udp", NAME, "CNAME") in dns_server.queries


def test_case_and_trailing_dots_are_ignored(dns_server, settings):
    settings.PORTAL_CNAME_TARGET = "Portals.Console.TEST."
    dns_server.cname(NAME, "PORTALS.console.test.")
    assert check_cname(NAME).verified


def test_no_record_at_all(dns_server):
    dns_server.empty(NAME)
    result = check_cname(NAME)
    assert not result.verified
    assert result.found == f"No CNAME record was found for {NAME}."


def test_an_a_record_instead_of_a_cname(dns_server):
    dns_server.a(NAME, "93.184.215.14")
    result = check_cname(NAME)
    assert not result.verified
    assert result.found == (
        "An A record (93.184.215.14) was found instead of a CNAME. An A record does not work: "
        f"replace it with a CNAME to {TARGET}."
    )


def test_private_addresses_and_names_are_never_shown(dns_server):
    """A tenant's check must not map the platform's own network."""
    dns_server.a(NAME, "10.1.2.3")
    assert check_cname(NAME).found.startswith("An A record (a private address) was found")
    dns_server.cname(NAME, "postgres.default.svc.cluster.local")
    found = check_cname(NAME).found
    assert "postgres" not in found
    assert found.startswith("The CNAME points at a name inside a private network")


@pytest.mark.parametrize("name", ["db.internal", "printer.local", "api.svc.cluster.local"])
def test_private_network_names_are_not_portal_domains(name):
    from django.core.exceptions import ValidationError

    from domains.hostnames import normalise

    with pytest.raises(ValidationError, match="Enter a public domain"):
        normalise(name)


def test_a_cname_to_somewhere_else(dns_server):
    dns_server.cname(NAME, "other-host.example.net")
    result = check_cname(NAME)
    assert not result.verified
    assert result.found == f"The CNAME points at other-host.example.net, not at {TARGET}."


def test_a_cname_to_a_name_that_only_starts_like_the_target(dns_server):
    dns_server.cname(NAME, TARGET + ".evil.example")
    assert not check_cname(NAME).verified


def test_nxdomain(dns_server):
    result = check_cname("nothing-here.example")  # the server knows no such name
    assert not result.verified
    assert result.found == (
        "nothing-here.example does not exist in DNS (NXDOMAIN). Create the CNAME record first."
    )


def test_server_failure(dns_server):
    dns_server.servfail(NAME)
    result = check_cname(NAME)
    assert not result.verified
    assert "could not answer for this domain" in result.found


def test_a_server_that_never_answers_times_out_within_the_lifetime(dns_server, settings):
    assert settings.DNS_RESOLVER_LIFETIME == 3.0
    dns_server.silent(NAME)
    started = time.monotonic()
    result = check_cname(NAME)
    elapsed = time.monotonic() - started
    assert not result.verified
    assert result.found == "The DNS server did not answer within 3 seconds. Try again later."
    assert 2.5 <= elapsed <= 3.5, elapsed


def test_a_truncated_udp_answer_is_asked_again_over_tcp(dns_server):
    dns_server.cname(NAME, TARGET)
    dns_server.truncate_udp = True
    assert check_cname(NAME).verified
    transports = [transport for transport, name, _ in dns_server.queries if name == NAME]
    assert transports[:2] == ["udp", "tcp"]


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_the_fake_server_speaks_dns_on_both_transports(dns_server, transport):
    dns_server.a("host.example", "192.0.2.7")
    query = dns.message.make_query("host.example", "A")
    ask = dns.query.udp if transport == "udp" else dns.query.tcp
    response = ask(query, dns_server.host, port=dns_server.port, timeout=2)
    assert [rdata.address for rdata in response.answer[0]] == ["192.0.2.7"]
