"""The account's security policy (the Settings tab) and its enforcement on every panel request.

The policy lives on the Account row (loaded with the signed-in user, so reading it costs no
query). What it asks:

- **Allowed IP ranges**: every sign-in (``users.services.sign_in`` asks :func:`address_allowed`)
  and every request of a signed-in session (the tenant middleware) must come from one of them.
- **Idle timeout**: the session keeps the time of its last request (written at most once a
  minute, so a busy page does not rewrite the session on every request); a request after longer
  silence ends the session (:func:`end_idle_session`) and the sign-in page says why.
- **Required two-factor login**: :func:`two_factor_required` says who must have it. The users
  app enforces the enrolment (``users/middleware.py``): it owns the two-factor pages and the
  sign-in, and the core imports no section app.
- **Required passkey for Administrators**: :func:`passkey_required`; enforced the same way (the
  enrolment middleware and the sign-in's second step, in the users app).
"""

import time

from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .ipnets import ip_in_ranges
from .models import Account

LAST_ACTIVITY_KEY = "last_activity"
SIGN_OUT_NOTICE_KEY = "sign_out_notice"
# The last-activity stamp is refreshed when it is at least this old (seconds).
STAMP_EVERY = 60


def address_allowed(account: Account | None, ip: str | None) -> bool:
    """``ip`` is inside the account's allowed ranges (always, when it sets none)."""
    return account is None or ip_in_ranges(ip, account.allowed_ip_ranges)


def two_factor_required(account: Account | None, user) -> bool:
    """Whether the policy makes ``user`` (a staff user of ``account``) sign in with a code."""
    if account is None:
        return False
    rule = account.two_factor_required
    if rule == Account.TwoFactorRule.EVERYONE:
        return True
    return rule == Account.TwoFactorRule.ADMINISTRATORS and user.is_administrator


def passkey_required(account: Account | None, user) -> bool:
    """Whether the policy makes ``user`` sign in with a passkey as their second factor (the
    Settings tab's "require a passkey for Administrators")."""
    return account is not None and account.passkey_required_for_admins and user.is_administrator


@receiver(user_logged_in)
def stamp_new_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = int(time.time())


def end_idle_session(request) -> bool:
    """End the signed-in session when it has been idle longer than the account allows (returns
    True; ``request.user`` is then anonymous), else note this request as its latest activity."""
    from . import audit
    from .actors import Actor
    from .requests import client_ip

    user = request.user
    if not user.is_authenticated or user.account_id is None:
        return False
    now = int(time.time())
    last = request.session.get(LAST_ACTIVITY_KEY)
    minutes = user.account.idle_timeout_minutes
    if isinstance(last, int) and now - last > minutes * 60:
        audit.record(
            "logout.idle",
            account=user.account,
            actor=Actor(user, client_ip(request)),
            target=user,
            data={"idle_timeout_minutes": minutes},
        )
        logout(request)
        request.session[SIGN_OUT_NOTICE_KEY] = (
            f"You were signed out after {minutes} minutes without activity, as your account's "
            "security policy asks. Sign in again to continue."
        )
        return True
    if not isinstance(last, int) or now - last >= STAMP_EVERY:
        request.session[LAST_ACTIVITY_KEY] = now
    return False


def pop_sign_out_notice(request) -> str:
    """Why the last session ended (shown once on the sign-in page), or empty."""
    session = getattr(request, "session", None)
    return session.pop(SIGN_OUT_NOTICE_KEY, "") if session is not None else ""
