"""The panel's Rate Cards section: cards (list counts, add, edit, delete refused while in use),
a card's rates (search, dialled number, add / edit / bulk delete with every bad input), the CSV
import (all or nothing, every bad line reported) and the streamed export; permissions,
isolation and query counts."""

import csv
import datetime
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import StreamingHttpResponse

from accounts.models import AuditEntry
from portal.models import Customer, Rate, RateCard
from portal.rates_csv import MAX_BYTES
from tests.conftest import signed_in_client
from tests.querycount import assert_constant_queries, count_queries

LIST = "/rate-cards/"
SINCE = datetime.date(2024, 1, 1)


def _url(card, tail=""):
    return f"/rate-cards/{card.pk}/{tail}"


def _rates(card):
    return Rate.objects.for_account(card.account).filter(rate_card=card)


def _card(account, name="Wholesale", currency=None):
    return RateCard.objects.create(
        account=account, name=name, currency=currency or account.currency
    )


def _import(client, card, text: str | bytes, name="rates.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(_url(card, "import/"), {"file": SimpleUploadedFile(name, data)})


# --- cards -------------------------------------------------------------------------------------


def test_the_list_shows_each_card_with_its_rate_and_customer_counts(world, client_admin_a):
    empty = _card(world["a"], "Empty card")
    response = client_admin_a.get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<h1") == 1
    card = world["ratecard_a"]
    assert f'href="/rate-cards/{card.pk}/">Retail A</a>' in body
    row = body[body.index(">Retail A<") :].split("</tr>")[0]
    assert '<td class="table__number">3</td>' in row  # three rates
    assert row.count('<td class="table__number">1</td>') == 1  # one customer
    row = body[body.index(f'href="/rate-cards/{empty.pk}/"') :].split("</tr>")[0]
    assert row.count('<td class="table__number">0</td>') == 2
    assert "Retail B" not in body


def test_the_rate_cards_menu_entry_is_next_to_customers(world, client_admin_a):
    body = client_admin_a.get("/customers/").content.decode()
    assert 'href="/rate-cards/"' in body
    assert body.index('href="/customers/"') < body.index('href="/rate-cards/"')


def test_list_query_count_does_not_grow_with_cards(world, client_admin_a):
    account = world["a"]

    def add_rows(n):
        have = RateCard.objects.for_account(account).count()
        for i in range(have, n):
            card = _card(account, f"Bulk card {i:04d}")
            Rate.objects.create(
                account=account,
                rate_card=card,
                prefix="44",
                destination="UK",
                rate=Decimal("0.01"),
                effective_from=SINCE,
            )

    def render():
        response = client_admin_a.get(LIST)
        assert response.status_code == 200
        return response

    count = assert_constant_queries(render, add_rows, few=10, many=1000)
    assert count <= 5


def test_adding_a_card_saves_it_and_audits(world, client_admin_a):
    response = client_admin_a.post(LIST + "add/", {"name": " Premium   routes ", "currency": "EUR"})
    card = RateCard.objects.for_account(world["a"]).get(name="Premium routes")
    assert response.status_code == 302
    assert response["Location"] == _url(card)
    assert card.currency == "EUR"
    entry = AuditEntry.objects.for_account(world["a"]).get(event="ratecard.created")
    assert entry.actor == world["admin_a"]
    assert entry.changes["name"] == [None, "Premium routes"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "currency": "USD"}, "name", "This field is required."),
        ({"name": "retail a", "currency": "USD"}, "name", "already has a rate card"),
        ({"name": "New", "currency": "XXX"}, "currency", "Select a valid choice"),
    ],
)
def test_a_bad_card_is_refused_next_to_its_field(world, client_admin_a, data, field, message):
    before = RateCard.objects.for_account(world["a"]).count()
    response = client_admin_a.post(LIST + "add/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert RateCard.objects.for_account(world["a"]).count() == before


def test_editing_a_card_renames_it_but_keeps_the_currency_of_its_customers(world, client_admin_a):
    card = world["ratecard_a"]
    response = client_admin_a.post(_url(card, "edit/"), {"name": "Retail 2026", "currency": "USD"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.name == "Retail 2026"
    other = "EUR" if card.currency != "EUR" else "GBP"
    response = client_admin_a.post(_url(card, "edit/"), {"name": "Retail 2026", "currency": other})
    assert response.status_code == 400
    assert "Alpha Retail Ltd use this card" in response.content.decode()
    card.refresh_from_db()
    assert card.currency != other


def test_a_card_in_use_cannot_be_deleted(world, client_admin_a):
    card, spare = world["ratecard_a"], _card(world["a"], "Spare")
    response = client_admin_a.post(LIST + "delete/", {"selected": [card.pk, spare.pk]}, follow=True)
    body = response.content.decode()
    assert "Nothing was deleted. Retail A is the rate card of 1 customer." in body
    assert RateCard.objects.for_account(world["a"]).filter(pk__in=[card.pk, spare.pk]).count() == 2
    # Once the customer has another card, it goes, with its rates.
    Customer.objects.for_account(world["a"]).update(rate_card=None)
    response = client_admin_a.post(LIST + "delete/", {"selected": [card.pk]}, follow=True)
    assert "Deleted 1 rate card: Retail A." in response.content.decode()
    assert not Rate.objects.for_account(world["a"]).filter(rate_card_id=card.pk).exists()
    entry = AuditEntry.objects.for_account(world["a"]).get(event="ratecard.deleted")
    assert entry.data["rates"] == 3


def test_another_accounts_card_is_a_404_and_is_not_deleted(world, client_admin_a):
    card_b = world["ratecard_b"]
    for tail in ("", "edit/", "rates/add/", "import/", "export.csv"):
        assert client_admin_a.get(_url(card_b, tail)).status_code == 404, tail
    rate_b = card_b.rates.first()
    assert client_admin_a.get(_url(card_b, f"rates/{rate_b.pk}/")).status_code == 404
    # Card A's URL with card B's rate: 404 too.
    card_a = world["ratecard_a"]
    assert client_admin_a.get(_url(card_a, f"rates/{rate_b.pk}/")).status_code == 404
    assert client_admin_a.get("/rate-cards/999999/").status_code == 404
    client_admin_a.post(LIST + "delete/", {"selected": [card_b.pk]})
    client_admin_a.post(_url(card_a, "rates/delete/"), {"selected": [rate_b.pk]})
    assert RateCard.objects.for_account(world["b"]).filter(pk=card_b.pk).exists()
    assert Rate.objects.for_account(world["b"]).filter(pk=rate_b.pk).exists()


def test_a_read_only_user_sees_the_cards_but_cannot_write(world, admin_a):
    admin_a.read_only = True
    admin_a.save()
    client = signed_in_client(admin_a)
    card = world["ratecard_a"]
    page = client.get(_url(card)).content.decode()
    assert "United Kingdom - Mobile" in page
    assert "Import CSV" not in page and "/edit/" not in page and 'name="selected"' not in page
    assert client.get(_url(card, "export.csv")).status_code == 200
    assert client.post(LIST + "add/", {"name": "X", "currency": "USD"}).status_code == 403
    assert client.post(_url(card, "edit/"), {"name": "X", "currency": "USD"}).status_code == 403
    assert client.post(LIST + "delete/", {"selected": [card.pk]}).status_code == 403
    text = "prefix,destination,rate,effective_from\n33,FR,1,2024-01-01\n"
    assert _import(client, card, text).status_code == 403
    assert _rates(card).count() == 3
    ids = [r.pk for r in _rates(card)]
    assert client.post(_url(card, "rates/delete/"), {"selected": ids}).status_code == 403
    assert _rates(card).count() == 3
    card.refresh_from_db()
    assert card.name == "Retail A"


def test_the_customer_form_offers_the_accounts_rate_cards(world, client_admin_a):
    body = client_admin_a.get("/customers/add/").content.decode()
    assert f'<option value="{world["ratecard_a"].pk}">Retail A (USD)</option>' in body
    assert "Retail B" not in body


# --- rates -------------------------------------------------------------------------------------


def _rate_data(**changes):
    data = {"prefix": "4420", "destination": "London", "rate": "0.0125", "effective_from": ""}
    data["effective_from"] = "2025-03-01"
    data.update(changes)
    return data


def test_adding_and_editing_a_rate(world, client_admin_a):
    card = world["ratecard_a"]
    response = client_admin_a.post(_url(card, "rates/add/"), _rate_data())
    assert response.status_code == 302
    rate = _rates(card).get(prefix="4420")
    assert rate.rate == Decimal("0.0125")
    assert rate.effective_from == datetime.date(2025, 3, 1)
    assert AuditEntry.objects.for_account(world["a"]).filter(event="rate.created").exists()
    response = client_admin_a.post(
        _url(card, f"rates/{rate.pk}/"), _rate_data(rate="0.02", destination="London fixed")
    )
    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.rate, rate.destination) == (Decimal("0.02"), "London fixed")
    entry = AuditEntry.objects.for_account(world["a"]).get(event="rate.updated")
    assert entry.changes["rate"] == ["0.012500", "0.020000"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"prefix": "+44"}, "prefix", "1 to 15 digits"),
        ({"prefix": "44 20"}, "prefix", "1 to 15 digits"),
        ({"prefix": "4" * 16}, "prefix", "1 to 15 digits"),
        ({"prefix": "٤٤"}, "prefix", "1 to 15 digits"),  # Arabic-Indic digits
        ({"destination": "  "}, "destination", "required"),
        ({"rate": "-0.01"}, "rate", "cannot be negative"),
        ({"rate": "1000.01"}, "rate", "at most 1000"),
        ({"rate": "0.0000001"}, "rate", "at most 6 decimals"),
        ({"rate": "NaN"}, "rate", "as a number"),
        ({"rate": "1e3x"}, "rate", "as a number"),
        ({"effective_from": "31/01/2025"}, "effective_from", "Enter a date"),
        ({"prefix": "44", "effective_from": "2024-01-01"}, "effective_from", "already has"),
    ],
)
def test_a_bad_rate_is_refused_next_to_its_field(world, client_admin_a, changes, field, message):
    card = world["ratecard_a"]
    response = client_admin_a.post(_url(card, "rates/add/"), _rate_data(**changes))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'id="id_{field}_errors"' in body
    assert _rates(card).count() == 3


