"""The Customers and CDR REST API: customers and contacts through the panel's forms and
services (scopes, another account's ids, write-only passwords, unknown fields), and the calls
with the panel's date filters, as pages and as the panel's streamed CSV."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from api.tests.conftest import ApiClient, error_of, make_token
from portal.models import Cdr, Contact, Customer
from tests.fixtures import PASSWORD
from tests.querycount import assert_constant_queries

CUSTOMERS = "/api/v1/customers"
CDR = "/api/v1/cdr"


@pytest.fixture
def api_a(world):
    return ApiClient(world["api_token_text_a"])


def _rows(world):
    return (
        list(Customer.objects.for_account(world["a"]).values().order_by("pk")),
        list(Contact.objects.for_account(world["a"]).values().order_by("pk")),
    )


def test_customers_list_search_read_and_another_accounts_id(world, api_a):
    body = api_a.get(CUSTOMERS).json()
    assert [c["name"] for c in body["items"]] == ["Alpha Retail Ltd"]
    customer = body["items"][0]
    assert customer["contact_count"] == 1 and customer["debit_limit"] == "100.0000"
    assert customer["rate_card"]["name"] == "Retail A"
    # The panel's search: a contact's e-mail finds its customer.
    assert api_a.get(CUSTOMERS, q="carla@").json()["total"] == 1
    assert api_a.get(CUSTOMERS, q="bernd@").json()["total"] == 0
    assert api_a.get(CUSTOMERS, status="suspended").json()["total"] == 0
    assert api_a.get(CUSTOMERS, sort="sideways").status_code == 400

    b = world["customer_b"]
    for path in (f"{CUSTOMERS}/{b.pk}", f"{CUSTOMERS}/{b.pk}/contacts"):
        missing = path.replace(str(b.pk), str(2**62))
        assert api_a.get(path).status_code == 404
        assert api_a.get(path).json() == api_a.get(missing).json()
    # A's customer with B's contact: still nothing.
    a_contact_b = f"{CUSTOMERS}/{world['customer_a'].pk}/contacts/{world['contact_b'].pk}"
    assert api_a.get(a_contact_b).status_code == 404
    assert api_a.patch(a_contact_b, {"name": "Taken"}).status_code == 404
    assert api_a.delete(a_contact_b).status_code == 404
    assert Contact.objects.for_account(world["b"]).get().name == "Bernd Contact"


def test_create_update_and_status_through_the_panels_rules(world, api_a):
    response = api_a.post(CUSTOMERS, {"name": "  New   Co ", "debit_limit": "25"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "New Co" and body["currency"] == world["a"].currency
    assert body["status"] == "active" and body["rate_card"] is None
    entry = AuditEntry.objects.for_account(world["a"]).filter(event="customer.created").first()
    assert entry.data["via"] == "API token “automation a”"

    path = f"{CUSTOMERS}/{body['id']}"
    card = world["ratecard_a"]
    response = api_a.patch(path, {"rate_card_id": card.pk, "hidden_areas": ["cdr"]})
    assert response.status_code == 200, response.json()
    assert response.json()["rate_card"]["id"] == card.pk
    assert response.json()["name"] == "New Co"  # unchanged fields keep their value
    assert api_a.patch(path, {"rate_card_id": None}).json()["rate_card"] is None

    before = _rows(world)
    for payload, field in [
        ({"name": "alpha retail ltd"}, "name"),  # the panel's case-blind clash
        ({"rate_card_id": world["ratecard_b"].pk}, "rate_card_id"),
        ({"debit_limit": "-1"}, "debit_limit"),
        ({"hidden_areas": ["nowhere"]}, "hidden_areas"),
        ({"currency": "XXX"}, "currency"),
        ({"balance": "1000000"}, "balance"),  # not writable: refused, not ignored
    ]:
        response = api_a.patch(path, payload)
        assert response.status_code == 400, payload
        assert field in error_of(response)["fields"], (payload, response.json())
    assert _rows(world) == before

    response = api_a.post(f"{path}/status", {"action": "suspend"})
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    response = api_a.post(f"{path}/status", {"action": "approve"})
    assert response.status_code == 409 and "cannot be approved" in error_of(response)["message"]


def test_contacts_crud_with_a_write_only_password(world, api_a):
    customer = world["customer_a"]
    contacts = f"{CUSTOMERS}/{customer.pk}/contacts"
    response = api_a.post(contacts, {"name": "Dora", "email": "Dora@Alpha-Retail.test"})
    assert response.status_code == 400
    assert "password" in error_of(response)["fields"]  # a password or an invitation
    response = api_a.post(contacts, {"name": "Dora", "email": "dora@x.test", "password": "short"})
    assert response.status_code == 400 and "password" in error_of(response)["fields"]

    response = api_a.post(
        contacts, {"name": "Dora", "email": "Dora@Alpha-Retail.test", "password": PASSWORD}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "dora@alpha-retail.test" and body["has_password"] is True
    assert PASSWORD not in response.content.decode() and "password" not in body
    contact = Contact.objects.for_account(world["a"]).get(pk=body["id"])
    assert contact.check_password(PASSWORD)

    one = f"{contacts}/{contact.pk}"
    response = api_a.patch(one, {"is_active": False, "phone": "+44 20 7946 0000"})
    assert response.status_code == 200, response.json()
    assert response.json()["is_active"] is False and response.json()["name"] == "Dora"
    assert response.json()["phone"] == "+442079460000"
    response = api_a.patch(one, {"email": "carla@alpha-retail.test"})
    assert response.status_code == 400 and "email" in error_of(response)["fields"]
    assert [c["name"] for c in api_a.get(contacts).json()["items"]] == ["Carla Contact", "Dora"]

    assert api_a.delete(one).status_code == 204
    assert api_a.get(one).status_code == 404
    assert AuditEntry.objects.for_account(world["a"]).filter(event="contact.deleted").count() == 1


def test_a_read_scope_cannot_write_customers(world):
    _, text = make_token(world["admin_a"], {"customer": "read", "cdr": "read"})
    client = ApiClient(text)
    customer = world["customer_a"]
    assert client.get(CUSTOMERS).status_code == 200
    before = _rows(world)
    for method, path, body in [
        ("POST", CUSTOMERS, {"name": "X"}),
        ("PATCH", f"{CUSTOMERS}/{customer.pk}", {"name": "X"}),
        ("POST", f"{CUSTOMERS}/{customer.pk}/status", {"action": "suspend"}),
        ("DELETE", f"{CUSTOMERS}/{customer.pk}/contacts/{world['contact_a'].pk}", None),
    ]:
        response = client.call(method, path, body)
        assert response.status_code == 403, (method, path)
        assert error_of(response)["fields"] == {"scope": ["customer:write"]}
    assert _rows(world) == before
    _, text = make_token(world["admin_a"], {"customer": "read"})
    response = ApiClient(text).get(CDR)
    assert response.status_code == 403 and "cdr:read" in error_of(response)["message"]


def _call(world, days_ago, **extra):
    return Cdr.objects.create(
        account=world["a"],
        customer=world["customer_a"],
        start_time=timezone.now() - datetime.timedelta(days=days_ago),
        caller=extra.pop("caller", "15550001111"),
        callee="447700900123",
        duration=60,
        rate=Decimal("0.09"),
        cost=Decimal("0.09"),
        currency=world["a"].currency,
        **extra,
    )


def test_cdr_list_with_date_filters_and_the_csv_export(world, api_a):
    old = _call(world, 40, caller="=HYPERLINK(1)")
    body = api_a.get(CDR).json()  # the last 30 days, as in the panel
    assert [c["id"] for c in body["items"]] == [world["cdr_a"].pk]
    assert body["items"][0]["customer_name"] == "Alpha Retail Ltd"
    assert body["items"][0]["cost"] == "0.187500"
    assert "Bravo" not in str(body)
    since = (timezone.localdate() - datetime.timedelta(days=45)).isoformat()
    body = api_a.get(CDR, date_from=since).json()
    assert [c["id"] for c in body["items"]] == [world["cdr_a"].pk, old.pk]
    assert body["date_from"] == since
    response = api_a.get(CDR, customer_id=world["customer_b"].pk)
    assert response.status_code == 400 and "customer_id" in error_of(response)["fields"]
    response = api_a.get(CDR, date_from="2025-01-10", date_to="2025-01-01")
    assert response.status_code == 400 and "date_to" in error_of(response)["fields"]
    assert api_a.get(CDR, date_from="2020-01-01", date_to="2022-01-01").status_code == 400

    response = api_a.get(f"{CDR}/export.csv", date_from=since)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "Start" and len(rows) == 3
    assert rows[2][3] == "'=HYPERLINK(1)"  # the panel's formula-safe cells
    assert api_a.get(f"{CDR}/export.csv", date_to="nope").status_code == 400


@pytest.mark.parametrize("which", ["customers", "contacts", "cdr"])
def test_lists_need_a_fixed_number_of_queries(world, api_a, which):
    customer = world["customer_a"]

    def add(n):
        for i in range(n):
            if which == "customers":
                Customer.objects.create(account=world["a"], name=f"C{n}-{i}", currency="USD")
            elif which == "contacts":
                Contact.objects.create(
                    account=world["a"], customer=customer, name=f"C{i}", email=f"c{n}-{i}@a.test"
                )
            else:
                _call(world, 1)

    path = {
        "customers": CUSTOMERS,
        "contacts": f"{CUSTOMERS}/{customer.pk}/contacts",
        "cdr": CDR,
    }[which]

    def fetch():
        response = api_a.get(path)
        assert response.status_code == 200, response.json()
        return response

    assert_constant_queries(fetch, add, few=1, many=30)
