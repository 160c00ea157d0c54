"""The chart's geometry and the formatting of fractions-of-a-cent prices and charges."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest

from packages import demo
from packages.chart import PALETTE, Series, colour, compact, nice_step, stacked_bars
from packages.models import EnabledPackage, UsageRecord
from packages.money import Charges, format_charge, format_unit_price
from packages.views import _without_year


@pytest.mark.parametrize(
    ("maximum", "step"),
    [(0, 1), (3, 1), (10, 5), (1010, 500), (4000, 1000), (123_456, 50_000), (7, 2)],
)
def test_nice_steps(maximum, step):
    assert nice_step(maximum) == step


@pytest.mark.parametrize(
    ("number", "text"),
    [(0, "0"), (999, "999"), (1000, "1k"), (1500, "1.5k"), (2_000_000, "2M"), (12_345, "12.3k")],
)
def test_compact_axis_labels(number, text):
    assert compact(number) == text


def test_every_series_has_its_own_colour():
    colours = [colour(i) for i in range(60)]
    assert colours[: len(PALETTE)] == list(PALETTE)
    assert len(set(colours)) == 60
    assert all(len(c) == 7 and c.startswith("#") for c in colours)


def test_stacked_bars_geometry():
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(4)]
    series = [Series("a", "A", "#000000"), Series("b", "B", "#ffffff")]
    values = {("a", days[0]): 30, ("b", days[0]): 10, ("a", days[2]): 5}
    chart = stacked_bars(
        days,
        series,
        lambda key, day: values.get((key, day), 0),
        lambda item, day, value: f"{item.label} {day} {value}",
        lambda day: day.strftime("%d"),
    )
    assert [s.title for s in chart.segments] == [
        "A 2026-03-01 30",
        "B 2026-03-01 10",
        "A 2026-03-03 5",
    ]  # days without use have no bar
    a, b, later = chart.segments
    assert a.y + a.height == pytest.approx(chart.bottom)
    assert b.y + b.height == pytest.approx(a.y)
    assert a.height == pytest.approx(3 * b.height, abs=0.02)
    assert [t.label for t in chart.y_ticks] == ["0", "10", "20", "30", "40"]
    assert chart.y_ticks[-1].at == pytest.approx(chart.top)  # 40 is the top of the plot
    assert [t.label for t in chart.x_ticks] == ["01", "02", "03", "04"]
    assert later.x > b.x and a.width == later.width


def test_an_empty_chart_still_has_axes():
    chart = stacked_bars([date(2026, 3, 1)], [], lambda k, d: 0, str, str)
    assert chart.segments == []
    assert [t.label for t in chart.y_ticks] == ["0", "1"]


def test_axis_dates_drop_the_year_of_every_format():
    from accounts.formatting import DATE_FORMATS

    shorts = {f: _without_year(f) for f in DATE_FORMATS}
    assert shorts["Y-m-d"] == "m-d" and shorts["d/m/Y"] == "d/m" and shorts["m/d/Y"] == "m/d"
    assert shorts["M j, Y"] == "M j" and shorts["j F Y"] == "j M" and shorts["d.m.Y"] == "d.m"
    assert all("Y" not in short for short in shorts.values())


def test_prices_and_charges_keep_fractions_of_a_cent():
    assert format_unit_price(Decimal("0.0001"), "USD") == "$0.000100 USD"
    assert format_unit_price(Decimal("0.00340032"), "EUR") == "€0.003400 EUR"
    assert format_charge(Decimal("0.0017"), "USD") == "$0.0017 USD"
    assert format_charge(Decimal("1234.5"), "GBP") == "£1,234.50 GBP"
    assert format_charge(Decimal("0"), "JPY") == "¥0.00 JPY"


def test_charges_by_currency_show_the_accounts_first():
    charges = Charges()
    charges.add("USD", Decimal("1.5"))
    charges.add("EUR", Decimal("2"))
    charges.add("EUR", None)
    assert charges.display("EUR") == "€2.00 EUR + $1.50 USD"
    assert Charges().display("USD") == "$0.00 USD"


def test_the_demo_enables_packages_with_90_days_and_tops_up_without_counting_twice(world):
    accounts = {"Acme Telecom": world["a"], "Globex Voice": world["b"]}
    demo.populate(accounts, StringIO())
    enabled = EnabledPackage.objects.for_account(world["b"]).count()
    rows = UsageRecord.objects.for_account(world["b"])
    assert enabled >= 6
    first = rows.count()
    oldest = rows.order_by("hour").first().hour
    assert first > 80 * 24 * 4  # hourly rows of several packages over 90 days
    totals = sorted(rows.values_list("quantity", flat=True))
    demo.populate(accounts, StringIO())
    assert sorted(rows.values_list("quantity", flat=True)) == totals  # nothing added twice
    assert rows.order_by("hour").first().hour == oldest
    # Globex's UK price was 10% higher until 45 days ago: two unit prices in its history.
    uk = rows.filter(package__name="HLR United Kingdom Lookup")
    assert uk.values("unit_price").distinct().count() == 2