def test_bulk_deleting_rates(world, client_admin_a):
    card = world["ratecard_a"]
    ids = list(_rates(card).filter(prefix__startswith="44").values_list("pk", flat=True))
    response = client_admin_a.post(_url(card, "rates/delete/"), {"selected": ids}, follow=True)
    assert "Deleted 2 rates" in response.content.decode()
    assert list(_rates(card).values_list("prefix", flat=True)) == ["1"]
    entry = AuditEntry.objects.for_account(world["a"]).get(event="rate.deleted")
    assert entry.data["count"] == 2


def test_the_rates_list_searches_by_prefix_and_destination(world, client_admin_a):
    card = world["ratecard_a"]
    body = client_admin_a.get(_url(card), {"q": "447"}).content.decode()
    assert "United Kingdom - Mobile" in body and "United States" not in body
    body = client_admin_a.get(_url(card), {"q": "states"}).content.decode()
    assert "United States" in body and "United Kingdom" not in body


def test_the_rate_of_a_dialled_number_is_its_longest_prefix(world, client_admin_a):
    card = world["ratecard_a"]
    body = client_admin_a.get(_url(card), {"number": "+44 7700 900123"}).content.decode()
    match = body[body.index('id="dialled-match"') :].split("</p>")[0]
    assert "prefix 447, United Kingdom - Mobile" in match
    body = client_admin_a.get(_url(card), {"number": "+33 1 23 45 67 89"}).content.decode()
    assert "No rate in effect on this card matches" in body
    bad = client_admin_a.get(_url(card), {"number": "call me"})
    assert bad.status_code == 200
    assert "Enter a phone number" in bad.content.decode()


