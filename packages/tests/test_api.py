"""The Usage REST API: the Usage tab's daily rows (per day, package and unit price) for its own
date range, in the token user's time zone; scopes and a constant query count."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.models import Account
from api.tests.conftest import ApiClient, error_of, make_token
from packages.models import Package
from packages.services import record_usage
from tests.querycount import assert_constant_queries

from .test_usage_tab import _ten_days_of_two_packages

DAILY = "/api/v1/usage/daily"


@pytest.fixture
def api_a(world):
    return ApiClient(world["api_token_text_a"])


def test_daily_rows_for_a_range(world, api_a):
    _, uk = _ten_days_of_two_packages(world)
    Package.objects.filter(pk=uk.pk).update(retail_price=Decimal("0.003"))
    record_usage(world["a"], uk, 20, datetime(2026, 3, 10, 18, tzinfo=UTC))
    body = api_a.get(DAILY, date_from="2026-03-09", date_to="2026-03-10").json()
    assert (body["date_from"], body["date_to"], body["total"]) == ("2026-03-09", "2026-03-10", 5)
    first = body["items"][0]
    assert first == {
        "date": "2026-03-09",
        "package": "ASR+ Lookup",
        "area": "ASR+",
        "destination": ".*",
        "lookups": 900,
        "unit_price": "0.00010000",
        "charge": "0.09000000",
        "currency": "USD",
    }
    assert [(r["date"], r["lookups"]) for r in body["items"][3:]] == [
        ("2026-03-10", 10),
        ("2026-03-10", 20),
    ]  # the new price makes a row of its own
    assert "987654" not in str(api_a.get(DAILY).json())  # B's

    # Days are the token user's: 18:00 UTC on the 10th is the 11th in Tokyo.
    Account.objects.filter(pk=world["a"].pk).update(time_zone="Asia/Tokyo")
    body = api_a.get(DAILY, date_from="2026-03-11", date_to="2026-03-11").json()
    assert body["time_zone"] == "Asia/Tokyo"
    assert [r["lookups"] for r in body["items"]] == [20]


def test_bad_ranges_are_field_errors(world, api_a):
    for query, field in [
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "2020-01-01", "date_to": "2022-01-01"}, "date_from"),
        ({"date_from": "2999-01-01"}, "date_from"),
        ({"date_from": "1999-12-31"}, "date_from"),
        ({"date_from": "March"}, "date_from"),
    ]:
        response = api_a.get(DAILY, **query)
        assert response.status_code == 400, query
        assert field in error_of(response)["fields"], response.json()


def test_the_usage_scope_is_needed(world):
    _, text = make_token(world["admin_a"], {"packages": "read"})
    response = ApiClient(text).get(DAILY)
    assert response.status_code == 403 and "usage:read" in error_of(response)["message"]
    _, text = make_token(world["admin_a"], {"usage": "read"})
    assert ApiClient(text).get(DAILY).status_code == 200


def test_the_daily_rows_need_a_fixed_number_of_queries(world, api_a):
    package = world["package_a"]

    def add(n):
        for day in range(1, n + 1):
            record_usage(
                world["a"], package, 1, datetime(2026, 1, 1 + day % 28, day % 24, tzinfo=UTC)
            )

    def fetch():
        response = api_a.get(DAILY, date_from="2026-01-01", date_to="2026-01-31")
        assert response.status_code == 200
        return response

    assert_constant_queries(fetch, add, few=1, many=30)
