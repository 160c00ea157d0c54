"""Port lists of a server's config: whole numbers from 1 to 65535, each listed once.

The config dialog takes them as text (``5060, 5080``) through :func:`parse_ports`; the model
(and so Django's admin) checks stored lists with :func:`validate_port_list`.
"""

import re

from django.core.exceptions import ValidationError

MIN_PORT = 1
MAX_PORT = 65535
MAX_PORTS = 64  # per list: more is a typing accident, not a SIP server's sockets
_SEPARATORS = re.compile(r"[\s,;]+")
_DIGITS = re.compile(r"[0-9]{1,7}")  # ASCII digits only: "٥٠٦٠" is not a port


def parse_ports(text: str) -> list[int]:
    """``"5080, 5060 5090"`` → ``[5060, 5080, 5090]``. Commas, semicolons or spaces separate.

    Raises ValidationError with one message per wrong entry, so the person sees every problem at
    once (text, out of range, listed twice).
    """
    errors, ports = [], []
    for token in (t for t in _SEPARATORS.split(text.strip()) if t):
        if not _DIGITS.fullmatch(token):
            errors.append(
                f"“{token[:20]}” is not a port number: enter whole numbers from "
                f"{MIN_PORT} to {MAX_PORT}."
            )
            continue
        port = int(token)
        if not MIN_PORT <= port <= MAX_PORT:
            errors.append(f"{port} is out of range: a port is from {MIN_PORT} to {MAX_PORT}.")
        elif port in ports:
            errors.append(f"{port} is listed twice.")
        else:
            ports.append(port)
    if len(ports) > MAX_PORTS:
        errors.append(f"List at most {MAX_PORTS} ports.")
    if errors:
        raise ValidationError(errors)
    return sorted(ports)


def validate_port_list(value) -> None:
    """A stored port list: a list of distinct integers from 1 to 65535."""
    if not isinstance(value, list):
        raise ValidationError("Enter a list of port numbers.")
    if any(isinstance(p, bool) or not isinstance(p, int) for p in value):
        raise ValidationError("Every port must be a whole number.")
    parse_ports(" ".join(str(p) for p in value))


def ports_text(ports: list[int]) -> str:
    return ", ".join(str(p) for p in ports)
