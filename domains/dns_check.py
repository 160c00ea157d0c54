"""Does a portal domain's CNAME point at the platform, and does its TXT record prove that this
claim's account owns it? Asked of real DNS servers with dnspython.

Two records (SPEC §6): ``CNAME <domain> → PORTAL_CNAME_TARGET`` routes the portal; ``TXT
_portal-challenge.<domain> "<token>"`` holds the random token of one account's claim. The CNAME
alone proves nothing about who owns the name (it is the same for every tenant, and one left behind
after a portal was deleted still points at the target), so a claim is first Verified only when
both are found.

The resolver's servers, port and lifetime are settings (DNS_RESOLVER_NAMESERVERS, _PORT, _LIFETIME),
so tests point them at a local DNS server (tests/fakes/dns_server.py). This module makes no database
query: callers run it outside any transaction and record the result afterwards (services.py).
"""

import ipaddress
import time
from dataclasses import dataclass, replace

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
from django.conf import settings

from accounts.outbound import make_resolver

from .hostnames import is_internal

CHALLENGE_LABEL = "_portal-challenge"


@dataclass(frozen=True)
class CheckResult:
    name: str  # the domain checked
    verified: bool  # the CNAME points at the target
    found: str  # what was found, in plain words
    # False when DNS gave no answer either way (timeout, server failure): a Verified domain then
    # stays served; only an answer that it no longer points at the target unpublishes it.
    conclusive: bool = True
    # The TXT record holds the claim's token (ownership proven), and whether DNS answered that
    # question at all. A check of the CNAME alone proves nothing (proven False).
    proven: bool = False
    proof_conclusive: bool = True


@dataclass(frozen=True)
class ProofResult:
    proven: bool
    found: str
    conclusive: bool = True


def challenge_name(name: str) -> str:
    """Where the TXT record of ``name``'s claim lives."""
    return f"{CHALLENGE_LABEL}.{name}"


def target_name() -> str:
    """The CNAME target customers must point at, without the trailing dot."""
    return settings.PORTAL_CNAME_TARGET.lower().rstrip(".")


def check_records(name: str, token: str) -> CheckResult:
    """Both records of a claim: the CNAME (:func:`check_cname`) and the TXT record holding
    ``token`` (:func:`check_proof`), within one DNS_RESOLVER_LIFETIME in all."""
    deadline = time.monotonic() + settings.DNS_RESOLVER_LIFETIME
    cname = check_cname(name, deadline=deadline)
    if not cname.conclusive:  # DNS is not answering: asking again now would only wait again
        return cname
    proof = check_proof(name, token, deadline=deadline)
    return replace(
        cname,
        found=f"{cname.found} {proof.found}",
        proven=proof.proven,
        proof_conclusive=proof.conclusive,
    )


def check_proof(name: str, token: str, *, deadline: float | None = None) -> ProofResult:
    """Does ``_portal-challenge.<name>`` have a TXT record whose value is ``token``?

    Other values there are counted, never shown: they may be another account's token.
    """
    record = challenge_name(name)
    if settings.VERIFY_LOCALHOST_DOMAINS and name.endswith(".localhost"):
        return ProofResult(True, "Names under .localhost need no TXT record (local development).")
    remaining = (deadline or time.monotonic() + settings.DNS_RESOLVER_LIFETIME) - time.monotonic()
    if remaining <= 0.05:
        return ProofResult(
            False, f"The TXT record {record} was not checked: no time was left.", False
        )
    missing = ProofResult(
        False, f"No TXT record {record} was found: create it with this claim's token."
    )
    try:
        answer = make_resolver().resolve(
            dns.name.from_text(record), dns.rdatatype.TXT, search=False, lifetime=remaining
        )
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return missing
    except dns.exception.Timeout:
        return ProofResult(
            False, f"The DNS server did not answer for the TXT record {record}.", False
        )
    except dns.exception.DNSException:
        return ProofResult(
            False, f"The DNS servers could not answer for the TXT record {record}.", False
        )
    values = [b"".join(rdata.strings).decode("utf-8", "replace").strip() for rdata in answer]
    if token and token in values:
        return ProofResult(True, f"TXT {record} holds this claim's token: ownership proven.")
    count = len(values)
    return ProofResult(
        False,
        f"The TXT record {record} holds {count} other value{'s' if count != 1 else ''}, "
        "not this claim's token.",
    )


def check_cname(name: str, *, deadline: float | None = None) -> CheckResult:
    """Resolve ``name``'s CNAME and say whether it points at PORTAL_CNAME_TARGET.

    Trailing dots and case are ignored (DNS names compare case-insensitively). The whole check,
    including the A lookup made when there is no CNAME, ends within DNS_RESOLVER_LIFETIME (or by
    ``deadline``, a ``time.monotonic()`` value).
    """
    deadline = deadline or time.monotonic() + settings.DNS_RESOLVER_LIFETIME
    lifetime = max(deadline - time.monotonic(), 0.05)
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
            f"The DNS server did not answer within {settings.DNS_RESOLVER_LIFETIME:g} seconds. "
            "Try again later.",
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
