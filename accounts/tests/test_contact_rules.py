"""Post code rules and phone parsing, on their own."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.formatting import currency_choices
from accounts.phones import format_phone, parse_phone
from accounts.postcodes import RULES, clean_post_code


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("sw1a1aa", "GB", "SW1A 1AA"),
        ("EC1A  1BB", "GB", "EC1A 1BB"),
        ("gir0aa", "GB", "GIR 0AA"),
        ("94105", "US", "94105"),
        ("94105-1234", "US", "94105-1234"),
        ("k1a0b1", "CA", "K1A 0B1"),
        ("10115", "DE", "10115"),
        ("75008", "FR", "75008"),
        ("1012ab", "NL", "1012 AB"),
        ("110001", "IN", "110001"),
        ("2000", "AU", "2000"),
        ("00950", "PL", "00-950"),
        ("d02x285", "IE", "D02 X285"),
        ("  Box 12  ", "KE", "Box 12"),  # no rule: free text, spaces tidied
        ("", "GB", ""),
    ],
)
def test_post_codes_are_normalised(typed, country, stored):
    assert clean_post_code(typed, country) == stored


@pytest.mark.parametrize(
    ("typed", "country"),
    [
        ("SW1A 1A", "GB"),
        ("Q1A 1AA", "GB"),  # Q never starts a UK post code
        ("9410", "US"),
        ("D1A 1A1", "CA"),  # D is not used in Canadian post codes
        ("0123 AB", "NL"),
        ("1234 SS", "NL"),
        ("011001", "IN"),
        ("200", "AU"),
        ("1011", "DE"),
    ],
)
def test_post_codes_of_the_wrong_format_are_refused(typed, country):
    with pytest.raises(ValidationError):
        clean_post_code(typed, country)


def test_rules_cover_the_required_countries():
    assert {"GB", "US", "CA", "DE", "FR", "NL", "IN", "AU"} <= set(RULES)


@given(st.sampled_from(sorted(RULES)), st.data())
def test_a_stored_post_code_is_accepted_again_unchanged(country, data):
    value = data.draw(st.from_regex(RULES[country].pattern, fullmatch=True))
    stored = clean_post_code(value, country)
    assert clean_post_code(stored, country) == stored
    assert clean_post_code(stored.lower(), country) == stored


@pytest.mark.parametrize(
    ("typed", "region", "stored", "shown"),
    [
        ("+44 20 7946 0000", None, "+442079460000", "+44 20 7946 0000"),
        ("020 7946 0000", "GB", "+442079460000", "+44 20 7946 0000"),
        ("(415) 555-2671", "US", "+14155552671", "+1 415-555-2671"),
        ("+91 98765 43210", "GB", "+919876543210", "+91 98765 43210"),
    ],
)
def test_phones_are_stored_e164_and_shown_formatted(typed, region, stored, shown):
    assert parse_phone(typed, region) == stored
    assert format_phone(stored) == shown


def test_a_national_number_without_a_country_asks_for_the_code():
    with pytest.raises(ValidationError, match="start with \\+ and the country code"):
        parse_phone("020 7946 0000", None)


def test_currencies_offered_are_current_iso_4217_codes():
    codes = dict(currency_choices())
    assert codes["USD"] == "USD — US Dollar"
    assert {"EUR", "GBP", "INR", "JPY"} <= set(codes)
    assert not {"DEM", "FRF", "ADP"} & set(codes)  # withdrawn currencies are not offered