def test_the_rates_list_shows_scheduled_and_superseded_rates(world, client_admin_a):
    card = world["ratecard_a"]
    today = datetime.date.today()
    for since, rate in (
        (today - datetime.timedelta(days=1), "0.03"),
        (today.replace(year=today.year + 1), "0.04"),
    ):
        Rate.objects.create(
            account=card.account,
            rate_card=card,
            prefix="44",
            destination="UK",
            rate=Decimal(rate),
            effective_from=since,
        )
    body = client_admin_a.get(_url(card), {"q": "44"}).content.decode()
    assert ">Superseded<" in body and ">Scheduled<" in body and ">In effect<" in body


def test_rates_list_query_count_does_not_grow_with_rates(world, client_admin_a):
    card = _card(world["a"], "Big card")

    def add_rows(n):
        have = _rates(card).count()
        Rate.objects.bulk_create(
            Rate(
                account=card.account,
                rate_card=card,
                prefix=f"{9000 + i}",
                destination=f"Zone {i}",
                rate=Decimal("0.01"),
                effective_from=SINCE,
            )
            for i in range(have, n)
        )

    def render():
        response = client_admin_a.get(_url(card))
        assert response.status_code == 200
        return response

    assert assert_constant_queries(render, add_rows, few=10, many=1000) <= 7


# --- CSV import ----------------------------------------------------------------------------------

HEADER = "prefix,destination,rate,effective_from\n"


