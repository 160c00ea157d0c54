"""The health check: a SIP OPTIONS to a server's signalling address, within the SSRF rule.

The target is always the platform's record of the server (its IP address and signalling port),
never something a person typed. Private, loopback and link-local targets are refused unless
SIP_ALLOW_PRIVATE_TARGETS is on (development and tests), so the panel cannot be used to probe the
platform's own network (DESIGN "Talking to the outside world"). Multicast, broadcast and the
unspecified address are refused always.

No database here: callers run checks outside any transaction and record them afterwards.
"""

import ipaddress
from dataclasses import dataclass

from django.conf import settings

from . import sip

REFUSED = "refused"  # the target is not one the panel may send to


@dataclass(frozen=True)
class Target:
    ip: str
    port: int

    @classmethod
    def of(cls, server) -> "Target":
        return cls(str(server.ip_address), int(server.signalling_port))

    def __str__(self) -> str:
        return f"{sip.uri_host(self.ip)}:{self.port}"


def refusal(ip: str) -> str:
    """Why the panel will not send to ``ip`` (empty: it may)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"{ip} is not an IP address."
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_multicast or address.is_unspecified or str(address) == "255.255.255.255":
        return f"{address} is not the address of one server."
    if not address.is_global and not settings.SIP_ALLOW_PRIVATE_TARGETS:
        return (
            f"{address} is a private, loopback or link-local address: the health check only "
            "sends to public addresses."
        )
    return ""


def check(target: Target) -> sip.OptionsResult:
    refused = refusal(target.ip)
    if refused:
        return sip.OptionsResult(target.ip, target.port, REFUSED, f"not sent: {refused}")
    return sip.options_ping(target.ip, target.port, timeout=settings.SIP_OPTIONS_TIMEOUT)


def not_finished(target: Target, exc: BaseException | None) -> sip.OptionsResult:
    """The answer for a check that raised or overran (accounts.parallel.check_in_parallel)."""
    reason = "the check did not finish" if exc is None else f"the check failed ({exc})"
    return sip.OptionsResult(target.ip, target.port, sip.FAILED, f"not checked: {reason}")
