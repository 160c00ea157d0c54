"""Both accounts' lookup packages for the isolation crawler and the packages tests.

A (USD) has ASR+ and HLR United Kingdom enabled, B (EUR, at 0.92 per USD) HLR France; each has
usage recorded now. B's count (987,654) is a marker: no page of A may show it."""

from decimal import Decimal

from django.utils import timezone

from accounts.actors import PLATFORM
from packages.catalogue import seed_catalogue
from packages.models import ExchangeRate, Package
from packages.services import enable_package, record_usage

EUR_RATE = Decimal("0.92")
B_LOOKUPS = 987_654


def package(name: str) -> Package:
    return Package.objects.get(name=name)


def populate(world) -> None:
    seed_catalogue()
    ExchangeRate.objects.update_or_create(currency="EUR", defaults={"rate": EUR_RATE})
    now = timezone.now()
    plan = {
        "a": [("ASR+ Lookup", 1_234), ("HLR United Kingdom Lookup", 56)],
        "b": [("HLR France Lookup", B_LOOKUPS)],
    }
    for side, packages in plan.items():
        for index, (name, lookups) in enumerate(packages):
            item = package(name)
            enable_package(actor=PLATFORM, account=world[side], package_id=item.pk)
            record_usage(world[side], item, lookups, now)
            if index == 0:
                world[f"package_{side}"] = item
    world.setdefault("markers_b", []).extend([f"{B_LOOKUPS:,}", str(B_LOOKUPS)])
