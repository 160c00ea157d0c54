"""The Usage tab: today and month to date in the viewer's time zone, charges at the price of the
moment, the chart and its table, the date range and its bad input, CSV, permissions and query
counts."""

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.actors import PLATFORM
from accounts.models import Account
from accounts.permissions import ALLOW
from packages.models import EnabledPackage, Package, UsageRecord
from packages.services import disable_package, enable_package, record_usage
from packages.usage import Period
from tests.querycount import assert_constant_queries
from users.services import save_group, update_user

from .world import package

URL = "/account/usage/"
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def _set_time_zone(account, name):
    Account.objects.filter(pk=account.pk).update(time_zone=name)


def _summary(body: str) -> dict[str, list[str]]:
    """The Today / Month to date table: package (or Total) → [today n, charge, month n, charge]."""
    table = body[body.index('class="table usage-summary"') : body.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[2:]:
        name = re.search(r"<th[^>]*>([^<]+)", row)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        rows[name.group(1).strip()] = [html.unescape(c) for c in cells]
    return rows


def _daily_table(body: str) -> dict[tuple[str, str], str]:
    """The chart's table: (package, date) → lookups as shown."""
    table = body[body.index('class="table usage-daily"') :]
    table = table[: table.index("</table>")]
    head = table[: table.index("</thead>")]
    packages = re.findall(r'<th scope="col" class="num">([^<]+)</th>', head)[:-2]
    cells = {}
    for day, row in re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S):
        if day == "Total":
            continue
        counts = re.findall(r'<td class="num">([^<]*)</td>', row)
        for name, count in zip(packages, counts, strict=False):
            cells[(html.unescape(name), day)] = count
    return cells


def _bars(body: str) -> list[str]:
    return [
        html.unescape(t) for t in re.findall(r'<rect class="chart__bar"[^>]*><title>([^<]+)', body)
    ]


# --- today and month to date -----------------------------------------------------------------


def test_today_and_month_to_date_in_new_york_around_midnight(world, client_admin_a):
    _set_time_zone(world["a"], "America/New_York")
    uk = package("HLR United Kingdom Lookup")
    UsageRecord.objects.for_account(world["a"]).delete()
    local = datetime(2026, 3, 1, 0, 40, tzinfo=NEW_YORK)  # 05:40 UTC, 1 March in both
    with time_machine.travel(local, tick=False):
        record_usage(world["a"], uk, 7, datetime(2026, 3, 1, 0, 10, tzinfo=NEW_YORK))
        # 23:50 on 28 February in New York, but already 1 March (04:50) in UTC:
        record_usage(world["a"], uk, 11, datetime(2026, 2, 28, 23, 50, tzinfo=NEW_YORK))
        record_usage(world["a"], uk, 13, datetime(2026, 2, 28, 20, 0, tzinfo=NEW_YORK))
        body = client_admin_a.get(URL).content.decode()
    summary = _summary(body)
    assert summary["HLR United Kingdom Lookup"] == ["7", "$0.0161 USD", "7", "$0.0161 USD"]
    assert "Today is 2026-03-01 in your time zone (America/New_York)" in body
    cells = _daily_table(body)
    assert cells[("HLR United Kingdom Lookup", "2026-02-28")] == "24"
    assert cells[("HLR United Kingdom Lookup", "2026-03-01")] == "7"


def test_today_in_tokyo_starts_before_utc_midnight(world, client_admin_a):
    _set_time_zone(world["a"], "Asia/Tokyo")
    uk = package("HLR United Kingdom Lookup")
    UsageRecord.objects.for_account(world["a"]).delete()
    with time_machine.travel(datetime(2026, 4, 1, 0, 30, tzinfo=TOKYO), tick=False):
        record_usage(world["a"], uk, 5, datetime(2026, 3, 31, 15, 10, tzinfo=UTC))  # 00:10 JST
        record_usage(world["a"], uk, 9, datetime(2026, 3, 31, 14, 50, tzinfo=UTC))  # 23:50 JST
        summary = _summary(client_admin_a.get(URL).content.decode())
    assert summary["HLR United Kingdom Lookup"][::2] == ["5", "5"]  # 1 April: a new month


