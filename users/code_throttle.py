"""Throttling of second-factor codes, in the database like the sign-in throttle (throttle.py).

CODE_FAILURES_PER_USER wrong codes within CODE_LOCK_MINUTES lock that user's codes (whatever
address they come from: the password was right, so the guesser is after this user), until the
oldest of them is CODE_LOCK_MINUTES old; CODE_FAILURES_PER_IP wrong codes from one address (IPv6:
its /64) over any users lock that address. A locked attempt is not checked and not counted. The
callers check and record while holding the user's row (``select_for_update``), so concurrent
guesses are counted one after another rather than all passing the check at once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import CodeFailure
from .throttle import caller


@dataclass(frozen=True)
class CodeLock:
    until: datetime

    @property
    def message(self) -> str:
        seconds = (self.until - timezone.now()).total_seconds()
        minutes = max(1, -(-int(seconds) // 60))
        unit = "minute" if minutes == 1 else "minutes"
        return (
            "Too many wrong codes. For your security, codes are not accepted for "
            f"{minutes} {unit}; try again then."
        )


def _window() -> timedelta:
    return timedelta(minutes=settings.CODE_LOCK_MINUTES)


def _lock(failures, limit: int) -> CodeLock | None:
    recent = list(failures.order_by("-created").values_list("created", flat=True)[:limit])
    return CodeLock(until=recent[-1] + _window()) if len(recent) >= limit else None


def current_lock(user, ip: str | None) -> CodeLock | None:
    recent = CodeFailure.objects.filter(created__gte=timezone.now() - _window())
    ip = caller(ip)
    locks = [
        _lock(recent.filter(user=user), settings.CODE_FAILURES_PER_USER),
        _lock(recent.filter(ip=ip), settings.CODE_FAILURES_PER_IP) if ip else None,
    ]
    locks = [lock for lock in locks if lock is not None]
    return max(locks, key=lambda lock: lock.until) if locks else None


def record_failure(user, ip: str | None) -> None:
    CodeFailure.objects.create(user=user, ip=caller(ip))
    CodeFailure.objects.filter(created__lt=timezone.now() - 2 * _window()).delete()


def clear_failures(user) -> None:
    CodeFailure.objects.filter(user=user).delete()
