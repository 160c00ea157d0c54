"""Portal domain names: one stored form, and the rules a name must meet, in words an operator reads.

The stored form is lower-case ASCII (IDNA 2008 A-labels, so ``Bücher.example`` and
``xn--bcher-kva.example`` are the same domain), with no scheme, port, path or trailing dot. It is
exactly what a browser sends in the Host header, which is what the tenant middleware looks up.
"""

import ipaddress
import re

import idna
from django.conf import settings
from django.core.exceptions import ValidationError

MAX_NAME = 253
MAX_LABEL = 63
_ASCII_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_FORBIDDEN = re.compile(r"[\s@\\,;\"'<>]")


def normalise(value: str) -> str:
    """The stored form of a domain someone typed; raises ValidationError saying what is wrong."""
    text = (value or "").strip()
    if not text:
        raise ValidationError("Enter the portal's domain, e.g. portal.yourcompany.com.")
    if len(text) > MAX_NAME * 4:
        raise ValidationError(f"A domain name has at most {MAX_NAME} characters.")
    if "://" in text or re.match(r"^https?:", text, re.I):
        raise ValidationError("Enter the domain only, without http:// or https://.")
    if any(mark in text for mark in "/?#"):
        raise ValidationError("Enter the domain only, without a path (nothing from the first /).")
    if _is_ip_address(text):
        raise ValidationError("Enter a domain name, not an IP address.")
    if ":" in text:
        raise ValidationError("Enter the domain without a port (nothing from the :).")
    if _FORBIDDEN.search(text):
        raise ValidationError("A domain has only letters, digits, hyphens and dots.")
    if text.endswith("."):
        text = text[:-1]  # the fully qualified spelling of the same name
    labels = text.split(".")
    if len(labels) < 2:
        raise ValidationError(
            "Enter a full domain such as portal.yourcompany.com, not a bare top-level domain."
        )
    ascii_labels = [_ascii_label(label) for label in labels]
    if ascii_labels[-1].isdigit():
        raise ValidationError("Enter a domain name, not an IP address.")
    name = ".".join(ascii_labels)
    if is_internal(name):
        raise ValidationError(
            "Enter a public domain: names of private networks (.local, .internal, .lan, …) "
            "cannot serve a portal on the internet."
        )
    if len(name) > MAX_NAME:
        raise ValidationError(
            f"A domain name has at most {MAX_NAME} characters; this one has {len(name)}."
        )
    return name


def is_internal(name: str) -> bool:
    """A name of a private network (settings.INTERNAL_DOMAIN_SUFFIXES): never looked up for a
    tenant, so the DNS check cannot map the platform's own network."""
    return any(
        name == suffix or name.endswith("." + suffix)
        for suffix in settings.INTERNAL_DOMAIN_SUFFIXES
    )


def _is_ip_address(text: str) -> bool:
    candidate = text.strip("[]")
    if candidate.count(":") == 1 and "." in candidate:  # 192.0.2.1:8080
        candidate = candidate.split(":", 1)[0]
    elif text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        candidate = text[1 : text.index("]")]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def _ascii_label(label: str) -> str:
    if not label:
        raise ValidationError("The domain has an empty part: two dots in a row, or a leading dot.")
    if label.isascii() and len(label) > MAX_LABEL:
        raise ValidationError(
            f"Each part between dots has at most {MAX_LABEL} characters; "
            f"“{label[:20]}…” has {len(label)}."
        )
    try:
        encoded = idna.encode(label, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        if "too long" in str(exc).lower():
            raise ValidationError(
                f"Each part between dots has at most {MAX_LABEL} characters once encoded; "
                f"“{label[:20]}” is longer."
            ) from exc
        raise ValidationError(
            f"“{label}” is not a valid part of a domain name: use letters, digits and hyphens, "
            "not starting or ending with a hyphen."
        ) from exc
    if not _ASCII_LABEL.match(encoded):
        raise ValidationError(
            f"“{label}” is not a valid part of a domain name: use letters, digits and hyphens, "
            "not starting or ending with a hyphen."
        )
    return encoded


def display(name: str) -> str:
    """The Unicode spelling of a stored name, for people (``xn--bcher-kva.example`` → bücher…)."""
    try:
        return idna.decode(name)
    except idna.IDNAError:
        return name


def platform_reason(name: str) -> str | None:
    """Why ``name`` can never be a tenant's portal (a panel host, a platform domain), or None."""
    if name in {host.lower().rstrip(".") for host in settings.PANEL_HOSTS}:
        return "This is the address of the panel itself; a portal needs a domain of its own."
    platform = [settings.PORTAL_CNAME_TARGET, *settings.PLATFORM_DOMAINS]
    for zone in (z.lower().rstrip(".") for z in platform if z):
        if name == zone or name.endswith("." + zone):
            return (
                "This domain belongs to the platform. Use a domain of your own, "
                "e.g. portal.yourcompany.com."
            )
    return None