def test_an_import_adds_and_replaces_rates_and_audits(world, client_admin_a):
    card = world["ratecard_a"]
    text = HEADER + "44,United Kingdom,0.025,2024-01-01\n49,Germany,0.015,2025-01-01\n"
    response = _import(client_admin_a, card, text)
    assert response.status_code == 302
    assert _rates(card).count() == 4
    assert _rates(card).get(prefix="44").rate == Decimal("0.025")  # replaced
    assert _rates(card).get(prefix="49").destination == "Germany"
    page = client_admin_a.get(response["Location"]).content.decode()
    assert "Imported 2 rates into Retail A: 1 new, 1 replaced." in page
    entry = AuditEntry.objects.for_account(world["a"]).get(event="rate.imported")
    assert entry.data["rows"] == 2 and entry.data["created"] == 1


def test_an_import_reads_bom_crlf_any_column_order_and_blank_lines(world, client_admin_a):
    card = _card(world["a"], "Imported")
    text = '\ufeffEffective_From,Rate,Destination,Prefix\r\n2025-01-01,0.5,"Paris, FR",331\r\n\r\n'
    response = _import(client_admin_a, card, text.encode("utf-8"))
    assert response.status_code == 302
    rate = _rates(card).get()
    assert (rate.prefix, rate.destination, rate.rate) == ("331", "Paris, FR", Decimal("0.5"))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (HEADER + "44a,UK,0.01,2024-01-01\n", "Line 2: A prefix is 1 to 15 digits"),
        (HEADER + "33,France,-0.01,2024-01-01\n", "Line 2: A rate cannot be negative."),
        (HEADER + "33,France,0.01,01/02/2024\n", "Line 2: Enter the effective date"),
        (HEADER + "33,,0.01,2024-01-01\n", "Line 2: Enter the destination"),
        (HEADER + "33,France,0.01\n", "Line 2: 3 values where the header has 4."),
        (
            HEADER + "33,France,0.01,2024-01-01\n33,France again,0.02,2024-01-01\n",
            "Line 3: Prefix 33 from 2024-01-01 is already on line 2.",
        ),
        (
            "prefix,destination,rate,effective_from,carrier\n33,F,0.01,2024-01-01,x\n",
            "unknown column",
        ),
        ("prefix,destination,rate\n33,F,0.01\n", "missing column effective_from"),
        ("", "The file is empty."),
        ("\n\n", "The file is empty."),
        (HEADER, "The file has a header but no rates."),
        (b"prefix,destination,rate,effective_from\n33,\xff,0.01,2024-01-01\n", "not UTF-8"),
    ],
)
def test_a_bad_import_imports_nothing_and_says_why(world, client_admin_a, text, said):
    card = world["ratecard_a"]
    # A good line first: it must not be imported either.
    if isinstance(text, str) and text.startswith(HEADER) and text != HEADER:
        text = HEADER + "34,Spain,0.02,2024-01-01\n" + text[len(HEADER) :]
        said = (
            said.replace("Line 3", "Line 4").replace("line 2", "line 3").replace("Line 2", "Line 3")
        )
    before = sorted(_rates(card).values_list("prefix", "rate"))
    response = _import(client_admin_a, card, text)
    assert response.status_code == 400
    body = response.content.decode()
    assert said in body
    assert sorted(_rates(card).values_list("prefix", "rate")) == before
    assert not AuditEntry.objects.for_account(world["a"]).filter(event="rate.imported").exists()


def test_every_bad_line_is_reported_with_its_number(world, client_admin_a):
    card = world["ratecard_a"]
    text = HEADER + "x,A,1,2024-01-01\n33,B,1,2024-01-01\n34,C,-1,2024-01-01\n35,D,1,2024-13-01\n"
    body = _import(client_admin_a, card, text).content.decode()
    assert "Nothing was imported: 3 lines are wrong." in body
    for line in ("Line 2:", "Line 4:", "Line 5:"):
        assert line in body
    assert "Line 3:" not in body
    assert _rates(card).count() == 3


