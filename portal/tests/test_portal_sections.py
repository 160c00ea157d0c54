"""The portal's sections for a signed-in contact: only their own customer's calls and rates
(not another customer's of the same account, nothing of account B), each section only when the
domain's access area is on and not hidden for the customer, the Dashboard's tiles against a hand
computation, CSV downloads, and constant query counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.utils import timezone

from accounts.actors import PLATFORM
from domains.models import PortalDomain
from domains.routing import forget_hosts
from portal import services, stats
from portal.models import Cdr, Customer, Disposition, Rate
from tests.fixtures import PASSWORD
from tests.querycount import assert_constant_queries

HOST = "portal.alpha.test"
ALL_AREAS = [
    "cdr",
    "rate_card",
    "balance",
    "latest_calls",
    "customer_asr",
    "customer_acd",
    "customer_cps",
    "customer_channels",
]


def _areas(world, areas):
    """As the Domains tab saves it (the host cache is forgotten on commit)."""
    for domain in PortalDomain.objects.for_account(world["a"]):
        domain.access_areas = areas
        domain.save()
        forget_hosts(domain.domain)  # what the commit would do (a test never commits)


def _contact_client(email="carla@alpha-retail.test", password=PASSWORD):
    client = Client(HTTP_HOST=HOST)
    assert client.post("/login/", {"email": email, "password": password}).status_code == 302
    return client


@pytest.fixture
def neighbour(world):
    """Another customer of account A, with a call of its own."""
    customer = services.create_customer(
        actor=PLATFORM, account=world["a"], data={"name": "Neighbour Co", "currency": "USD"}
    )
    _call(customer, caller="+15559990000", callee="33123456789")
    return customer


def _call(customer, *, minutes_ago=30, duration=60, disposition=Disposition.ANSWERED, **fields):
    return Cdr.objects.create(
        account_id=customer.account_id,
        customer=customer,
        start_time=fields.pop(
            "start_time", timezone.now() - datetime.timedelta(minutes=minutes_ago)
        ),
        caller=fields.pop("caller", "+15550002222"),
        callee=fields.pop("callee", "442079460000"),
        destination="United Kingdom",
        duration=duration,
        rate=Decimal("0.02"),
        cost=Decimal("0.02") * duration / 60,
        currency=customer.currency,
        disposition=disposition,
        **fields,
    )


def test_a_contact_sees_only_their_own_customers_calls(world, neighbour):
    _areas(world, ALL_AREAS)
    client = _contact_client()
    body = client.get("/cdr/").content.decode()
    assert "+15550001111" in body  # the world's call of Alpha Retail
    assert "+15559990000" not in body  # the neighbour's (same account)
    assert "+4930000222" not in body  # account B's
    dashboard = client.get("/").content.decode()
    assert "+15559990000" not in dashboard and "447700900123" in dashboard  # latest calls
    rows = list(
        csv.reader(io.StringIO(b"".join(client.get("/cdr/export.csv").streaming_content).decode()))
    )
    assert [r[2] for r in rows[1:]] == ["'+15550001111"]  # made safe for spreadsheets


def test_an_area_turned_off_hides_the_section_and_its_urls_are_404(world):
    _areas(world, ["balance"])
    client = _contact_client()
    body = client.get("/").content.decode()
    assert 'href="/cdr/"' not in body and 'href="/rates/"' not in body
    for url in ("/cdr/", "/cdr/export.csv", "/rates/", "/rates/export.csv"):
        assert client.get(url).status_code == 404, url
    _areas(world, ["cdr", "rate_card"])
    body = client.get("/").content.decode()
    assert 'href="/cdr/"' in body and 'href="/rates/"' in body
    assert 'id="balance"' not in body  # the Balance area is off now
    assert client.get("/cdr/").status_code == 200 and client.get("/rates/").status_code == 200


def test_an_area_hidden_for_the_customer_is_gone_for_its_contacts(world):
    _areas(world, ALL_AREAS)
    Customer.objects.for_account(world["a"]).filter(pk=world["customer_a"].pk).update(
        hidden_areas=["rate_card"]
    )
    client = _contact_client()
    assert 'href="/rates/"' not in client.get("/").content.decode()
    assert client.get("/rates/").status_code == 404
    assert client.get("/cdr/").status_code == 200


def test_the_cdr_page_filters_by_date_and_refuses_bad_ranges(world):
    _areas(world, ALL_AREAS)
    old = _call(world["customer_a"], minutes_ago=60 * 24 * 40, caller="+15550004040")
    client = _contact_client()
    assert "+15550004040" not in client.get("/cdr/").content.decode()
    day = timezone.localdate(old.start_time).isoformat()
    body = client.get("/cdr/", {"date_from": day, "date_to": day}).content.decode()
    assert "+15550004040" in body and "+15550001111" not in body
    reversed_ = client.get("/cdr/", {"date_from": "2026-02-02", "date_to": "2026-01-01"})
    assert reversed_.status_code == 200
    assert "The end date is before the start date." in reversed_.content.decode()
    too_long = client.get("/cdr/", {"date_from": "2020-01-01", "date_to": "2026-01-01"})
    assert "at most a year" in too_long.content.decode()
    assert client.get("/cdr/", {"date_from": "garbage"}).status_code == 200


def test_portal_cdr_query_count_does_not_grow(world):
    _areas(world, ALL_AREAS)
    client = _contact_client()
    customer = world["customer_a"]

    def add_rows(n):
        have = Cdr.objects.for_account(world["a"]).filter(customer=customer).count()
        Cdr.objects.bulk_create(
            Cdr(
                account_id=customer.account_id,
                customer=customer,
                start_time=timezone.now() - datetime.timedelta(minutes=i + 5),
                caller=f"+1555{i:07d}",
                callee="44207946",
                duration=30,
                currency="USD",
            )
            for i in range(have, n)
        )

    def render():
        response = client.get("/cdr/")
        assert response.status_code == 200
        return response

    # session, contact (with customer), count, rows
    assert assert_constant_queries(render, add_rows, few=10, many=1000) == 4


def test_the_rate_card_searches_prefix_destination_and_dialled_number(world):
    _areas(world, ALL_AREAS)
    card = world["ratecard_a"]
    Rate.objects.create(
        account=world["a"],
        rate_card=card,
        prefix="447",
        destination="United Kingdom - Mobile",
        rate=Decimal("0.1500"),
        effective_from=timezone.localdate() + datetime.timedelta(days=30),  # not yet
    )
    client = _contact_client()
    body = client.get("/rates/").content.decode()
    assert "United Kingdom - Mobile" in body and "$0.09 USD" in body
    assert "$0.15 USD" not in body  # the future rate is not in effect
    by_prefix = client.get("/rates/", {"q": "44"}).content.decode()
    assert "United Kingdom" in by_prefix and "United States" not in by_prefix
    assert 'href="/rates/export.csv?q=44"' in by_prefix
    odd = client.get("/rates/", {"q": "a&b=c"}).content.decode()
    assert 'href="/rates/export.csv?q=a%26b%3Dc"' in odd
    by_name = client.get("/rates/", {"q": "states"}).content.decode()
    assert "United States" in by_name and "United Kingdom" not in by_name
    dialled = client.get("/rates/", {"number": "+44 7700 900123"}).content.decode()
    assert "prefix 447, United Kingdom - Mobile, $0.09 USD per minute" in dialled
    none = client.get("/rates/", {"number": "+33 1 23 45 67 89"}).content.decode()
    assert "No rate on your rate card matches" in none
    bad = client.get("/rates/", {"number": "call me"}).content.decode()
    assert "Enter a phone number" in bad
    response = client.get("/rates/export.csv", {"q": "44"})
    assert isinstance(response, StreamingHttpResponse)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["Prefix", "Destination", "Rate per minute", "Currency", "Effective from"],
        ["44", "United Kingdom", "0.020000", "USD", "2024-01-01"],
        ["447", "United Kingdom - Mobile", "0.090000", "USD", "2024-01-01"],
    ]


def test_another_customers_rate_card_is_not_shown(world, neighbour):
    _areas(world, ALL_AREAS)
    services.create_contact(
        actor=PLATFORM,
        customer=neighbour,
        data={"name": "Ned", "email": "ned@neighbour.test"},
        password=PASSWORD,
    )
    client = _contact_client("ned@neighbour.test")
    body = client.get("/rates/").content.decode()
    assert "No rate card is set for Neighbour Co" in body
    assert "United Kingdom" not in body
    assert "+15550001111" not in client.get("/cdr/").content.decode()


def test_the_tiles_match_a_hand_computation(world):
    customer = services.create_customer(
        actor=PLATFORM, account=world["a"], data={"name": "Tile Co", "currency": "USD"}
    )
    now = timezone.now().replace(microsecond=0)
    base = now - datetime.timedelta(hours=2)
    # Answered: 60 s and 120 s overlapping, 30 s later; two more begin in the same second.
    _call(customer, start_time=base, duration=60)
    _call(customer, start_time=base + datetime.timedelta(seconds=10), duration=120)
    _call(customer, start_time=base + datetime.timedelta(seconds=300), duration=30)
    _call(
        customer,
        start_time=base + datetime.timedelta(seconds=600),
        duration=0,
        disposition=Disposition.BUSY,
    )
    _call(
        customer,
        start_time=base + datetime.timedelta(seconds=600),
        duration=0,
        disposition=Disposition.NO_ANSWER,
    )
    _call(
        customer,
        start_time=base + datetime.timedelta(seconds=600),
        duration=0,
        disposition=Disposition.FAILED,
    )
    _call(customer, start_time=now - datetime.timedelta(hours=30), duration=999)  # outside 24 h
    tiles = stats.last_24_hours(customer, now=now)
    assert (tiles.calls, tiles.answered) == (6, 3)
    assert tiles.asr == Decimal("50.0")  # 3 / 6
    assert tiles.acd == 70  # (60 + 120 + 30) / 3
    assert tiles.cps == 3  # three calls at base + 600 s
    assert tiles.channels == 2  # the first two overlap
    _areas(world, ALL_AREAS)
    services.create_contact(
        actor=PLATFORM,
        customer=customer,
        data={"name": "T", "email": "t@tile.test"},
        password=PASSWORD,
    )
    body = _contact_client("t@tile.test").get("/").content.decode()
    assert "50.0 %" in body and "1:10" in body and "3 of 6 calls answered" in body
