"""The payment side of the fake servers answers in the providers' shapes, also for requests the
SDKs would not send, and the dev mount serves the same fakes through Django (`make run`)."""

import hashlib
import hmac
import json
import re

import pytest
import requests
from django.test import override_settings

from tests.fakes.paypal_api import FakePayPal
from tests.fakes.stripe_api import FakeStripe
from tests.fakes.stripe_checkout import signature_header

SESSION = {
    "mode": "payment",
    "line_items[0][quantity]": "1",
    "line_items[0][price_data][currency]": "usd",
    "line_items[0][price_data][unit_amount]": "2500",
    "line_items[0][price_data][product_data][name]": "Top-up",
    "success_url": "http://panel.test/back/?session_id={CHECKOUT_SESSION_ID}",
    "cancel_url": "http://panel.test/cancel/",
}


def test_the_stripe_signature_is_stripes_scheme():
    header = signature_header('{"id": "evt_1"}', "whsec_abc", timestamp=1700000000)
    expected = hmac.new(b"whsec_abc", b'1700000000.{"id": "evt_1"}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_fake_stripe_checkout_sessions_idempotency_and_errors():
    with FakeStripe() as fake:
        account = fake.add_account()
        auth = {"Authorization": f"Bearer {account.secret_key}"}
        url = f"{fake.url}/v1/checkout/sessions"
        first = requests.post(
            url, data=SESSION, headers={**auth, "Idempotency-Key": "k1"}, timeout=5
        )
        assert first.status_code == 200
        session = first.json()
        assert session["object"] == "checkout.session"
        assert (session["status"], session["payment_status"]) == ("open", "unpaid")
        assert session["amount_total"] == 2500 and session["currency"] == "usd"
        assert session["url"] == f"{fake.url}/pay/{session['id']}"
        assert re.fullmatch(r"cs_test_a1\w+", session["id"])

        again = requests.post(
            url, data=SESSION, headers={**auth, "Idempotency-Key": "k1"}, timeout=5
        )
        assert again.json()["id"] == session["id"]
        assert again.headers["Idempotent-Replayed"] == "true"
        other = requests.post(
            url,
            data={**SESSION, "cancel_url": "http://x/"},
            headers={**auth, "Idempotency-Key": "k1"},
            timeout=5,
        )
        assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"

        missing = requests.post(url, data={"mode": "payment"}, headers=auth, timeout=5).json()[
            "error"
        ]
        assert (missing["code"], missing["param"]) == ("parameter_missing", "line_items")
        small = {**SESSION, "line_items[0][price_data][unit_amount]": "10"}
        assert (
            requests.post(url, data=small, headers=auth, timeout=5).json()["error"]["code"]
            == "amount_too_small"
        )

        stranger = fake.add_account()
        foreign = requests.get(
            f"{url}/{session['id']}",
            headers={"Authorization": f"Bearer {stranger.secret_key}"},
            timeout=5,
        )
        assert foreign.status_code == 404
        assert foreign.json()["error"]["code"] == "resource_missing"

        fake.pay(session["id"])
        paid = requests.get(f"{url}/{session['id']}", headers=auth, timeout=5).json()
        assert (paid["status"], paid["payment_status"]) == ("complete", "paid")
        assert paid["payment_intent"].startswith("pi_")
        expire = requests.post(f"{url}/{session['id']}/expire", headers=auth, timeout=5)
        assert expire.status_code == 400
        assert (
            "This Checkout Session has a status of `complete`." in expire.json()["error"]["message"]
        )
        unauthenticated = requests.get(f"{url}/{session['id']}", timeout=5)
        assert unauthenticated.status_code == 401


def test_fake_stripe_delivers_signed_events_to_its_endpoints():
    received = []
    with FakeStripe() as fake, FakeStripe() as listener:
        listener.on_request = lambda handler: received.append(dict(handler.headers))
        secret = fake.add_webhook_endpoint(f"{listener.url}/hook")
        account = fake.add_account()
        session = requests.post(
            f"{fake.url}/v1/checkout/sessions",
            data=SESSION,
            headers={"Authorization": f"Bearer {account.secret_key}"},
            timeout=5,
        ).json()
        event = fake.pay(session["id"])
        (body,) = [r.body for r in listener.requests]
        timestamp = received[0]["Stripe-Signature"].split(",")[0].removeprefix("t=")
        assert received[0]["Stripe-Signature"] == signature_header(body.decode(), secret, timestamp)
        assert json.loads(body)["id"] == event["id"]
        assert json.loads(body)["data"]["object"]["payment_status"] == "paid"


def _paypal_token(fake):
    client_id, secret = fake.add_app()
    token = requests.post(
        f"{fake.url}/v1/oauth2/token",
        auth=(client_id, secret),
        data={"grant_type": "client_credentials"},
        timeout=5,
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


PAYPAL_PAYMENT = {
    "intent": "sale",
    "payer": {"payment_method": "paypal"},
    "redirect_urls": {
        "return_url": "http://panel.test/back/",
        "cancel_url": "http://panel.test/cancel/",
    },
    "transactions": [
        {"amount": {"total": "25.00", "currency": "USD"}, "payee": {"email": "pay@platform.test"}}
    ],
}


def test_fake_paypal_payments_execute_and_its_errors():
    with FakePayPal() as fake:
        auth = _paypal_token(fake)
        url = f"{fake.url}/v1/payments/payment"
        bad = requests.post(
            url,
            json={
                **PAYPAL_PAYMENT,
                "transactions": [{"amount": {"total": "25", "currency": "XTS"}}],
            },
            headers=auth,
            timeout=5,
        )
        assert bad.status_code == 400
        assert bad.json()["name"] == "VALIDATION_ERROR"
        assert bad.json()["details"][0]["field"] == "transactions[0].amount.currency"
        assert bad.json()["information_link"].startswith("https://developer.paypal.com/")

        created = requests.post(
            url, json=PAYPAL_PAYMENT, headers={**auth, "PayPal-Request-Id": "r1"}, timeout=5
        )
        assert created.status_code == 201
        payment = created.json()
        assert payment["state"] == "created" and payment["id"].startswith("PAYID-")
        links = {link["rel"]: link["href"] for link in payment["links"]}
        assert links["approval_url"].startswith(f"{fake.url}/checkoutnow?token=EC-")
        replay = requests.post(
            url, json=PAYPAL_PAYMENT, headers={**auth, "PayPal-Request-Id": "r1"}, timeout=5
        )
        assert replay.json()["id"] == payment["id"]

        execute = f"{url}/{payment['id']}/execute"
        early = requests.post(execute, json={"payer_id": "X"}, headers=auth, timeout=5).json()
        assert early["name"] == "PAYMENT_NOT_APPROVED_FOR_EXECUTION"
        payer_id = fake.approve(payment["id"])
        wrong = requests.post(execute, json={"payer_id": "X"}, headers=auth, timeout=5).json()
        assert wrong["name"] == "INVALID_PAYER_ID"
        done = requests.post(
            execute,
            json={"payer_id": payer_id},
            headers={**auth, "PayPal-Request-Id": "e1"},
            timeout=5,
        )
        sale = done.json()["transactions"][0]["related_resources"][0]["sale"]
        assert done.json()["state"] == "approved"
        assert (sale["state"], sale["parent_payment"]) == ("completed", payment["id"])
        again = requests.post(
            execute,
            json={"payer_id": payer_id},
            headers={**auth, "PayPal-Request-Id": "e1"},
            timeout=5,
        )
        assert again.status_code == 200  # the same request id: PayPal's first answer again
        twice = requests.post(execute, json={"payer_id": payer_id}, headers=auth, timeout=5).json()
        assert twice["name"] == "PAYMENT_ALREADY_DONE"
        assert requests.get(f"{url}/{payment['id']}", timeout=5).status_code == 401


def test_fake_paypal_verifies_only_what_it_signed():
    with FakePayPal() as fake:
        auth = _paypal_token(fake)
        event = fake.event(
            "PAYMENT.SALE.COMPLETED", {"id": "S1", "amount": {"total": "1.00", "currency": "USD"}}
        )
        _, headers = fake.signed(event, "WH1")
        request = {
            "auth_algo": headers["PAYPAL-AUTH-ALGO"],
            "cert_url": headers["PAYPAL-CERT-URL"],
            "transmission_id": headers["PAYPAL-TRANSMISSION-ID"],
            "transmission_sig": headers["PAYPAL-TRANSMISSION-SIG"],
            "transmission_time": headers["PAYPAL-TRANSMISSION-TIME"],
            "webhook_id": "WH1",
            "webhook_event": event,
        }
        url = f"{fake.url}/v1/notifications/verify-webhook-signature"

        def verdict(body):
            return requests.post(url, json=body, headers=auth, timeout=5).json()

        assert verdict(request) == {"verification_status": "SUCCESS"}
        assert verdict({**request, "webhook_id": "WH2"}) == {"verification_status": "FAILURE"}
        changed = json.loads(json.dumps(event))
        changed["resource"]["amount"]["total"] = "999.00"
        assert verdict({**request, "webhook_event": changed}) == {"verification_status": "FAILURE"}
        missing = requests.post(url, json={"webhook_id": "WH1"}, headers=auth, timeout=5)
        assert missing.status_code == 400 and missing.json()["name"] == "VALIDATION_ERROR"


def test_fake_paypal_approval_page_sends_the_payer_back_with_the_ids():
    with FakePayPal() as fake:
        auth = _paypal_token(fake)
        payment = requests.post(
            f"{fake.url}/v1/payments/payment", json=PAYPAL_PAYMENT, headers=auth, timeout=5
        ).json()
        approval = next(link["href"] for link in payment["links"] if link["rel"] == "approval_url")
        page = requests.get(approval, timeout=5)
        assert "Pay 25.00 USD" in page.text and "pay@platform.test" in page.text
        back = requests.post(approval, data={"action": "approve"}, allow_redirects=False, timeout=5)
        location = back.headers["Location"]
        assert location.startswith(f"http://panel.test/back/?paymentId={payment['id']}&token=EC-")
        assert f"PayerID={fake.approvals[payment['id']]}" in location


@pytest.mark.django_db
@override_settings(
    ROOT_URLCONF="payment_gateways.tests.dev_urls", PANEL_BASE_URL="http://testserver"
)
def test_the_dev_mount_serves_the_fakes_through_django(client):
    from tests.fakes import django_mount

    stripe = django_mount.STRIPE
    secret = next(iter(stripe.by_secret))
    balance = client.get(
        "/dev/fake-stripe/v1/balance", headers={"Authorization": f"Bearer {secret}"}
    )
    assert balance.status_code == 200 and balance.json()["object"] == "balance"
    assert balance["Request-Id"].startswith("req_")
    created = client.post(
        "/dev/fake-stripe/v1/checkout/sessions",
        "&".join(f"{k}={v}" for k, v in SESSION.items()),
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {secret}"},
    )
    session = created.json()
    assert session["url"].endswith(f"/dev/fake-stripe/pay/{session['id']}")
    page = client.get(f"/dev/fake-stripe/pay/{session['id']}")
    assert page.status_code == 200 and "Pay 25.00 USD" in page.content.decode()
    assert "Content-Security-Policy" not in page  # a third party's page, not the panel's
    unknown = client.get("/dev/fake-paypal/v2/checkout/orders/1")
    assert unknown.status_code == 404 and unknown.json()["name"] == "RESOURCE_NOT_FOUND"
