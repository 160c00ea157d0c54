"""Sign-in throttling, kept in the database so every app server sees the same counts.

Per (email, IP) pair: LOGIN_FAILURES_PER_PAIR failures within LOGIN_LOCK_MINUTES lock the pair
until the oldest of them is LOGIN_LOCK_MINUTES old. Per IP: LOGIN_FAILURES_PER_IP failures over any
emails lock the IP the same way (stops one address trying many accounts); per email,
LOGIN_FAILURES_PER_EMAIL failures from any addresses lock the email (stops many addresses trying one
account; high, so a stranger cannot easily lock a user out). An IPv6 caller counts as their /64,
the block one customer line gets. A locked attempt is not checked and not counted, so hammering
does not extend the lock; a success clears the pair.

Password-reset mails are limited too (:func:`reset_allowed`), so nobody can flood an inbox.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

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


def _lock_from(failures, limit: int) -> Lock | None:
    """Locked when the window holds ``limit`` failures; until the oldest of those leaves it."""
    recent = list(failures.order_by("-created").values_list("created", flat=True)[:limit])
    if len(recent) < limit:
        return None
    return Lock(until=recent[-1] + _window())


def caller(ip: str | None) -> str | None:
    """The address a throttle counts: the IP itself, or for IPv6 the first address of its /64."""
    if not ip:
        return None
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return ip


def current_lock(email: str, ip: str | None) -> Lock | None:
    since = timezone.now() - _window()
    email, ip = email.strip().lower(), caller(ip)
    recent = LoginFailure.objects.filter(created__gte=since)
    locks = [
        _lock_from(recent.filter(email=email, ip=ip), settings.LOGIN_FAILURES_PER_PAIR),
        _lock_from(recent.filter(ip=ip), settings.LOGIN_FAILURES_PER_IP) if ip else None,
        _lock_from(recent.filter(email=email), settings.LOGIN_FAILURES_PER_EMAIL),
    ]
    locks = [lock for lock in locks if lock is not None]
    return max(locks, key=lambda lock: lock.until) if locks else None


def record_failure(email: str, ip: str | None) -> None:
    LoginFailure.objects.create(email=email.strip().lower(), ip=caller(ip))
    # Keep the table small: what left the window no longer counts.
    LoginFailure.objects.filter(created__lt=timezone.now() - 2 * _window()).delete()


def clear_failures(email: str, ip: str | None) -> None:
    LoginFailure.objects.filter(email=email.strip().lower(), ip=caller(ip)).delete()


def reset_allowed(email: str, ip: str | None) -> bool:
    """Whether another password-reset mail may go out: at most PASSWORD_RESETS_PER_EMAIL per
    email and PASSWORD_RESETS_PER_IP per caller in an hour (counted in the shared cache)."""
    limits = [
        (f"reset:email:{email.strip().lower()}", settings.PASSWORD_RESETS_PER_EMAIL),
        (f"reset:ip:{caller(ip)}", settings.PASSWORD_RESETS_PER_IP),
    ]
    allowed = True
    for key, limit in limits:
        cache.add(key, 0, timeout=3600)
        try:
            allowed &= cache.incr(key) <= limit
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=3600)
    return allowed