def test_a_file_too_large_is_refused_before_it_is_read(world, client_admin_a):
    card = world["ratecard_a"]
    text = HEADER + ("33,France,0.01,2024-01-01\n" * (MAX_BYTES // 26 + 10))
    response = _import(client_admin_a, card, text)
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()
    assert _rates(card).count() == 3


def test_a_file_with_too_many_rows_is_refused(world, client_admin_a, monkeypatch):
    from portal import rates_csv

    monkeypatch.setattr(rates_csv, "MAX_ROWS", 5)
    card = world["ratecard_a"]
    text = HEADER + "".join(f"{30 + i},X,0.01,2024-01-01\n" for i in range(6))
    response = _import(client_admin_a, card, text)
    assert response.status_code == 400
    assert "more than 5 rates" in response.content.decode()
    assert _rates(card).count() == 3


def test_an_import_of_thousands_of_rows_takes_a_handful_of_queries(world, client_admin_a):
    card = _card(world["a"], "Thousands")
    rows = 5000
    text = HEADER + "".join(f"{10000 + i},Zone {i},0.{i:04d},2025-01-01\n" for i in range(rows))
    queries, response = count_queries(lambda: _import(client_admin_a, card, text))
    assert response.status_code == 302
    assert _rates(card).count() == rows
    # Bulk upserts: one query per batch (2,000 rows, or fewer where the database limits the
    # parameters of one query, as SQLite does), plus a fixed few; never a query per row.
    fields = [Rate._meta.get_field(name) for name in ("account", "rate_card", "prefix")]
    fields += [Rate._meta.get_field(name) for name in ("destination", "rate", "effective_from")]
    per_batch = min(2000, connection.ops.bulk_batch_size(fields, [None] * rows) or 2000)
    batches = -(-rows // per_batch)
    assert queries <= batches + 15, (queries, batches)
    assert queries < rows / 50
    # Importing it again replaces every rate: still no new rows.
    response = _import(client_admin_a, card, text.replace(",0.", ",1."))
    assert response.status_code == 302
    assert _rates(card).count() == rows
    assert _rates(card).get(prefix="10001").rate == Decimal("1.0001")


# --- CSV export ----------------------------------------------------------------------------------


def _csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_streams_the_cards_rates_in_the_import_columns(world, client_admin_a):
    card = world["ratecard_a"]
    response = client_admin_a.get(_url(card, "export.csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="rate-card-retail-a.csv"' in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == ["prefix", "destination", "rate", "effective_from"]
    assert rows[1:] == [
        ["1", "United States", "0.010000", "2024-01-01"],
        ["44", "United Kingdom", "0.020000", "2024-01-01"],
        ["447", "United Kingdom - Mobile", "0.090000", "2024-01-01"],
    ]
    assert "Retail B" not in str(rows)


def test_an_export_imports_back_unchanged(world, client_admin_a):
    card, copy = world["ratecard_a"], _card(world["a"], "Copy")
    data = b"".join(client_admin_a.get(_url(card, "export.csv")).streaming_content)
    assert _import(client_admin_a, copy, data).status_code == 302
    fields = ("prefix", "destination", "rate", "effective_from")
    assert sorted(_rates(copy).values_list(*fields)) == sorted(_rates(card).values_list(*fields))


def test_the_export_follows_the_search(world, client_admin_a):
    card = world["ratecard_a"]
    rows = _csv_rows(client_admin_a.get(_url(card, "export.csv"), {"q": "447"}))
    assert [row[0] for row in rows[1:]] == ["447"]


def test_an_export_of_50000_rates_streams_in_flat_memory(world, client_admin_a):
    card = _card(world["a"], "Huge")

    def add(start, n):
        Rate.objects.bulk_create(
            (
                Rate(
                    account=card.account,
                    rate_card=card,
                    prefix=f"{100000 + i}",
                    destination=f"Zone {i}",
                    rate=Decimal("0.0123"),
                    effective_from=SINCE,
                )
                for i in range(start, start + n)
            ),
            batch_size=2000,
        )

    def peak():
        tracemalloc.start()
        try:
            response = client_admin_a.get(_url(card, "export.csv"))
            assert isinstance(response, StreamingHttpResponse)
            lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
            return lines, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    add(0, 10_000)
    peak()  # warm-up
    lines_10k, peak_10k = peak()
    add(10_000, 40_000)
    lines, peak_50k = peak()
    assert (lines_10k, lines) == (10_001, 50_001)
    assert peak_50k < peak_10k * 1.25 + 512 * 1024, (peak_10k, peak_50k)


def test_the_dialled_number_lookup_keeps_the_search(world, client_admin_a):
    body = client_admin_a.get(_url(world["ratecard_a"]), {"q": "United"}).content.decode()
    assert '<input type="hidden" name="q" value="United">' in body


def test_the_services_check_the_write_permission_again(world, admin_a):
    from django.core.exceptions import PermissionDenied

    from accounts.actors import Actor
    from portal import services_rates

    admin_a.read_only = True
    admin_a.save()
    actor, card = Actor(user=admin_a), world["ratecard_a"]
    text = (HEADER + "33,France,0.01,2024-01-01\n").encode()
    for write in (
        lambda: services_rates.import_rates(actor=actor, card=card, data=text),
        lambda: services_rates.create_card(
            actor=actor, account=world["a"], data={"name": "X", "currency": "USD"}
        ),
        lambda: services_rates.delete_rates(actor, [r.pk for r in _rates(card)], card=card),
        lambda: services_rates.delete_cards(actor, [card.pk], account=world["a"]),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert _rates(card).count() == 3
