"""Security & Add-ons: login notifications and known devices ("Device management").

``users.services.sign_in`` calls :func:`after_sign_in` right after Django's ``login()``. It
recognises the browser by a random id kept in a long-lived signed cookie (only its SHA-256 is
stored), records the device and this session (so revoking the device can end the session), and
queues the user's mail: "new device" when the browser was not seen before and the user turned
Device management on, otherwise a login notification when the user asked for one. The mail is a
task queued after commit (``accounts.mail.send_mail_later``), so a slow or broken mail server never
slows or breaks the sign-in.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from ua_parser import parse

from .actors import Actor
from .requests import client_ip

BROWSER_COOKIE = "browser_id"
_COOKIE_SALT = "accounts.security.browser_id"
# Browsers cap cookie lifetimes at 400 days; the cookie is refreshed at every sign-in.
BROWSER_COOKIE_AGE = timedelta(days=400)
_SET_COOKIE_ATTRIBUTE = "_browser_id_to_set"


def browser_label(user_agent: str) -> str:
    """``Chrome 120 on Linux`` from a User-Agent; ``Unknown browser`` when it says nothing."""
    result = parse(user_agent or "")
    agent = result.user_agent
    if agent is None or agent.family == "Other":
        name = "Unknown browser"
    else:
        name = f"{agent.family} {agent.major}" if agent.major else agent.family
    system = result.os
    if system is not None and system.family != "Other":
        name += f" on {system.family}"
        if system.major and system.family not in ("Linux", "Ubuntu"):
            name += f" {system.major}"
    return name[:120]


def hash_browser_id(browser_id: str) -> str:
    return hashlib.sha256(browser_id.encode()).hexdigest()


def browser_id(request) -> str | None:
    """This browser's id from its signed cookie; None when it has none (or a forged one)."""
    return request.get_signed_cookie(BROWSER_COOKIE, default=None, salt=_COOKIE_SALT)


def current_browser_hash(request) -> str | None:
    value = browser_id(request)
    return hash_browser_id(value) if value else None


def after_sign_in(request, user) -> None:
    """Remember the browser ``user`` just signed in from and queue their mail (see module doc)."""
    from .services import record_sign_in

    if not user.account_id:  # platform superusers have no panel, no devices
        return
    value = browser_id(request) or secrets.token_urlsafe(32)
    setattr(request, _SET_COOKIE_ATTRIBUTE, value)  # BrowserCookieMiddleware writes it
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    record_sign_in(
        actor=Actor(user, client_ip(request)),
        token_hash=hash_browser_id(value),
        browser=browser_label(user_agent),
        user_agent=user_agent[:512],
        session_key=request.session.session_key or "",
    )


class BrowserCookieMiddleware:
    """Sets (or refreshes) the browser-id cookie on the response to a successful sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = getattr(request, _SET_COOKIE_ATTRIBUTE, None)
        if value:
            response.set_signed_cookie(
                BROWSER_COOKIE,
                value,
                salt=_COOKIE_SALT,
                max_age=int(BROWSER_COOKIE_AGE.total_seconds()),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
