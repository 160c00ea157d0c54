"""Host → (account, portal domain) resolution for the white-label portal.

The tenant middleware asks once per request for any host that is not a panel host. Answers (a
:class:`PortalSite`, or None for a host that serves nothing) live in Django's cache — Redis when
REDIS_URL is set, so every app server shares them — and a cache hit costs no query.
domains/signals.py forgets a host on commit whenever its domain is saved (status changes included)
or deleted, or its account changes; the timeout bounds anything else.

Forgetting a host gives it a new *version* rather than deleting its entry: answers are stored
under (host, version), and the version is read before the database. A request that read a domain
just before it failed stores its stale answer under the old version, which nobody reads any more
(deleting instead would let that late write bring the failed domain back until the timeout).
"""

import hashlib
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

CACHE_PREFIX = "portal-host:v2:"
VERSION_PREFIX = "portal-host-version:v2:"
UNKNOWN_HOST_SECONDS = 60
_MISSING = object()
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


@dataclass(frozen=True)
class PortalSite:
    account: object
    domain: object
    urlconf: str = "portal.urls"


def _digest(host: str) -> str:
    # Hashed: the Host header is whatever the client sent.
    return hashlib.sha256(host.encode("utf-8", "replace")).hexdigest()


def cache_key(host: str, version: str) -> str:
    return f"{CACHE_PREFIX}{_digest(host)}:{version}"


def _version_seconds() -> int:
    # Outlives every answer stored under it; when it does expire, a new one only means a miss.
    return 2 * max(settings.PORTAL_HOST_CACHE_SECONDS, UNKNOWN_HOST_SECONDS)


def host_version(host: str) -> str:
    """The host's current cache version (made when there is none)."""
    key = VERSION_PREFIX + _digest(host)
    version = cache.get(key)
    if version is None:
        cache.add(key, secrets.token_hex(8), _version_seconds())
        version = cache.get(key) or ""
    return version


def resolve_portal_host(host: str) -> PortalSite | None:
    """The portal served on ``host`` (lower-case, no port), or None for a host that serves nothing.

    Only a Verified domain resolves; unknown, Pending and Failed hosts get None and the anonymous
    404. Both answers are cached; the "nothing" answer for a shorter time.
    """
    if len(host) > 253 or not _HOST.match(host):
        return None
    key = cache_key(host, host_version(host))  # the version first, then the database
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
    """Give each host a new version: every answer cached for it so far, and any answer a
    request still in flight is about to store, is never read again."""
    versions = {VERSION_PREFIX + _digest(h): secrets.token_hex(8) for h in {h for h in hosts if h}}
    if versions:
        cache.set_many(versions, _version_seconds())


def forget_hosts_on_commit(*hosts: str) -> None:
    """Forget these hosts once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: forget_hosts(*hosts))
