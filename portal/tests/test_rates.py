"""Rate cards: the longest prefix of a dialled number wins, among the rates effective by then."""

import datetime
from decimal import Decimal

import pytest

from portal.models import Rate, RateCard, dialled_digits
from portal.money import format_rate
from tests.querycount import count_queries


@pytest.fixture
def card(world):
    return world["ratecard_a"]  # 44, 447 and 1 since 2024-01-01


def _rate(card, prefix, rate, since=datetime.date(2024, 1, 1), destination="X"):
    return Rate.objects.create(
        account=card.account,
        rate_card=card,
        prefix=prefix,
        destination=destination,
        rate=Decimal(rate),
        effective_from=since,
    )


@pytest.mark.parametrize(
    ("number", "prefix"),
    [
        ("+44 7700 900123", "447"),
        ("00442079460000", "44"),
        ("4420", "44"),
        ("1 (212) 555-0100", "1"),
        ("447", "447"),
    ],
)
def test_the_longest_prefix_wins(card, number, prefix):
    assert card.match(number).prefix == prefix


def test_no_prefix_or_not_a_number_is_no_rate(card):
    assert card.match("33 1 23 45 67 89") is None
    assert card.match("call me") is None
    assert card.match("") is None
    assert card.match("4" * 30) is None


def test_a_longer_prefix_is_used_only_from_its_effective_date(card):
    _rate(card, "44770", "0.5000", since=datetime.date(2030, 1, 1))
    assert card.match("447700900123", on=datetime.date(2029, 12, 31)).prefix == "447"
    assert card.match("447700900123", on=datetime.date(2030, 1, 1)).prefix == "44770"


def test_the_newest_effective_rate_of_a_prefix_wins(card):
    _rate(card, "447", "0.1200", since=datetime.date(2025, 6, 1))
    assert card.match("447700", on=datetime.date(2025, 5, 31)).rate == Decimal("0.09")
    assert card.match("447700", on=datetime.date(2025, 6, 1)).rate == Decimal("0.12")


def test_matching_is_one_query_and_stays_in_its_card(world, card):
    other = RateCard.objects.create(account=world["a"], name="Other", currency="USD")
    _rate(other, "4477", "9.99")
    queries, rate = count_queries(lambda: card.match("447700900123"))
    assert queries == 1 and rate.rate_card == card


def test_dialled_digits_and_rate_text():
    assert dialled_digits("+44 (0)20-7946.0000") == "4402079460000"
    assert dialled_digits("٤٤") == ""  # non-ASCII digits are not a number
    assert format_rate(Decimal("0.012000"), "USD") == "$0.012 USD"
    assert format_rate(Decimal("0.1234567"), "EUR") == "€0.123457 EUR"
    assert format_rate(Decimal("3"), "JPY") == "¥3 JPY"
