"""Host → (account, portal domain) resolution for the white-label portal.

The tenant middleware asks once per request for any host that is not a panel host. Answers (a
:class:`PortalSite`, or None for a host that serves nothing) live in Django's cache — Redis when
REDIS_URL is set, so every app server shares them — and a cache hit costs no query.
domains/signals.py forgets a host on commit whenever its domain is saved (status changes included)
or deleted, or its account changes; the timeout bounds anything else.
"""

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

CACHE_PREFIX = "portal-host:v1:"
UNKNOWN_HOST_SECONDS = 60
_MISSING = object()
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


@dataclass(frozen=True)
class PortalSite:
    account: object
    domain: object
    urlconf: str = "portal.urls"


def cache_key(host: str) -> str:
    # Hashed: the Host header is whatever the client sent.
    return CACHE_PREFIX + hashlib.sha256(host.encode("utf-8", "replace")).hexdigest()


def resolve_portal_host(host: str) -> PortalSite | None:
    """The portal served on ``host`` (lower-case, no port), or None for a host that serves nothing.

    Only a Verified domain resolves; unknown, Pending and Failed hosts get None and the anonymous
    404. Both answers are cached; the "nothing" answer for a shorter time.
    """
    if len(host) > 253 or not _HOST.match(host):
        return None
    key = cache_key(host)
    site = cache.get(key, _MISSING)
    if site is _MISSING:
        site = _lookup(host)
        timeout = settings.PORTAL_HOST_CACHE_SECONDS if site else UNKNOWN_HOST_SECONDS
        cache.set(key, site, timeout)
    return site


def _lookup(host: str) -> PortalSite | None:
    from .models import DnsStatus, PortalDomain

    # The one query that crosses tenants by design: the host decides the tenant.
    domain = (
        PortalDomain.all_accounts.select_related("account")
        .filter(domain=host, status=DnsStatus.VERIFIED)
        .first()
    )
    return PortalSite(account=domain.account, domain=domain) if domain else None


def forget_hosts(*hosts: str) -> None:
    keys = [cache_key(host) for host in {h for h in hosts if h}]
    if keys:
        cache.delete_many(keys)


def forget_hosts_on_commit(*hosts: str) -> None:
    """Forget these hosts once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: forget_hosts(*hosts))
