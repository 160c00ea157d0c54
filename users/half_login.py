"""The half sign-in between the password step and the code step.

After a right password for a user with two-factor login, ``services.sign_in`` calls
:func:`begin` instead of logging in. The session then holds who passed the password step (no
``_auth_user_id``: ``request.user`` stays anonymous, so every page still asks for sign-in) and
when. It is good for MAX_AGE seconds, once, and only in the browser that did the password step:
that browser also gets a random value in a cookie of its own (HttpOnly, SameSite=Strict), and the
session keeps the hash of that value with the browser's User-Agent. A copied session cookie alone,
on another client, is a session with no half sign-in.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare

SESSION_KEY = "half_login"
COOKIE = "half_login"
MAX_AGE = 10 * 60
_NEW_COOKIE = "_half_login_cookie"


class Expired(Exception):
    pass


@dataclass(frozen=True)
class HalfLogin:
    user_id: int
    backend: str
    auth_hash: str  # the user's session auth hash at the password step (a password change voids it)


def _binding(value: str, request) -> str:
    agent = request.META.get("HTTP_USER_AGENT", "")
    return hashlib.sha256(f"{value}\0{agent}".encode()).hexdigest()


def begin(request, user) -> None:
    """Remember that ``user`` passed the password step in this browser (a new session key)."""
    request.session.cycle_key()
    value = secrets.token_urlsafe(32)
    request.session[SESSION_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "auth": user.get_session_auth_hash(),
        "started": int(time.time()),
        "bind": _binding(value, request),
    }
    setattr(request, _NEW_COOKIE, value)


def attach_cookie(request, response):
    """Set the browser's half-login cookie on ``response`` (after :func:`begin`)."""
    value = getattr(request, _NEW_COOKIE, None)
    if value:
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    return response


def current(request) -> HalfLogin | None:
    """This browser's half sign-in; None when there is none (or it belongs to another browser).
    Raises :class:`Expired` (and forgets it) when it is older than MAX_AGE."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    value = request.COOKIES.get(COOKIE, "")
    if not value or not constant_time_compare(_binding(value, request), data.get("bind", "")):
        return None
    if time.time() - data.get("started", 0) > MAX_AGE:
        clear(request)
        raise Expired
    return HalfLogin(user_id=data["user"], backend=data["backend"], auth_hash=data["auth"])


def clear(request) -> None:
    request.session.pop(SESSION_KEY, None)


def forget_cookie(response):
    response.delete_cookie(COOKIE, samesite="Strict")
    return response
