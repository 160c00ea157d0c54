"""Destination patterns: the restricted syntax, its messages, and the admin refusing bad ones."""

import time

import pytest
from django.test import Client

from packages.destinations import MAX_LENGTH, MAX_NUMBER, destination_problem, matches
from packages.models import Package
from tests.fixtures import PASSWORD
from users.models import User

ACCEPTED = [
    "^44",
    ".*",
    "^1",
    "^(44|33)",
    "^44(7[1-9])",
    "^1[2-9]\\d{2}[2-9]",
    "^880",
    "^3[0-9]",
    "^49(15|16|17)\\d+$",
    "^[^0]",
    "^1(201|202|(30[1-5]))",
]


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_realistic_patterns_are_accepted(pattern):
    assert destination_problem(pattern) == ""


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "Enter a pattern"),
        ("^" + "4" * MAX_LENGTH, f"Keep the pattern to {MAX_LENGTH} characters"),
        ("^(\\d+)+$", "A quantifier may not follow a group"),
        ("(1|12)*", "A quantifier may not follow a group"),
        ("(.*)*", "A quantifier may not follow a group"),
        ("^(4{1,9}){2}", "A quantifier may not follow a group"),
        (".*.*.*.*.*9", "Use at most 4 quantifiers"),
        ("^\\d{1,99}", "Repeat counts may be at most 32"),
        ("^(44", "never closed"),
        ("^44)", "closes no group"),
        ("^((((44))))", "nested at most 2 deep"),
        ("^[9-0]", "not a valid regular expression"),
        ("^*", "repeats nothing"),
        ("^a", "“a” at position 2 is not allowed"),
        ("^\\w+", "“\\” at position 2 is not allowed"),
        ("^(?=44)", "repeats nothing"),
        ("(?P<x>4)", "repeats nothing"),
        ("^44 ", "“ ” at position 4 is not allowed"),
    ],
)
def test_bad_and_pathological_patterns_are_refused(pattern, message):
    assert message in destination_problem(pattern)


def test_every_accepted_pattern_fails_fast_on_the_longest_number():
    """What the rule is for: the worst accepted patterns, failing on the longest number."""
    worst = [".*.*.*.*9", "\\d*\\d*\\d*\\d*9", "^(1|11|111)\\d*\\d*\\d*0", *ACCEPTED]
    number = "1" * MAX_NUMBER
    for pattern in worst:
        assert destination_problem(pattern) == ""
        started = time.perf_counter()
        matches(pattern, number)
        assert time.perf_counter() - started < 0.05, pattern
    # And what it refuses would not finish: (1+)+9 on 32 ones tries 2**31 ways.
    assert "A quantifier may not follow a group" in destination_problem("(1+)+9")


def test_anything_but_a_short_number_matches_nothing():
    assert not matches(".*", "1" * (MAX_NUMBER + 1))
    assert not matches(".*", "44 7700")
    assert not matches(".*", "٤٤")  # Arabic-Indic digits are not ASCII digits


def test_matches_from_the_start_of_the_number():
    assert matches("^44", "447700900123")
    assert matches("44", "447700900123")
    assert not matches("^44", "144")
    assert not matches("^44", "")


@pytest.fixture
def platform_client(db):
    root = User.objects.create_superuser("root@platform.test", PASSWORD)
    client = Client()
    client.force_login(root)
    session = client.session
    session["bound_host"] = "testserver"
    session.save()
    return client


def _admin_form(**overrides):
    data = {
        "name": "HLR Test Lookup",
        "description": "",
        "area": "hlr",
        "destination": "^999",
        "retail_price": "0.002500",
        "active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("destination", "message"),
    [("^(\\d+)+$", "A quantifier may not follow a group"), ("^[", "is not allowed")],
)
def test_the_admin_refuses_a_bad_pattern_next_to_the_field(platform_client, destination, message):
    response = platform_client.post(
        "/admin/packages/package/add/", _admin_form(destination=destination)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["destination"]
    assert message in errors["destination"][0]
    assert not Package.objects.filter(name="HLR Test Lookup").exists()


def test_the_admin_saves_a_good_package_and_refuses_bad_prices(platform_client):
    response = platform_client.post("/admin/packages/package/add/", _admin_form())
    assert response.status_code == 302
    package = Package.objects.get(name="HLR Test Lookup")
    for price, message in [("-0.01", "greater than or equal to 0"), ("abc", "Enter a number")]:
        response = platform_client.post(
            f"/admin/packages/package/{package.pk}/change/", _admin_form(retail_price=price)
        )
        assert message in str(response.context["adminform"].form.errors["retail_price"])
    response = platform_client.post(
        "/admin/packages/package/add/", _admin_form(name="hlr test lookup")
    )
    assert "Another package already has this name." in response.content.decode()
