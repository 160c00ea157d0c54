"""Sign-in throttling, kept in the database so every app server sees the same counts.

Per (email, IP) pair: LOGIN_FAILURES_PER_PAIR failures within LOGIN_LOCK_MINUTES lock the pair
until the oldest of them is LOGIN_LOCK_MINUTES old. Per IP: LOGIN_FAILURES_PER_IP failures over any
emails lock the IP the same way (stops one address trying many accounts). A locked attempt is not
checked and not counted, so hammering does not extend the lock; a success clears the pair.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
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


def current_lock(email: str, ip: str | None) -> Lock | None:
    since = timezone.now() - _window()
    email = email.strip().lower()
    recent = LoginFailure.objects.filter(created__gte=since)
    locks = [
        _lock_from(recent.filter(email=email, ip=ip), settings.LOGIN_FAILURES_PER_PAIR),
        _lock_from(recent.filter(ip=ip), settings.LOGIN_FAILURES_PER_IP) if ip else None,
    ]
    locks = [lock for lock in locks if lock is not None]
    return max(locks, key=lambda lock: lock.until) if locks else None


def record_failure(email: str, ip: str | None) -> None:
    LoginFailure.objects.create(email=email.strip().lower(), ip=ip)
    # Keep the table small: what left the window no longer counts.
    LoginFailure.objects.filter(created__lt=timezone.now() - 2 * _window()).delete()


def clear_failures(email: str, ip: str | None) -> None:
    LoginFailure.objects.filter(email=email.strip().lower(), ip=ip).delete()
