"""Does a portal domain's CNAME point at the platform? Asked of real DNS servers with dnspython.

The resolver's servers, port and lifetime are settings (DNS_RESOLVER_NAMESERVERS, _PORT, _LIFETIME),
so tests point them at a local DNS server (tests/fakes/dns_server.py). This module makes no database
query: callers run it outside any transaction and record the result afterwards (services.py).
"""

import ipaddress
import time
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
from django.conf import settings

from accounts.outbound import make_resolver

from .hostnames import is_internal


@dataclass(frozen=True)
class CheckResult:
    name: str  # the domain checked
    verified: bool
    found: str  # what was found, in plain words
    # False when DNS gave no answer either way (timeout, server failure): a Verified domain then
    # stays served; only an answer that it no longer points at the target unpublishes it.
    conclusive: bool = True


def target_name() -> str:
    """The CNAME target customers must point at, without the trailing dot."""
    return settings.PORTAL_CNAME_TARGET.lower().rstrip(".")


def check_cname(name: str) -> CheckResult:
    """Resolve ``name``'s CNAME and say whether it points at PORTAL_CNAME_TARGET.

    Trailing dots and case are ignored (DNS names compare case-insensitively). The whole check,
    including the A lookup made when there is no CNAME, ends within DNS_RESOLVER_LIFETIME.
    """
    lifetime = settings.DNS_RESOLVER_LIFETIME
    deadline = time.monotonic() + lifetime
    target = dns.name.from_text(target_name())
    qname = dns.name.from_text(name)
    resolver = make_resolver()

    def failed(found: str, conclusive: bool = True) -> CheckResult:
        return CheckResult(name, False, found, conclusive)

    if settings.VERIFY_LOCALHOST_DOMAINS and name.endswith(".localhost"):
        return CheckResult(
            name, True, "Names under .localhost always point at this machine (local development)."
        )

    try:
        answer = resolver.resolve(qname, dns.rdatatype.CNAME, search=False, lifetime=lifetime)
    except dns.resolver.NXDOMAIN:
        return failed(f"{name} does not exist in DNS (NXDOMAIN). Create the CNAME record first.")
    except dns.resolver.NoAnswer:
        return failed(_no_cname(resolver, qname, name, deadline))
    except dns.exception.Timeout:
        return failed(
            f"The DNS server did not answer within {lifetime:g} seconds. Try again later.",
            conclusive=False,
        )
    except dns.resolver.NoNameservers:
        return failed(
            "The DNS servers could not answer for this domain (server failure or refused).",
            conclusive=False,
        )
    except dns.exception.DNSException as exc:
        return failed(f"The DNS lookup failed: {exc}", conclusive=False)

    found = answer.rrset[0].target
    found_text = found.to_text(omit_final_dot=True).lower()
    if found != target and is_internal(found_text):
        found_text = "a name inside a private network"
    if found == target:
        return CheckResult(name, True, f"CNAME {name} → {found_text}: points at the portal.")
    return failed(f"The CNAME points at {found_text}, not at {target_name()}.")


def not_answered(name: str, exc: BaseException | None) -> CheckResult:
    """The answer for a check that raised or did not finish in time (check_in_parallel)."""
    return CheckResult(name, False, "The DNS check did not finish. Try again later.", False)


def _public_only(addresses: list[str]) -> str:
    """The addresses to show a tenant: public ones as found, the platform's private network never
    (a check must not become a way to map internal hosts)."""
    shown = [a for a in addresses if ipaddress.ip_address(a).is_global]
    hidden = len(addresses) - len(shown)
    if hidden:
        shown.append("a private address" if hidden == 1 else f"{hidden} private addresses")
    return ", ".join(shown)


def _no_cname(resolver, qname, name: str, deadline: float) -> str:
    """No CNAME: say whether an A record is there instead (a common mistake) or nothing at all."""
    remaining = deadline - time.monotonic()
    addresses = []
    if remaining > 0.05:
        try:
            answer = resolver.resolve(qname, dns.rdatatype.A, search=False, lifetime=remaining)
            addresses = sorted(rdata.address for rdata in answer)
        except dns.exception.DNSException:
            addresses = []
    if addresses:
        return (
            f"An A record ({_public_only(addresses)}) was found instead of a CNAME. An A record "
            f"does not work: replace it with a CNAME to {target_name()}."
        )
    return f"No CNAME record was found for {name}."