def test_a_user_in_another_time_zone_sees_their_own_day(world, client_admin_a):
    """The viewer's time zone, not the account's: Ada set Tokyo, her account is in New York."""
    _set_time_zone(world["a"], "America/New_York")
    update_user(world["admin_a"], actor=PLATFORM, time_zone="Asia/Tokyo")
    uk = package("HLR United Kingdom Lookup")
    UsageRecord.objects.for_account(world["a"]).delete()
    with time_machine.travel(datetime(2026, 4, 1, 0, 30, tzinfo=TOKYO), tick=False):
        record_usage(world["a"], uk, 9, datetime(2026, 3, 31, 14, 50, tzinfo=UTC))  # 31 March
        body = client_admin_a.get(URL).content.decode()
    assert "(Asia/Tokyo)" in body
    assert _summary(body)["HLR United Kingdom Lookup"][::2] == ["0", "0"]


def test_charges_use_the_price_at_the_time_of_use(world, client_admin_a):
    uk = package("HLR United Kingdom Lookup")
    UsageRecord.objects.for_account(world["a"]).delete()
    now = datetime(2026, 5, 20, 15, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        record_usage(world["a"], uk, 10, now - timedelta(days=2))  # 0.0023
        Package.objects.filter(pk=uk.pk).update(retail_price=Decimal("0.003"))
        record_usage(world["a"], uk, 5, now - timedelta(minutes=30))  # 0.003
        summary = _summary(client_admin_a.get(URL).content.decode())
    assert summary["HLR United Kingdom Lookup"] == ["5", "$0.015 USD", "15", "$0.038 USD"]
    assert summary["Total"][2:] == ["15", "$0.038 USD"]


def test_rows_list_enabled_packages_and_disabled_ones_used_this_month(world, client_admin_a):
    disable_package(actor=PLATFORM, account=world["a"], package_id=world["package_a"].pk)
    body = client_admin_a.get(URL).content.decode()
    summary = _summary(body)
    assert set(summary) == {"ASR+ Lookup", "HLR United Kingdom Lookup", "Total"}
    assert re.search(r"ASR\+ Lookup <span class=\"badge badge--neutral\">Disabled</span>", body)
    assert summary["ASR+ Lookup"][0] == "1,234"
    assert summary["Total"][0] == "1,290"  # 1,234 + 56
    assert "987,654" not in body  # B's


def test_an_account_with_nothing_enabled_is_told_where_to_go(world, client_admin_b):
    UsageRecord.objects.for_account(world["b"]).delete()
    EnabledPackage.objects.for_account(world["b"]).delete()
    body = client_admin_b.get(URL).content.decode()
    assert "No lookup package is enabled." in body
    assert 'href="/account/packages/"' in body
    assert "No lookups in this period." in body


def test_charges_keep_the_currency_they_were_charged_in(world, client_admin_a):
    Account.objects.filter(pk=world["a"].pk).update(currency="EUR")
    world["a"].refresh_from_db()
    record_usage(world["a"], world["package_a"], 1000, datetime.now(UTC))
    summary = _summary(client_admin_a.get(URL).content.decode())
    # 1,234 at $0.0001 before the change, 1,000 at €0.000092 after it.
    assert summary["ASR+ Lookup"][1] == "€0.092 EUR + $0.1234 USD"


# --- the chart and its table -----------------------------------------------------------------


def _ten_days_of_two_packages(world):
    UsageRecord.objects.for_account(world["a"]).delete()
    asr, uk = world["package_a"], package("HLR United Kingdom Lookup")
    for day in range(1, 11):
        record_usage(world["a"], asr, 100 * day, datetime(2026, 3, day, 10, tzinfo=UTC))
        record_usage(world["a"], uk, day, datetime(2026, 3, day, 11, tzinfo=UTC))
    return asr, uk


def test_the_chart_has_a_bar_per_day_and_package_matching_the_table(world, client_admin_a):
    _ten_days_of_two_packages(world)
    response = client_admin_a.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-10"})
    body = response.content.decode()
    bars = _bars(body)
    assert len(bars) == 10 * 2
    cells = _daily_table(body)
    assert len(cells) == 10 * 2
    for title in bars:
        name, day, count = re.fullmatch(
            r"(.+), (\d{4}-\d\d-\d\d): ([\d,]+) lookups, .+", title
        ).groups()
        assert cells[(name, day)] == count
    assert "ASR+ Lookup, 2026-03-10: 1,000 lookups, $0.10 USD" in bars
    assert "HLR United Kingdom Lookup, 2026-03-04: 4 lookups, $0.0092 USD" in bars
    # Axes, labels, legend and the accessible name.
    assert body.count('class="chart__axis"') == 2
    assert re.search(r'text-anchor="end" dominant-baseline="middle">1k</text>', body)
    assert ">03-01</text>" in body  # the account's Y-m-d without its year
    assert re.search(r"<li><svg class=\"chart-legend__swatch\".*?</svg>ASR\+ Lookup</li>", body)
    assert '<title id="usage-chart-title">Lookups per day, 2026-03-01 – 2026-03-10</title>' in body
    assert "Daily usage, 2026-03-01 – 2026-03-10" in body
    assert "style=" not in body[body.index("<svg") : body.index("</figure>")]


def test_bars_stack_bottom_up_and_scale_to_the_axis(world, client_admin_a):
    _ten_days_of_two_packages(world)
    body = client_admin_a.get(URL, {"date_from": "2026-03-10", "date_to": "2026-03-10"})
    rects = re.findall(
        r'<rect class="chart__bar" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"',
        body.content.decode(),
    )
    (asr_y, asr_h), (uk_y, uk_h) = [(float(y), float(h)) for y, h in rects]
    assert asr_y + asr_h == pytest.approx(256)  # on the baseline (300 - 44)
    assert uk_y + uk_h == pytest.approx(asr_y)  # stacked on top
    assert asr_h / uk_h == pytest.approx(100, rel=0.01)  # 1,000 against 10


def test_the_default_period_is_the_last_30_days(world, client_admin_a):
    _ten_days_of_two_packages(world)
    with time_machine.travel(datetime(2026, 3, 31, 12, tzinfo=UTC), tick=False):
        body = client_admin_a.get(URL).content.decode()
    assert "Daily usage, 2026-03-02 – 2026-03-31" in body
    assert 'name="date_from" value="2026-03-02"' in body
    assert 'name="date_to" value="2026-03-31"' in body
    assert body.count('<th scope="row">2026-03') == 30


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"date_from": "2026-03-10", "date_to": "2026-03-01"},
            "date_to",
            "The end date is before the start date.",
        ),
        ({"date_from": "2026-02-30"}, "date_from", "Enter a valid date."),
        ({"date_to": "yesterday"}, "date_to", "Enter a valid date."),
        (
            {"date_from": "2025-01-01", "date_to": "2026-03-01"},
            "date_from",
            "Choose at most 366 days (a year) at a time.",
        ),
        ({"date_to": "2026-04-01"}, "date_to", "Choose an end date up to today (2026-03-31)."),
        ({"date_from": "2026-04-01"}, "date_from", "Choose a start date up to today (2026-03-31)."),
        ({"date_from": "1999-12-31"}, "date_from", "Enter a date from 2000 on."),
        ({"date_from": "99999-01-01"}, "date_from", "Enter a valid date."),
    ],
)
def test_a_bad_range_is_explained_next_to_its_field(world, client_admin_a, query, field, message):
    with time_machine.travel(datetime(2026, 3, 31, 12, tzinfo=UTC), tick=False):
        response = client_admin_a.get(URL, query)
        export = client_admin_a.get(f"{URL}export.csv", query)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    body = response.content.decode()
    assert f'id="id_{field}_errors"' in body and html.escape(message) in body
    assert "That period cannot be shown (see above); this is the last 30 days." in body
    assert "Daily usage, 2026-03-02 – 2026-03-31" in body
    assert export.status_code == 302 and export["Location"].startswith(URL + "?")


