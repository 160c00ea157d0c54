"""Absolute links to a portal domain, for mail (invitations, password resets).

The portal is served by the same servers as the panel, so its scheme and port are those of
``settings.PANEL_BASE_URL``; the host is the Verified portal domain. Never the request's Host
header (DESIGN: a link built from it could mail a token to someone else's host).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from domains.models import DnsStatus, PortalDomain

PORTAL_URLCONF = "portal.urls"


def portal_url(domain: PortalDomain, name: str, **kwargs) -> str:
    """``https://portal.example.com/invitation/abc/`` for the portal URL ``name``."""
    base = urlsplit(settings.PANEL_BASE_URL or "https://localhost")
    port = f":{base.port}" if base.port else ""
    path = reverse(name, kwargs=kwargs, urlconf=PORTAL_URLCONF)
    return f"{base.scheme}://{domain.domain}{port}{path}"


def mail_domain(account) -> PortalDomain | None:
    """The portal domain the account's portal mail links to: its first Verified one."""
    return (
        PortalDomain.objects.for_account(account)
        .filter(status=DnsStatus.VERIFIED)
        .order_by("domain")
        .first()
    )
