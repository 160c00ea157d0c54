"""Usage recording: one row per account, package, hour and price however many calls; the price
of the moment; every refusal; the management command; no lost count under concurrency."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from accounts.actors import PLATFORM
from accounts.errors import Refused
from packages.models import ExchangeRate, Package, UsageRecord
from packages.services import disable_package, enable_package, record_usage

from .world import package

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _rows(account, item=None):
    rows = UsageRecord.objects.for_account(account)
    return rows.filter(package=item) if item is not None else rows


@pytest.fixture
def uk(world):
    return package("HLR United Kingdom Lookup")  # enabled for A, 0.002300 USD


def test_many_calls_in_an_hour_are_one_row(world, uk):
    for minute in range(60):
        record_usage(world["a"], uk, 3, NOON + timedelta(minutes=minute, seconds=minute))
    (row,) = _rows(world["a"], uk).filter(hour__date=NOON.date())
    assert row.hour == NOON
    assert row.quantity == 180
    assert row.charge == Decimal("0.41400000")  # 180 × 0.0023
    assert (row.currency, row.unit_price) == ("USD", Decimal("0.00230000"))


def test_each_hour_has_its_row_and_the_day_adds_up(world, uk):
    for hour in range(24):
        for _ in range(5):
            record_usage(world["a"], uk, 2, NOON.replace(hour=hour, minute=30))
    rows = _rows(world["a"], uk).filter(hour__date=NOON.date())
    assert rows.count() == 24
    assert sum(r.quantity for r in rows) == 240


def test_the_price_is_the_price_at_the_time_of_use(world, uk):
    stale = Package.objects.get(pk=uk.pk)  # the caller's copy, read before the change
    record_usage(world["a"], stale, 10, NOON)
    Package.objects.filter(pk=uk.pk).update(retail_price=Decimal("0.003000"))
    recorded = record_usage(world["a"], stale, 5, NOON + timedelta(minutes=5))
    assert recorded.unit_price == Decimal("0.00300000")
    rows = _rows(world["a"], uk).filter(hour=NOON).order_by("unit_price")
    assert [(r.quantity, r.unit_price, r.charge) for r in rows] == [
        (10, Decimal("0.00230000"), Decimal("0.02300000")),
        (5, Decimal("0.00300000"), Decimal("0.01500000")),
    ]


def test_another_currency_is_charged_at_the_rate_of_the_moment(world):
    france = package("HLR France Lookup")  # B (EUR) has it; 0.003696 USD
    record_usage(world["b"], france, 100, NOON)
    ExchangeRate.objects.filter(currency="EUR").update(rate=Decimal("0.95"))
    record_usage(world["b"], france, 100, NOON + timedelta(minutes=1))
    rows = _rows(world["b"], france).filter(hour=NOON).order_by("unit_price")
    assert [(r.currency, r.unit_price, r.charge) for r in rows] == [
        ("EUR", Decimal("0.00340032"), Decimal("0.34003200")),  # × 0.92
        ("EUR", Decimal("0.00351120"), Decimal("0.35112000")),  # × 0.95
    ]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "The quantity must be from 1 to 1,000,000,000 lookups; got 0."),
        (-5, "The quantity must be from 1 to 1,000,000,000 lookups; got -5."),
        (10**10, "The quantity must be from 1 to 1,000,000,000 lookups"),
        (True, "The quantity must be a whole number of lookups."),
        (1.5, "The quantity must be a whole number of lookups."),
        ("3", "The quantity must be a whole number of lookups."),
        (None, "The quantity must be a whole number of lookups."),
    ],
)
def test_a_bad_quantity_is_refused(world, uk, quantity, message):
    before = list(_rows(world["a"]).values())
    with pytest.raises(Refused) as refused:
        record_usage(world["a"], uk, quantity, NOON)
    assert refused.value.field == "quantity"
    assert message in refused.value.message
    assert list(_rows(world["a"]).values()) == before


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (datetime(2026, 3, 10, 12, 0), "needs a time zone"),
        ("2026-03-10T12:00:00+00:00", "needs a time zone"),
        (timezone.now() + timedelta(hours=1), "in the future"),
    ],
)
def test_a_bad_time_is_refused(world, uk, at, message):
    with pytest.raises(Refused) as refused:
        record_usage(world["a"], uk, 1, at)
    assert refused.value.field == "at" and message in refused.value.message


def test_a_package_not_enabled_is_refused_and_enabling_takes_effect_at_once(world):
    india = package("HLR India Lookup")
    with pytest.raises(Refused) as refused:
        record_usage(world["a"], india, 1, NOON)
    assert (
        refused.value.message == "HLR India Lookup is not enabled for this account (Packages tab)."
    )
    assert not _rows(world["a"], india).exists()

    enable_package(actor=PLATFORM, account=world["a"], package_id=india.pk)
    record_usage(world["a"], india, 1, NOON)
    disable_package(actor=PLATFORM, account=world["a"], package_id=india.pk)
    with pytest.raises(Refused):
        record_usage(world["a"], india, 1, NOON)
    assert _rows(world["a"], india).get().quantity == 1


def test_another_accounts_package_is_not_this_accounts(world):
    # B enabled HLR France; A did not: A's usage of it is refused.
    with pytest.raises(Refused):
        record_usage(world["a"], package("HLR France Lookup"), 1, NOON)


def test_a_withdrawn_package_is_refused(world, uk):
    Package.objects.filter(pk=uk.pk).update(active=False)
    with pytest.raises(Refused) as refused:
        record_usage(world["a"], uk, 1, NOON)
    assert refused.value.message == "HLR United Kingdom Lookup is not offered any more."


def test_a_currency_without_a_rate_is_refused(world):
    ExchangeRate.objects.all().delete()
    with pytest.raises(Refused) as refused:
        record_usage(world["b"], package("HLR France Lookup"), 1, NOON)
    assert "cannot be charged in EUR yet" in refused.value.message


# --- the management command -------------------------------------------------------------------


def test_the_command_records_usage(world, uk):
    out = StringIO()
    call_command(
        "record_usage",
        "--account",
        "Alpha Networks",
        "--package",
        str(uk.pk),
        "--quantity",
        "12",
        "--at",
        "2026-03-10T12:34:00+01:00",
        stdout=out,
    )
    assert out.getvalue().strip() == (
        "Recorded 12 lookups of HLR United Kingdom Lookup for Alpha Networks in the hour from "
        "2026-03-10 11:00 UTC: $0.0276 USD."
    )
    assert _rows(world["a"], uk).get(hour=NOON - timedelta(hours=1)).quantity == 12


def _args(account="Alpha Networks", package="ASR+ Lookup", quantity="1", at=None) -> list[str]:
    arguments = ["--account", account, "--package", package, "--quantity", quantity]
    return [*arguments, "--at", at] if at else arguments


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (_args(account="Nobody"), "No single account"),
        (_args(package="x"), "No single package"),
        (_args(package="HLR India Lookup"), "HLR India Lookup is not enabled for this account"),
        (_args(quantity="0"), "The quantity must be from 1"),
        (_args(at="yesterday"), "is not an ISO 8601 time"),
        (_args(at="2026-03-10T12:00"), "needs its UTC offset"),
    ],
)
def test_the_command_refuses_with_the_reason(world, arguments, message):
    before = _rows(world["a"]).count()
    with pytest.raises(CommandError, match=message):
        call_command("record_usage", *arguments, stdout=StringIO())
    assert _rows(world["a"]).count() == before


# --- concurrency ------------------------------------------------------------------------------

THREADS, CALLS = 8, 40


@pytest.mark.django_db(transaction=True)
def test_eight_threads_recording_at_once_lose_no_count(world, uk):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is PostgreSQL's (run with DATABASE_URL)")
    barrier = threading.Barrier(THREADS)
    errors = []

    def work(n):
        try:
            barrier.wait()
            for call in range(CALLS):
                record_usage(world["a"], uk, n + 1, NOON + timedelta(seconds=call))
        except Exception as exc:  # reported below, with the thread's number
            errors.append((n, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    (row,) = _rows(world["a"], uk).filter(hour=NOON)
    expected = CALLS * sum(range(1, THREADS + 1))  # 40 × (1 + … + 8) = 1440
    assert row.quantity == expected
    assert row.charge == Decimal("0.0023") * expected
