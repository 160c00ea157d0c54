"""The Payments and Gateways REST API: the payments list with the panel's filters, one payment,
a top-up through the Make Payment dialog's form and the one payment engine; the account's
gateways (secrets write-only) with a verify against the fake Stripe."""

import pytest

from accounts.models import AuditEntry
from api.tests.conftest import ApiClient, error_of, make_token
from payment_gateways.models import Gateway, Payment
from tests.fakes.stripe_api import FakeStripe
from tests.querycount import assert_constant_queries

from .conftest import pay_on_stripe_page
from .factories import pending_payment

PAYMENTS = "/api/v1/payments"
TOP_UP = f"{PAYMENTS}/top-up"


@pytest.fixture
def api_a(world):
    return ApiClient(world["api_token_text_a"])


def _count(world):
    return Payment.objects.for_account(world["a"]).count()


def test_list_filters_and_read(world, api_a):
    pending = pending_payment(world["a"], "75.00")
    body = api_a.get(PAYMENTS).json()
    ids = list(Payment.objects.for_account(world["a"]).values_list("pk", flat=True))
    assert [p["id"] for p in body["items"]] == ids and ids[0] == pending.pk  # newest first
    assert world["payment_b"].reference not in str(body)
    assert body["items"][0] == {
        **body["items"][0],
        "amount": "75.00",
        "status": "pending",
        "method": "Credit card",
        "reference": pending.reference,
    }
    cancelled = api_a.get(PAYMENTS, status="cancelled").json()["items"]
    assert world["payment_a"].pk in [p["id"] for p in cancelled]
    assert {p["status"] for p in cancelled} == {"cancelled"}
    assert api_a.get(PAYMENTS, date_from="2000-01-01", date_to="1999-01-01").status_code == 400
    assert api_a.get(PAYMENTS, status="refunded").status_code == 400

    assert api_a.get(f"{PAYMENTS}/{pending.pk}").json()["description"] == "Account balance top-up"
    other = api_a.get(f"{PAYMENTS}/{world['payment_b'].pk}")
    assert other.status_code == 404
    assert other.json() == api_a.get(f"{PAYMENTS}/{2**62}").json()


def test_a_top_up_answers_the_gateways_page(world, api_a, platform_stripe):
    response = api_a.post(TOP_UP, {"pay_via": "stripe", "amount": "25"})
    assert response.status_code == 201, response.json()
    body = response.json()
    payment = Payment.objects.for_account(world["a"]).get(pk=body["payment"]["id"])
    assert body["payment"]["status"] == "pending" and body["payment"]["amount"] == "25.00"
    assert body["redirect_url"] == f"{platform_stripe.url}/pay/{payment.checkout_id}"
    entry = AuditEntry.objects.for_account(world["a"]).get(event="payment.started")
    assert entry.data["via"] == "API token “automation a”"
    # The payer pays on Stripe's page and is sent back to the panel's return page.
    back = pay_on_stripe_page(body["redirect_url"])
    assert f"/account/payments/{payment.pk}/return/" in back.headers["Location"]


def test_bad_top_ups_start_nothing(world, api_a, platform_stripe):
    before = _count(world)
    for payload, field in [
        ({"pay_via": "stripe", "amount": "5"}, "amount"),  # below PAYMENT_MIN
        ({"pay_via": "stripe", "amount": "25.001"}, "amount"),
        ({"pay_via": "stripe", "amount": "-25"}, "amount"),
        ({"pay_via": "paypal", "amount": "25"}, "pay_via"),  # not configured
        ({"pay_via": "stripe", "amount": "25", "currency": "EUR"}, "currency"),
        ({"pay_via": "stripe", "amount": "25", "status": "completed"}, "status"),
        ({"pay_via": "stripe", "amount": "NaN"}, "amount"),
    ]:
        response = api_a.post(TOP_UP, payload)
        assert response.status_code == 400, (payload, response.json())
        assert field in error_of(response)["fields"], (payload, response.json())
    assert _count(world) == before
    assert not [r for r in platform_stripe.requests if r.path == "/v1/checkout/sessions"]


def test_a_read_scope_cannot_top_up(world, platform_stripe):
    _, text = make_token(world["admin_a"], {"payments": "read"})
    client = ApiClient(text)
    before = _count(world)
    assert client.get(PAYMENTS).status_code == 200
    response = client.post(TOP_UP, {"pay_via": "stripe", "amount": "25"})
    assert response.status_code == 403
    assert error_of(response)["fields"] == {"scope": ["payments:write"]}
    assert _count(world) == before


def test_the_list_needs_a_fixed_number_of_queries(world, api_a):
    def add(n):
        for _ in range(_count(world), n):
            pending_payment(world["a"])

    def fetch():
        response = api_a.get(PAYMENTS)
        assert response.status_code == 200
        return response

    assert_constant_queries(fetch, add, few=1, many=30)


# --- Gateways --------------------------------------------------------------------------------

GATEWAYS = "/api/v1/gateways"


