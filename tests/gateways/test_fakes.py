"""The fake servers answer in the providers' shapes, also for requests the SDKs would not send."""

import requests

from tests.fakes.paypal_api import FakePayPal
from tests.fakes.stripe_api import FakeStripe, decode_form, masked


def test_stripe_form_bodies_decode_bracketed_keys():
    body = (
        b"amount=2500&currency=usd&metadata[order]=42"
        b"&line_items[0][price]=p_1&line_items[1][price]=p_2"
    )
    assert decode_form(body) == {
        "amount": "2500",
        "currency": "usd",
        "metadata": {"order": "42"},
        "line_items": [{"price": "p_1"}, {"price": "p_2"}],
    }


def test_fake_stripe_errors_have_stripes_shape():
    with FakeStripe() as fake:
        account = fake.add_account()
        missing = requests.get(f"{fake.url}/v1/balance", timeout=5)
        assert missing.status_code == 401
        assert missing.json()["error"]["type"] == "invalid_request_error"
        assert "You did not provide an API key" in missing.json()["error"]["message"]
        assert missing.headers["Request-Id"].startswith("req_")

        publishable = requests.get(
            f"{fake.url}/v1/balance",
            headers={"Authorization": f"Bearer {account.publishable_key}"},
            timeout=5,
        )
        assert "cannot be made with a publishable API key" in publishable.json()["error"]["message"]

        basic = requests.get(f"{fake.url}/v1/balance", auth=(account.secret_key, ""), timeout=5)
        assert basic.json()["object"] == "balance" and basic.json()["livemode"] is False

        unknown = requests.get(
            f"{fake.url}/v1/nothing",
            headers={"Authorization": f"Bearer {account.secret_key}"},
            timeout=5,
        )
        assert unknown.status_code == 404
        assert "Unrecognized request URL (GET: /v1/nothing)" in unknown.json()["error"]["message"]
    assert masked("sk_test_abcdefgh1234") == "sk_test_********1234"


def test_fake_paypal_token_endpoint_checks_auth_and_grant():
    with FakePayPal() as fake:
        client_id, secret = fake.add_app()
        url = f"{fake.url}/v1/oauth2/token"
        no_auth = requests.post(url, data={"grant_type": "client_credentials"}, timeout=5)
        assert no_auth.status_code == 401
        assert no_auth.json() == {
            "error": "invalid_client",
            "error_description": "Client Authentication failed",
        }
        no_grant = requests.post(url, auth=(client_id, secret), data={}, timeout=5)
        assert no_grant.status_code == 400
        assert no_grant.json()["error"] == "unsupported_grant_type"
        ok = requests.post(
            url, auth=(client_id, secret), data={"grant_type": "client_credentials"}, timeout=5
        )
        assert ok.status_code == 200
        assert ok.json()["token_type"] == "Bearer" and ok.json()["expires_in"] == 32400
        assert ok.headers["Paypal-Debug-Id"]
        other = requests.get(f"{fake.url}/v2/checkout/orders/1", timeout=5)
        assert other.status_code == 404 and other.json()["name"] == "RESOURCE_NOT_FOUND"
