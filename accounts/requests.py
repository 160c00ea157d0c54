"""Small helpers about the incoming request that several apps need."""

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request) -> str:
    """The ``next`` URL of the request when it stays on this host (never an open redirect).

    Only a path or a URL: ``redirect()`` would take a bare word for a view name, and a control
    character cannot go into a Location header."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = (
        target.startswith(("/", "http://", "https://"))
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )
    return target if safe else ""


def client_ip(request) -> str | None:
    """The caller's address: REMOTE_ADDR, or the last untrusted X-Forwarded-For hop."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR") or None
