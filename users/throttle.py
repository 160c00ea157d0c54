"""Sign-in throttling, kept in the database so every app server sees the same counts.

Per (email, IP) pair: LOGIN_FAILURES_PER_PAIR failures within LOGIN_LOCK_MINUTES lock the pair
until the oldest of them is LOGIN_LOCK_MINUTES old. Per IP: LOGIN_FAILURES_PER_IP failures over any
emails lock the IP the same way (stops one address trying many accounts); per email,
LOGIN_FAILURES_PER_EMAIL failures from any addresses lock the email (stops many addresses trying one
account; high, so a stranger cannot easily lock a user out). "Email" is the stored form of the
address (accounts.emails) and also the user it matched, so no other spelling gets a budget of its
own. An IPv6 caller counts as their /64, the block one customer line gets.

Each attempt is stored *before* its password is checked (:func:`begin_attempt`), then counted: of
any two concurrent attempts at least one sees the other, so however many arrive at once, no more
than the limit are ever checked. A locked attempt is removed again (not checked, not counted, so
hammering does not extend the lock); a wrong password keeps its row as the failure; a success
clears the pair.

Password-reset mails are limited too (:func:`reset_allowed`), so nobody can flood an inbox.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from accounts.emails import lookup_form

from .models import LoginFailure


@dataclass(frozen=True)
class Lock:
    until: datetime

    @property
    def minutes_left(self) -> int:
        seconds = (self.until - timezone.now()).total_seconds()
        return max(1, -(-int(seconds) // 60))

    @property
    def message(self) -> str:
        minutes = self.minutes_left
        unit = "minute" if minutes == 1 else "minutes"
        return (
            "Too many failed sign-in attempts. For your security, sign-in is locked for "
            f"{minutes} {unit}; try again then, or reset your password."
        )


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCK_MINUTES)


def email_key(email: str) -> str:
    """What the throttle counts an address under: its stored form (text that is no address at
    all is counted as typed, lower-cased)."""
    return lookup_form(email) or (email or "").strip().lower()[:254]


def caller(ip: str | None) -> str | None:
    """The address a throttle counts: the IP itself, or for IPv6 the first address of its /64."""
    if not ip:
        return None
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return ip


def _lock_from(others, limit: int) -> Lock | None:
    """Locked when the window already holds ``limit`` other attempts; until the oldest of those
    leaves it."""
    recent = list(others.order_by("-created").values_list("created", flat=True)[:limit])
    if len(recent) < limit:
        return None
    return Lock(until=recent[-1] + _window())


def _who(attempt: LoginFailure) -> Q:
    same = Q(email=attempt.email)
    return same | Q(user_id=attempt.user_id) if attempt.user_id else same


def begin_attempt(email: str, ip: str | None, user=None) -> tuple[LoginFailure, Lock | None]:
    """Store a sign-in attempt, then count. Returns the attempt and, when it may not be checked,
    the lock (the attempt is removed again then).

    ``user``: the user the address matched, so the counts follow the person, not the spelling.
    """
    attempt = LoginFailure.objects.create(email=email_key(email), ip=caller(ip), user=user)
    others = LoginFailure.objects.filter(created__gte=timezone.now() - _window()).exclude(
        pk=attempt.pk
    )
    locks = [
        _lock_from(others.filter(_who(attempt), ip=attempt.ip), settings.LOGIN_FAILURES_PER_PAIR),
        _lock_from(others.filter(ip=attempt.ip), settings.LOGIN_FAILURES_PER_IP)
        if attempt.ip
        else None,
        _lock_from(others.filter(_who(attempt)), settings.LOGIN_FAILURES_PER_EMAIL),
    ]
    locks = [lock for lock in locks if lock is not None]
    if not locks:
        return attempt, None
    attempt.delete()
    return attempt, max(locks, key=lambda lock: lock.until)


def attempt_failed(attempt: LoginFailure) -> None:
    """The password was wrong: the attempt stays as a failure. Prune what left the window."""
    LoginFailure.objects.filter(created__lt=timezone.now() - 2 * _window()).delete()


def attempt_void(attempt: LoginFailure) -> None:
    """The password was right but the sign-in was refused for another reason: not a guess."""
    LoginFailure.objects.filter(pk=attempt.pk).delete()


def attempt_succeeded(attempt: LoginFailure) -> None:
    """Signed in: the pair's failures (this attempt's row included) are forgotten."""
    LoginFailure.objects.filter(_who(attempt), ip=attempt.ip).delete()


def within_limit(key: str, limit: int, seconds: int) -> bool:
    """Count one more event under ``key`` in the shared cache; whether it is at most ``limit``
    in the ``seconds`` since the first one."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return True


def reset_allowed(email: str, ip: str | None) -> bool:
    """Whether another password-reset mail may go out: at most PASSWORD_RESETS_PER_EMAIL per
    email and PASSWORD_RESETS_PER_IP per caller in an hour (counted in the shared cache)."""
    by_email = within_limit(
        f"reset:email:{email_key(email)}", settings.PASSWORD_RESETS_PER_EMAIL, 3600
    )
    by_ip = within_limit(f"reset:ip:{caller(ip)}", settings.PASSWORD_RESETS_PER_IP, 3600)
    return by_email and by_ip


def passkey_options_allowed(ip: str | None) -> bool:
    """A passkey sign-in's options (a challenge, in a session row) at most
    PASSKEY_OPTIONS_PER_MINUTE times a minute per caller, so they cannot be farmed."""
    return within_limit(f"passkey-options:{caller(ip)}", settings.PASSKEY_OPTIONS_PER_MINUTE, 60)
