"""Sessions are bound to the host they began on (a panel session is nothing on a portal host)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

SESSION_HOST_KEY = "bound_host"


def request_host(request) -> str | None:
    try:
        return request.get_host().lower()
    except KeyError:  # a synthetic request (Client.force_login) has no host
        return None


@receiver(user_logged_in)
def bind_session_to_host(sender, request, user, **kwargs):
    host = request_host(request) if request is not None else None
    if host and hasattr(request, "session"):
        request.session[SESSION_HOST_KEY] = host


def session_host_matches(request) -> bool:
    """True for anonymous requests and for sessions begun on this very host."""
    if not request.user.is_authenticated:
        return True
    return request.session.get(SESSION_HOST_KEY) == request_host(request)
