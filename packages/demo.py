"""Demo lookup packages: each demo account has several enabled, with 90 days of hourly usage.

Running the demo again tops the usage up to the current hour (nothing is counted twice), so the
Usage tab's "today" and chart stay alive on a demo kept for days. One Globex package shows the
price at the time of use: HLR United Kingdom cost 10% more until 45 days ago.
"""

import random
from datetime import UTC, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.utils import timezone

from accounts.actors import PLATFORM

from . import services
from .catalogue import seed_catalogue
from .models import EnabledPackage, ExchangeRate, Package, UsageRecord

DAYS = 90
# Package name → lookups on an average weekday.
DEMO_PACKAGES = {
    "Acme Telecom": {
        "ASR+ Lookup": 42_000,
        "LRN Lookup (US)": 18_000,
        "CNAM Lookup (US)": 2_400,
        "DNO Lookup": 9_000,
        "HLR Mexico Lookup": 650,
        "HLR United Kingdom Lookup": 300,
    },
    "Globex Voice": {
        "ASR+ Lookup": 15_000,
        "HLR United Kingdom Lookup": 3_800,
        "HLR France Lookup": 1_200,
        "HLR Germany Lookup": 900,
        "HLR Spain Lookup": 500,
        "Spam Reported Lookup": 2_000,
    },
}
DEMO_RATES = {"EUR": Decimal("0.92"), "GBP": Decimal("0.79")}
PRICE_CHANGE = ("Globex Voice", "HLR United Kingdom Lookup", 45, Decimal("1.10"))
# Share of a day's lookups per local hour: quiet nights, busy office hours.
HOURLY = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 8, 8, 8, 7, 6, 4, 3, 2, 2, 1, 1]


def populate(accounts, stdout) -> None:
    seed_catalogue()
    for currency, rate in DEMO_RATES.items():
        ExchangeRate.objects.get_or_create(currency=currency, defaults={"rate": rate})
    for name, volumes in DEMO_PACKAGES.items():
        account = accounts[name]
        packages = {p.name: p for p in Package.objects.filter(name__in=volumes, active=True)}
        for package in packages.values():
            services.enable_package(actor=PLATFORM, account=account, package_id=package.pk)
        added = _top_up(name, account, packages, volumes)
        stdout.write(
            f"  {name}: {len(packages)} lookup packages enabled, {added} usage hours added"
        )


def _top_up(demo_name: str, account, packages: dict, volumes: dict) -> int:
    now = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    earliest = now - timedelta(days=DAYS)
    latest = dict(
        UsageRecord.objects.for_account(account)
        .values("package_id")
        .annotate(last=Max("hour"))
        .values_list("package_id", "last")
    )
    enabled = set(EnabledPackage.objects.for_account(account).values_list("package_id", flat=True))
    tz = ZoneInfo(account.time_zone)
    rows = []
    for name, package in packages.items():
        if package.pk not in enabled:
            continue
        price = services.unit_price_for(account, package.retail_price)
        rng = random.Random(f"{demo_name}/{name}")
        hour = (
            max(earliest, latest[package.pk] + timedelta(hours=1))
            if package.pk in latest
            else earliest
        )
        while hour <= now:
            quantity = _lookups(volumes[name], hour, now, tz, rng)
            if quantity:
                unit_price = _price_then(demo_name, name, price, now - hour)
                rows.append(
                    UsageRecord(
                        account=account,
                        package=package,
                        hour=hour,
                        currency=account.currency,
                        unit_price=unit_price,
                        quantity=quantity,
                        charge=unit_price * quantity,
                    )
                )
            hour += timedelta(hours=1)
    UsageRecord.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def _lookups(per_day: int, hour, now, tz, rng) -> int:
    local = hour.astimezone(tz)
    weekend = 0.45 if local.weekday() >= 5 else 1.0
    growth = 0.75 + 0.25 * (1 - (now - hour).days / DAYS)  # usage grew over the quarter
    share = HOURLY[local.hour] / sum(HOURLY)
    return max(0, round(per_day * weekend * growth * share * rng.uniform(0.7, 1.3)))


def _price_then(demo_name: str, name: str, price: Decimal, ago: timedelta) -> Decimal:
    account_name, package_name, days, factor = PRICE_CHANGE
    if (demo_name, name) == (account_name, package_name) and ago > timedelta(days=days):
        return (price * factor).quantize(services.PRICE_PLACES)
    return price