@pytest.fixture
def stripe(settings):
    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        yield fake


def _gateways(world):
    return list(Gateway.objects.for_account(world["a"]).values().order_by("pk"))


def test_gateways_list_and_read_never_show_a_secret(world, api_a):
    body = api_a.get(GATEWAYS).json()
    assert [g["name"] for g in body["items"]] == ["PayPal of a", "Stripe of a"]
    assert [g["name"] for g in api_a.get(GATEWAYS, type="stripe").json()["items"]] == [
        "Stripe of a"
    ]
    one = api_a.get(f"{GATEWAYS}/{world['gateway_a'].pk}").json()
    assert one["secret_key_set"] and one["webhook_secret_set"]
    assert one["public_key_last4"] == "••••0000"
    text = str(body) + str(one)
    for secret in ("sk_test_worlda", "whsec_worlda", "ELworldasecret", "pk_test_worlda"):
        assert secret not in text
    other = api_a.get(f"{GATEWAYS}/{world['gateway_b'].pk}")
    assert other.status_code == 404
    assert other.json() == api_a.get(f"{GATEWAYS}/{2**62}").json()


def test_add_change_and_verify_a_gateway(world, api_a, stripe):
    account = stripe.add_account()
    response = api_a.post(
        GATEWAYS,
        {
            "type": "stripe",
            "name": "Main Stripe",
            "mode": "test",
            "public_key": account.publishable_key,
            "secret_key": account.secret_key,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "not_checked" and body["currencies"] == [world["a"].currency]
    assert account.secret_key not in response.content.decode()
    path = f"{GATEWAYS}/{body['id']}"

    response = api_a.post(f"{path}/verify")
    assert response.status_code == 200 and response.json()["status"] == "verified"
    # A new name keeps the stored secret and the verification; a new key clears it.
    response = api_a.patch(path, {"name": "Stripe (main)"})
    assert response.json()["status"] == "verified" and response.json()["secret_key_set"]
    gateway = Gateway.objects.for_account(world["a"]).get(pk=body["id"])
    assert gateway.secret_key == account.secret_key
    other = stripe.add_account()
    response = api_a.patch(
        path, {"public_key": other.publishable_key, "secret_key": "sk_test_wrong000000000"}
    )
    assert response.status_code == 200 and response.json()["status"] == "not_checked"
    response = api_a.post(f"{path}/verify")
    assert response.json()["status"] == "failed" and response.json()["status_reason"]
    entry = AuditEntry.objects.for_account(world["a"]).filter(event="gateway.checked").first()
    assert entry.data["via"] == "API token “automation a”"


def test_bad_gateway_input_changes_nothing(world, api_a):
    before = _gateways(world)
    stripe_path = f"{GATEWAYS}/{world['gateway_a'].pk}"
    for method, path, payload, field in [
        ("PATCH", stripe_path, {"public_key": "sk_test_oops0000"}, "public_key"),
        ("PATCH", stripe_path, {"mode": "sandbox"}, "mode"),
        ("PATCH", stripe_path, {"name": "paypal of A"}, "name"),  # the panel's case-blind clash
        ("PATCH", stripe_path, {"webhook_id": "WH1"}, "webhook_id"),  # a PayPal field
        ("PATCH", stripe_path, {"secret_key_set": False}, "secret_key_set"),
        ("POST", GATEWAYS, {"type": "stripe", "name": "X", "mode": "live"}, "public_key"),
        ("POST", GATEWAYS, {"type": "square", "name": "X", "mode": "live"}, "type"),
    ]:
        response = api_a.call(method, path, payload)
        assert response.status_code == 400, (payload, response.json())
        assert field in error_of(response)["fields"], (payload, response.json())
        assert "sk_test_oops" not in response.content.decode()
    assert _gateways(world) == before


def test_a_read_scope_cannot_change_gateways(world):
    _, text = make_token(world["admin_a"], {"api": "read"})
    client = ApiClient(text)
    assert client.get(GATEWAYS).status_code == 200
    before = _gateways(world)
    path = f"{GATEWAYS}/{world['gateway_a'].pk}"
    for method, target, payload in [
        ("PATCH", path, {"name": "X"}),
        ("POST", f"{path}/verify", None),
    ]:
        response = client.call(method, target, payload)
        assert response.status_code == 403
        assert error_of(response)["fields"] == {"scope": ["api:write"]}
    assert _gateways(world) == before


def test_the_gateway_list_needs_a_fixed_number_of_queries(world, api_a):
    def add(n):
        for i in range(Gateway.objects.for_account(world["a"]).count(), n):
            Gateway.objects.create(
                account=world["a"],
                name=f"G{i}",
                type="stripe",
                mode="test",
                currencies=["USD"],
                public_key=f"pk_test_{i:020d}",
                secret_key=f"sk_test_{i:020d}",
            )

    def fetch():
        response = api_a.get(GATEWAYS)
        assert response.status_code == 200
        return response

    assert_constant_queries(fetch, add, few=2, many=30)
