"""The panel's CDR section: the account's calls, date-filtered (with every bad date), by
customer, paged at a constant query count, and a streamed CSV whose memory stays flat."""

import csv
import datetime
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.actors import PLATFORM
from portal import services
from portal.models import Cdr
from tests.querycount import assert_constant_queries, count_queries

LIST = "/cdr/"
EXPORT = "/cdr/export.csv"


def _calls(customer, n, *, start=None, step=datetime.timedelta(minutes=3), **fields):
    start = start or timezone.now() - datetime.timedelta(hours=1)
    Cdr.objects.bulk_create(
        Cdr(
            **{
                "account_id": customer.account_id,
                "customer": customer,
                "start_time": start - i * step,
                "caller": f"1555{i:07d}",
                "callee": "442079460000",
                "destination": "United Kingdom",
                "duration": 60 + i % 300,
                "rate": Decimal("0.02"),
                "cost": Decimal("0.02") * (60 + i % 300) / 60,
                "currency": customer.currency,
                "carrier": "Carrier A",
                **fields,
            }
        )
        for i in range(n)
    )


def _day(days_ago: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def test_the_list_shows_the_accounts_calls_only(world, client_admin_a):
    response = client_admin_a.get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<h1") == 1
    for header in (">Start<", ">Caller<", ">Callee<", ">Duration<", ">Cost<", ">Disposition<"):
        assert header in body, header
    assert "+15550001111" in body and "Alpha Retail Ltd" in body
    assert "2:05" in body  # 125 seconds
    assert "$0.09 USD" in body  # the rate per minute, not rounded away
    assert "$0.19" in body  # the cost 0.1875 in the account's USD
    assert "+4930000222" not in body and "Bravo Wholesale" not in body


def test_the_default_range_is_the_last_30_days(world, client_admin_a):
    customer = world["customer_a"]
    _calls(customer, 1, start=timezone.now() - datetime.timedelta(days=45), caller="old-call")
    body = client_admin_a.get(LIST).content.decode()
    assert "old-call" not in body and "+15550001111" in body
    body = client_admin_a.get(LIST, {"date_from": _day(50), "date_to": _day(40)}).content.decode()
    assert "old-call" in body and "+15550001111" not in body


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": _day(1), "date_to": _day(5)}, "date_to", "before the start date"),
        ({"date_from": "2026-13-45"}, "date_from", "Enter a valid date."),
        ({"date_to": "yesterday"}, "date_to", "Enter a valid date."),
        ({"date_from": _day(400), "date_to": _day(0)}, "date_to", "at most a year"),
        ({"customer": "999999"}, "customer", "Choose one of your customers."),
    ],
)
def test_bad_filters_are_reported_and_the_default_applies(
    world, client_admin_a, query, field, message
):
    response = client_admin_a.get(LIST, query)
    assert response.status_code == 200
    form = response.context["filters"]
    assert message in " ".join(form.errors[field])
    assert "+15550001111" in response.content.decode()  # the last 30 days are shown


def test_another_accounts_customer_filters_nothing_of_theirs(world, client_admin_a):
    response = client_admin_a.get(LIST, {"customer": world["customer_b"].pk})
    body = response.content.decode()
    assert "Choose one of your customers." in body
    assert "+4930000222" not in body


def test_filter_by_customer(world, client_admin_a):
    other = services.create_customer(
        actor=PLATFORM, account=world["a"], data={"name": "Other Co", "currency": "USD"}
    )
    _calls(other, 1, caller="other-caller")
    body = client_admin_a.get(LIST, {"customer": other.pk}).content.decode()
    assert "other-caller" in body and "+15550001111" not in body


def test_the_list_pages_at_25_newest_first(world, client_admin_a):
    _calls(world["customer_a"], 30)
    response = client_admin_a.get(LIST)
    page = response.context["calls"].page
    assert len(page.object_list) == 25 and page.paginator.count == 31
    starts = [c.start_time for c in page.object_list]
    assert starts == sorted(starts, reverse=True)


def test_list_query_count_is_the_same_at_10_and_5000_rows(world, client_admin_a):
    customer = world["customer_a"]

    def add_rows(n):
        have = Cdr.objects.for_account(world["a"]).count()
        _calls(customer, n - have, step=datetime.timedelta(seconds=20))

    def render():
        response = client_admin_a.get(LIST)
        assert response.status_code == 200
        return response

    count = assert_constant_queries(render, add_rows, few=10, many=5000)
    assert count == 5  # session, user, the customer filter's choices, the count, the rows


def test_the_csv_has_the_filtered_calls(world, client_admin_a):
    _calls(world["customer_a"], 3, caller="=HYPERLINK(1)")
    response = client_admin_a.get(EXPORT, {"customer": world["customer_a"].pk})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["Start", "Start (UTC)", "Customer", "Caller"]
    assert len(rows) == 1 + 4
    assert "'=HYPERLINK(1)" in [r[3] for r in rows]  # no formula injection
    assert all(r[2] == "Alpha Retail Ltd" for r in rows[1:])
    assert not any("+4930000222" in ",".join(r) for r in rows)


def test_a_user_without_the_cdr_module_is_refused(world, client_user_a):
    assert client_user_a.get(LIST).status_code == 403
    assert client_user_a.get(EXPORT).status_code == 403


def test_a_csv_of_50000_calls_streams_in_flat_memory(world, client_admin_a):
    customer = world["customer_a"]
    twenty_days = {"date_from": _day(20), "date_to": _day(0)}

    def peak_of(query):
        tracemalloc.start()
        try:
            response = client_admin_a.get(EXPORT, query)
            assert isinstance(response, StreamingHttpResponse)
            lines = 0
            for chunk in response.streaming_content:
                lines += chunk.count(b"\n")
            return lines, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    _calls(customer, 10_000, step=datetime.timedelta(seconds=30))
    peak_of(twenty_days)  # warm-up: imports and caches are not the export's memory
    lines_10k, peak_10k = peak_of(twenty_days)
    _calls(
        customer,
        40_000,
        start=timezone.now() - datetime.timedelta(hours=1, seconds=30 * 10_000 + 15),
        step=datetime.timedelta(seconds=30),
    )
    lines, peak = peak_of(twenty_days)
    assert lines_10k == 10_000 + 1 + 1  # the calls, the header and the world's call
    assert lines == 50_000 + 1 + 1
    # 50,000 rows are ~8 MB of CSV; five times the rows must not need more memory (measured:
    # ~3 MB at 10,000 and at 50,000). Holding the rows (list() instead of iterator()) needs
    # well over 20 MB.
    assert peak < 6 * 1024 * 1024, peak
    assert peak < peak_10k * 1.25 + 512 * 1024, (peak_10k, peak)


def test_the_export_query_count_does_not_grow(world, client_admin_a):
    def fetch():
        response = client_admin_a.get(EXPORT)
        return b"".join(response.streaming_content)

    fetch()
    few, _ = count_queries(fetch)
    _calls(world["customer_a"], 500)
    many, _ = count_queries(fetch)
    assert many <= few


def test_the_list_counts_a_bounded_number_of_calls(world, client_admin_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _calls(world["customer_a"], 40)
    with CaptureQueriesContext(connection) as captured:
        response = client_admin_a.get(LIST, {"page": 2})
    assert response.status_code == 200
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 10026" in counts[0]  # 25 skipped + 10,000 + 1
    assert "Page 2 of 2 · 41 in all" in response.content.decode()
