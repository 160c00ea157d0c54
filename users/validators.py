"""Password and IP-whitelist rules."""

import ipaddress
import re

from django.core.exceptions import ValidationError

SPECIALS = "@$!%*#?&"


class PasswordRulesValidator:
    """SPEC §2: 8–64 characters with upper and lower case, a digit and one of @$!%*#?&."""

    min_length, max_length = 8, 64

    def validate(self, password, user=None):
        problems = []
        if not self.min_length <= len(password) <= self.max_length:
            problems.append(f"be {self.min_length} to {self.max_length} characters long")
        if not re.search(r"[a-z]", password):
            problems.append("contain a lower-case letter")
        if not re.search(r"[A-Z]", password):
            problems.append("contain an upper-case letter")
        if not re.search(r"\d", password):
            problems.append("contain a digit")
        if not any(ch in SPECIALS for ch in password):
            problems.append(f"contain one of {SPECIALS}")
        if problems:
            raise ValidationError(
                "The password must " + ", ".join(problems) + ".", code="password_rules"
            )

    def get_help_text(self):
        return (
            f"{self.min_length}–{self.max_length} characters with upper and lower case, "
            f"a digit and one of {SPECIALS}."
        )


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
