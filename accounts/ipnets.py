"""IP allow-lists: a user's IP whitelist, an account's allowed ranges."""

import ipaddress
import re

from django.core.exceptions import ValidationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip_whitelist(text: str) -> list[Network]:
    """One entry a line: an IP, a ``10.1.2.`` style prefix, or CIDR. Blank lines are ignored.

    Raises ValidationError naming the first bad line.
    """
    networks = []
    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.strip()
        if not entry:
            continue
        try:
            networks.append(_parse_entry(entry))
        except ValueError:
            raise ValidationError(
                f"Line {number}: “{entry[:60]}” is not an IP address, a prefix like 10.1.2. "
                "or a network like 10.1.2.0/24.",
                code="ip_whitelist",
            ) from None
    return networks


def _parse_entry(entry: str) -> Network:
    if entry.endswith("."):  # "10.1.2." → 10.1.2.0/24
        octets = entry[:-1].split(".")
        if not 1 <= len(octets) <= 3:
            raise ValueError(entry)
        padded = ".".join(octets + ["0"] * (4 - len(octets)))
        return ipaddress.ip_network(f"{padded}/{8 * len(octets)}")
    return ipaddress.ip_network(entry, strict=False)


def ip_allowed(ip: str | None, whitelist_text: str) -> bool:
    """True when the whitelist is empty or ``ip`` falls in one of its entries."""
    if not whitelist_text.strip():
        return True
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in parse_ip_whitelist(whitelist_text))


def parse_ip_ranges(text: str) -> list[Network]:
    """An account's allowed ranges: CIDR networks (IPv4 or IPv6) or single addresses, one a line
    or separated by commas. Stricter than a user's whitelist: a network with bits set after its
    prefix (``10.1.2.3/24``) is refused with the network it probably means, since a typo here
    can let the wrong addresses in or shut the whole account out.
    """
    networks = []
    for entry in (part.strip() for part in re.split(r"[\s,]+", text)):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError:
            try:
                loose = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValidationError(
                    f"“{entry[:60]}” is not an IP network: write it as CIDR, e.g. "
                    "203.0.113.0/24 or 2001:db8::/48, or a single address.",
                    code="ip_ranges",
                ) from None
            raise ValidationError(
                f"“{entry[:60]}” has bits set after the /{loose.prefixlen} prefix: the network "
                f"is {loose}.",
                code="ip_ranges",
            ) from None
    return networks


def ip_in_ranges(ip: str | None, ranges_text: str) -> bool:
    """True when no range is set or ``ip`` falls in one of them."""
    if not ranges_text.strip():
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    if getattr(address, "ipv4_mapped", None):  # ::ffff:203.0.113.5 from a dual-stack socket
        address = address.ipv4_mapped
    return any(address in network for network in parse_ip_ranges(ranges_text))