def test_a_year_is_allowed(world, client_admin_a):
    with time_machine.travel(datetime(2026, 3, 31, 12, tzinfo=UTC), tick=False):
        response = client_admin_a.get(URL, {"date_from": "2025-03-31", "date_to": "2026-03-30"})
    assert response.context["form"].errors == {}
    assert response.context["period"] == Period(date(2025, 3, 31), date(2026, 3, 30))


def test_days_follow_daylight_saving_time():
    spring = Period(date(2026, 3, 8), date(2026, 3, 8))  # New York skips 02:00 that day
    start, end = spring.bounds(NEW_YORK)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    assert start.astimezone(UTC) == datetime(2026, 3, 8, 5, tzinfo=UTC)


# --- CSV --------------------------------------------------------------------------------------


def test_csv_has_a_row_per_day_package_and_price(world, client_admin_a):
    _, uk = _ten_days_of_two_packages(world)
    Package.objects.filter(pk=uk.pk).update(retail_price=Decimal("0.003"))
    record_usage(world["a"], uk, 20, datetime(2026, 3, 10, 18, tzinfo=UTC))
    response = client_admin_a.get(
        f"{URL}export.csv", {"date_from": "2026-03-09", "date_to": "2026-03-10"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="usage-2026-03-09-to-2026-03-10.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["Date", "Package", "Area", "Destination", "Lookups", "Unit price", "Charge", "Currency"],
        ["2026-03-09", "ASR+ Lookup", "ASR+", ".*", "900", "0.00010000", "0.09000000", "USD"],
        [
            "2026-03-09",
            "HLR United Kingdom Lookup",
            "HLR",
            "^44",
            "9",
            "0.00230000",
            "0.02070000",
            "USD",
        ],
        ["2026-03-10", "ASR+ Lookup", "ASR+", ".*", "1000", "0.00010000", "0.10000000", "USD"],
        [
            "2026-03-10",
            "HLR United Kingdom Lookup",
            "HLR",
            "^44",
            "10",
            "0.00230000",
            "0.02300000",
            "USD",
        ],
        [
            "2026-03-10",
            "HLR United Kingdom Lookup",
            "HLR",
            "^44",
            "20",
            "0.00300000",
            "0.06000000",
            "USD",
        ],
    ]


def test_csv_cells_cannot_become_formulas(world, client_admin_a):
    Package.objects.filter(pk=world["package_a"].pk).update(name="=HYPERLINK(1)")
    body = b"".join(client_admin_a.get(f"{URL}export.csv").streaming_content).decode()
    assert ",'=HYPERLINK(1)," in body
    assert "987654" not in body  # B's


# --- permissions ------------------------------------------------------------------------------


def _grant(world, modules):
    group = world["group_a"]
    group.permissions = dict.fromkeys(modules, ALLOW)
    save_group(group, actor=PLATFORM)


def test_the_usage_module_is_needed(world, client_user_a):
    _grant(world, ["packages"])
    assert client_user_a.get(URL).status_code == 403
    assert client_user_a.get(f"{URL}export.csv").status_code == 403
    _grant(world, ["usage"])
    body = client_user_a.get(URL).content.decode()
    assert "ASR+ Lookup" in body
    assert client_user_a.post(URL).status_code == 405  # a page to read, nothing to post


def test_without_the_packages_module_no_link_to_it(world, client_user_a):
    _grant(world, ["usage"])
    EnabledPackage.objects.for_account(world["a"]).delete()
    UsageRecord.objects.for_account(world["a"]).delete()
    body = client_user_a.get(URL).content.decode()
    assert "No lookup package is enabled." in body
    assert "Enable the lookup services" not in body


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", [{}, {"date_from": "2026-01-01", "date_to": "2026-03-31"}], ids=["30 days", "90 days"]
)
def test_the_tab_needs_the_same_queries_for_1_and_50_packages_with_90_days(
    world, client_admin_a, query
):
    account = world["a"]
    EnabledPackage.objects.for_account(account).delete()
    UsageRecord.objects.for_account(account).delete()
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)

    def add_rows(n):
        for i in range(EnabledPackage.objects.for_account(account).count(), n):
            item = Package.objects.create(
                name=f"HLR Load {i:03} Lookup",
                area="hlr",
                destination=f"^8{i:02}",
                retail_price=Decimal("0.002"),
            )
            enable_package(actor=PLATFORM, account=account, package_id=item.pk)
            UsageRecord.objects.bulk_create(
                UsageRecord(
                    account=account,
                    package=item,
                    hour=now - timedelta(days=day, hours=i % 5),
                    currency="USD",
                    unit_price=Decimal("0.002"),
                    quantity=10 + day,
                    charge=Decimal("0.002") * (10 + day),
                )
                for day in range(90)
            )

    def render():
        with time_machine.travel(now, tick=False):
            response = client_admin_a.get(URL, query)
        assert response.status_code == 200
        return response

    assert_constant_queries(render, add_rows, few=1, many=50)
    body = render().content.decode()
    assert len(_bars(body)) == 50 * len(response_days(body))
    assert len(_summary(body)) == 51  # 50 packages and the total


def response_days(body: str) -> list[str]:
    return re.findall(r'<th scope="row">(\d{4}-\d\d-\d\d)</th>', body)
