"""Host → (account, portal domain) resolution for the white-label portal."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PortalSite:
    account: object
    domain: object
    urlconf: str = "portal.urls"


def resolve_portal_host(host: str) -> PortalSite | None:
    """The portal served on ``host``, or None for a host that serves nothing.

    The domains issue fills this in: a Verified PortalDomain resolves (cached, invalidated on
    commit when a domain changes); everything else stays None and gets the anonymous 404.
    """
    return None
