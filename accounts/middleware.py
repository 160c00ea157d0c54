"""Resolves every request once: which site it is for, whose account, and what the user may do.

- A host in PANEL_HOSTS serves the panel: ``request.account`` is the signed-in staff user's
  account, ``request.access`` their effective permissions (computed lazily, once).
- Any other host is handed to the ``portal_host_resolver`` hook (the domains app registers it);
  a host that resolves to nothing gets a plain 404 that names no tenant. This is the host check
  (ALLOWED_HOSTS is "*").
- A session is bound to the host it began on: on another host the user is anonymous; so is a
  user with an IP whitelist on a request from an address outside it, and a user whose account
  allows only some IP ranges on a request from elsewhere. A session idle for longer than the
  account's idle timeout ends (accounts/policy.py).
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .actors import Actor
from .context_processors import is_dialog
from .ipnets import ip_allowed
from .policy import address_allowed, end_idle_session
from .registry import first_answer
from .requests import client_ip
from .sessions import session_host_matches


def host_name(request) -> str:
    """The request's host, lower-cased, without port or trailing dot."""
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    if host.startswith("["):  # [IPv6]:port
        host = host[1 : host.find("]")] if "]" in host else host
    else:
        host = host.rsplit(":", 1)[0]
    return host.rstrip(".").lower()


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.panel_hosts = {h.lower() for h in settings.PANEL_HOSTS}

    def __call__(self, request):
        host = host_name(request)
        request.account = None
        request.portal = None
        if host in self.panel_hosts:
            request.site = "panel"
        else:
            request.portal = first_answer("portal_host_resolver", host)
            if request.portal is None:
                return render(request, "errors/404.html", status=404)
            request.site = "portal"
            request.account = request.portal.account
            request.urlconf = request.portal.urlconf

        if not session_host_matches(request) or not _address_allowed(request):
            request.user = AnonymousUser()
        else:
            end_idle_session(request)
        request.actor = Actor.of(request)
        request.access = SimpleLazyObject(lambda: request.actor.access)
        if request.site == "panel" and request.user.is_authenticated:
            request.account = request.user.account

        with timezone.override(ZoneInfo(_viewer_time_zone(request))):
            return self.get_response(request)


def _address_allowed(request) -> bool:
    """A user with an IP whitelist, or of an account with allowed IP ranges, is signed in only
    from those addresses, on every request."""
    user = request.user
    if not user.is_authenticated:
        return True
    ip = client_ip(request)
    return ip_allowed(ip, user.ip_whitelist) and address_allowed(user.account, ip)


def _viewer_time_zone(request) -> str:
    user = request.user
    if user.is_authenticated and user.account_id:
        return user.effective_time_zone
    if request.account is not None:
        return request.account.time_zone
    return settings.TIME_ZONE


class DialogRedirectMiddleware:
    """A form posted from the dialog script that succeeds answers 200 with X-Dialog-Redirect.

    fetch() would follow a real redirect itself and consume the page's flash messages; the
    script instead navigates to the header's URL, where the messages are shown.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_dialog(request) and response.status_code in (301, 302, 303):
            redirect = HttpResponse(status=200)
            redirect["X-Dialog-Redirect"] = response["Location"]
            for cookie in response.cookies.values():
                redirect.cookies[cookie.key] = cookie
            return redirect
        return response


class OperationsMiddleware:
    """/healthz, /readyz and /metrics on every host, before sessions, sign-in and host routing:
    a load balancer probes each app server by its address, and a probe must not need the
    database to find a session or a portal domain. (Their URL patterns in accounts/urls.py name
    them for the permission table; this answers them first.)"""

    def __init__(self, get_response):
        from .views import operations

        self.get_response = get_response
        self.routes = {
            "/healthz": ("accounts:healthz", operations.healthz),
            "/readyz": ("accounts:readyz", operations.readyz),
            "/metrics": ("accounts:metrics", operations.metrics_view),
        }

    def __call__(self, request):
        route = self.routes.get(request.path_info)
        if route is None:
            return self.get_response(request)
        request.operations_url_name, view = route
        return view(request)
