"""Small helpers about the incoming request that several apps need."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request) -> str:
    """The ``next`` URL of the request when it stays on this host (never an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""
