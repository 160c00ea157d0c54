"""Hosts a tenant names for the platform to connect to (an account's SMTP server; later a SIP
server): resolved here, and refused when they point into the platform's own network.

A tenant could otherwise use "Test Email" to probe the platform's private network (SSRF). The
host is resolved with dnspython (the same DNS_RESOLVER_* settings as the portal domain check, so
tests answer from a local DNS server), every address it resolves to must be public, and the
caller connects to the checked address itself, never resolving the name a second time (a DNS
answer can change between the check and the connection).
"""

import ipaddress
from dataclasses import dataclass

import dns.exception
import dns.resolver
from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass
class HostRefused(Exception):
    """The host cannot be used. ``message`` says why in words for the operator; ``temporary``:
    asking again later may succeed (DNS did not answer)."""

    message: str
    temporary: bool = False

    def __str__(self) -> str:
        return self.message


def make_resolver() -> dns.resolver.Resolver:
    """A resolver on DNS_RESOLVER_NAMESERVERS (empty: /etc/resolv.conf's), DNS_RESOLVER_PORT,
    giving up after DNS_RESOLVER_LIFETIME seconds, with no cache (every check asks afresh)."""
    if settings.DNS_RESOLVER_NAMESERVERS:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = list(settings.DNS_RESOLVER_NAMESERVERS)
    else:
        resolver = dns.resolver.Resolver()  # the system's resolvers (/etc/resolv.conf)
    resolver.port = settings.DNS_RESOLVER_PORT
    resolver.lifetime = settings.DNS_RESOLVER_LIFETIME
    resolver.timeout = settings.DNS_RESOLVER_LIFETIME  # one try may use the whole lifetime
    resolver.cache = None
    return resolver


def ip_literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str) -> list[Address]:
    """Every address ``host`` resolves to (A and AAAA), IPv4 first. Raises HostRefused."""
    literal = ip_literal(host)
    if literal is not None:
        return [literal]
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        # RFC 6761: always this machine, whatever a DNS server would say.
        return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    lifetime = settings.DNS_RESOLVER_LIFETIME
    try:
        answer = make_resolver().resolve_name(name, search=False, lifetime=lifetime)
    except dns.resolver.NXDOMAIN:
        raise HostRefused(f"Cannot resolve the host {host}: no such name in DNS.") from None
    except dns.resolver.NoAnswer:
        raise HostRefused(f"Cannot resolve the host {host}: it has no address in DNS.") from None
    except dns.exception.Timeout:
        raise HostRefused(
            f"Cannot resolve the host {host}: DNS did not answer within {lifetime:g} seconds.",
            temporary=True,
        ) from None
    except dns.exception.DNSException:
        raise HostRefused(
            f"Cannot resolve the host {host}: the DNS servers could not answer.", temporary=True
        ) from None
    addresses = [ipaddress.ip_address(a) for a in answer.addresses()]
    return sorted(set(addresses), key=lambda a: (a.version, addresses.index(a)))


def is_public(address: Address) -> bool:
    """A global unicast address: not private, loopback, link-local, multicast, reserved or
    unspecified (an IPv4-mapped IPv6 address is judged by its IPv4 address)."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def checked_addresses(host: str, *, allow_private: bool) -> list[Address]:
    """``host``'s addresses, each one public unless ``allow_private``. Raises HostRefused."""
    addresses = resolve(host)
    if not allow_private and not all(is_public(a) for a in addresses):
        literal = ip_literal(host) is not None
        raise HostRefused(
            f"{host} {'is a' if literal else 'resolves to a'} private or reserved address, "
            "which the platform does not connect to. Use your mail provider's public host name."
        )
    return addresses
