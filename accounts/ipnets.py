"""IP allow-lists: a user's IP whitelist, an account's allowed ranges."""

import ipaddress

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
