"""The Dashboard's tiles over the last 24 hours, computed from a customer's CDRs.

- ASR (answer-seizure ratio): answered calls / all calls, in per cent.
- ACD (average call duration): the mean duration of the answered calls, in seconds.
- CPS: the most calls begun in any one second.
- Channels: the most answered calls in progress at once (a sweep over starts and ends).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncSecond
from django.utils import timezone

from .models import Cdr, Disposition

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Tiles:
    calls: int
    answered: int
    asr: Decimal | None  # per cent, one decimal; None without calls
    acd: int | None  # seconds; None without answered calls
    cps: int
    channels: int

    @property
    def acd_text(self) -> str:
        if self.acd is None:
            return "—"
        minutes, seconds = divmod(self.acd, 60)
        return f"{minutes}:{seconds:02d}"


def last_24_hours(customer, now=None) -> Tiles:
    now = now or timezone.now()
    calls = Cdr.objects.for_account(customer.account).filter(
        customer=customer, start_time__gte=now - WINDOW, start_time__lt=now
    )
    answered_q = Q(disposition=Disposition.ANSWERED)
    totals = calls.aggregate(
        calls=Count("pk"),
        answered=Count("pk", filter=answered_q),
        answered_seconds=Sum("duration", filter=answered_q),
    )
    total, answered = totals["calls"], totals["answered"]
    asr = (
        (Decimal(answered) * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP) if total else None
    )
    acd = (
        int((Decimal(totals["answered_seconds"]) / answered).quantize(Decimal("1"), ROUND_HALF_UP))
        if answered
        else None
    )
    cps = (
        calls.annotate(second=TruncSecond("start_time"))
        .values("second")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("n", flat=True)
        .first()
        if total
        else 0
    )
    return Tiles(total, answered, asr, acd, cps or 0, _peak_channels(calls.filter(answered_q)))


def _peak_channels(answered) -> int:
    events = []
    for start, duration in answered.values_list("start_time", "duration").iterator():
        events.append((start, 1))
        events.append((start + timedelta(seconds=duration), -1))
    events.sort(key=lambda event: (event[0], event[1]))  # an end before a start at one moment
    peak = current = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak
