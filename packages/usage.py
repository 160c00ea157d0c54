"""What the Usage tab reads: today, month to date and daily usage, in the viewer's time zone.

Usage is stored per UTC hour, so a viewer's day is the hours that start within it: exact for
every time zone whose offset is whole hours (DST included); for the few at a half or quarter hour
(India, Nepal, Newfoundland …) the hour that straddles midnight counts to the day it starts in.
Every figure comes from a fixed number of grouped queries, whatever the packages and days.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, Sum
from django.db.models.functions import TruncDate

from .models import EnabledPackage, Package, UsageRecord
from .money import Charges

DEFAULT_DAYS = 30
MAX_DAYS = 366


def local_midnight(day: date, tz) -> datetime:
    """The moment ``day`` begins in ``tz`` (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=tz)


@dataclass(frozen=True)
class Period:
    """Whole days, ``first`` to ``last`` inclusive, in the viewer's time zone."""

    first: date
    last: date

    @classmethod
    def ending(cls, last: date, days: int = DEFAULT_DAYS) -> "Period":
        return cls(last - timedelta(days=days - 1), last)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self, tz) -> tuple[datetime, datetime]:
        return local_midnight(self.first, tz), local_midnight(self.last + timedelta(days=1), tz)


@dataclass
class Totals:
    today_count: int = 0
    today_charges: Charges = field(default_factory=Charges)
    month_count: int = 0
    month_charges: Charges = field(default_factory=Charges)

    def add(self, other: "Totals") -> None:
        self.today_count += other.today_count
        self.month_count += other.month_count
        self.today_charges.merge([other.today_charges])
        self.month_charges.merge([other.month_charges])


@dataclass
class PackageTotals(Totals):
    package: Package | None = None
    enabled: bool = False


def _account_rows(account):
    return UsageRecord.objects.for_account(account).order_by()


def summary(account, today: date, tz) -> tuple[list[PackageTotals], Totals]:
    """Per package the account has enabled, or used this month: today's and the month's lookups
    and charges; and their totals. Three queries."""
    month_start = local_midnight(today.replace(day=1), tz)
    today_start = local_midnight(today, tz)
    tomorrow = local_midnight(today + timedelta(days=1), tz)
    is_today = Q(hour__gte=today_start)
    usage = (
        _account_rows(account)
        .filter(hour__gte=month_start, hour__lt=tomorrow)
        .values("package_id", "currency")
        .annotate(
            month_count=Sum("quantity"),
            month_charge=Sum("charge"),
            today_count=Sum("quantity", filter=is_today),
            today_charge=Sum("charge", filter=is_today),
        )
    )
    rows: dict[int, PackageTotals] = {}
    enabled = EnabledPackage.objects.for_account(account).select_related("package")
    for item in enabled:
        rows[item.package_id] = PackageTotals(package=item.package, enabled=True)
    for row in usage:
        totals = rows.setdefault(row["package_id"], PackageTotals())
        totals.month_count += row["month_count"] or 0
        totals.today_count += row["today_count"] or 0
        totals.month_charges.add(row["currency"], row["month_charge"])
        totals.today_charges.add(row["currency"], row["today_charge"])
    _fill_packages(rows)
    ordered = sorted(rows.values(), key=lambda r: (r.package.name.lower(), r.package.pk))
    grand = Totals()
    for row in ordered:
        grand.add(row)
    return ordered, grand


def _fill_packages(rows: dict) -> None:
    """Packages used but no longer enabled, read in one query."""
    missing = [pk for pk, row in rows.items() if row.package is None]
    for package in Package.objects.filter(pk__in=missing):
        rows[package.pk].package = package


@dataclass
class Daily:
    """Lookups and charges per package and day of a period (packages ordered by total used)."""

    period: Period
    packages: list[Package]
    counts: dict[tuple[int, date], int]
    charges: dict[tuple[int, date], Charges]

    def count(self, package_id: int, day: date) -> int:
        return self.counts.get((package_id, day), 0)

    def day_count(self, day: date) -> int:
        return sum(self.count(p.pk, day) for p in self.packages)

    def day_charges(self, day: date) -> Charges:
        return Charges().merge(self.charges.get((p.pk, day), Charges()) for p in self.packages)

    def package_count(self, package_id: int) -> int:
        return sum(self.count(package_id, day) for day in self.period.days)

    def package_charges(self, package_id: int) -> Charges:
        return Charges().merge(
            self.charges.get((package_id, d), Charges()) for d in self.period.days
        )


def _by_local_day(account, period: Period, tz):
    start, end = period.bounds(tz)
    return (
        _account_rows(account)
        .filter(hour__gte=start, hour__lt=end)
        .annotate(day=TruncDate("hour", tzinfo=tz))
    )


def daily(account, period: Period, tz) -> Daily:
    """Every package used in ``period``, with its lookups and charges per day. Two queries."""
    rows = (
        _by_local_day(account, period, tz)
        .values("day", "package_id", "currency")
        .annotate(lookups=Sum("quantity"), charged=Sum("charge"))
    )
    counts: dict[tuple[int, date], int] = {}
    charges: dict[tuple[int, date], Charges] = {}
    totals: dict[int, int] = {}
    for row in rows:
        key = (row["package_id"], row["day"])
        counts[key] = counts.get(key, 0) + row["lookups"]
        charges.setdefault(key, Charges()).add(row["currency"], row["charged"])
        totals[row["package_id"]] = totals.get(row["package_id"], 0) + row["lookups"]
    packages = sorted(
        Package.objects.filter(pk__in=list(totals)),
        key=lambda p: (-totals[p.pk], p.name.lower(), p.pk),
    )
    return Daily(period, packages, counts, charges)


def daily_rows(account, period: Period, tz):
    """The CSV's rows: one per day, package and unit price charged, oldest first."""
    return (
        _by_local_day(account, period, tz)
        .values(
            "day",
            "package__name",
            "package__area",
            "package__destination",
            "currency",
            "unit_price",
        )
        .annotate(lookups=Sum("quantity"), charged=Sum("charge"))
        .order_by("day", "package__name", "currency", "unit_price")
    )
