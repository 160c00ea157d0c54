"""Paying through the platform's PayPal: Make Payment → PayPal's approval page → back (execute),
and PayPal's webhooks verified by PayPal, all against the fake PayPal with paypalrestsdk."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.models import Account, AuditEntry
from payment_gateways.models import BalanceEntry, Payment
from payment_gateways.payments.channels import platform_channel

from .conftest import RECEIVER, approve_on_paypal_page, local
from .test_stripe_payments import OPENING, balance, events, make_payment

WEBHOOK = "/webhooks/platform/paypal/"


def post_event(client, fake, event, *, webhook_id=None, when=None, headers=None):
    body, signed = fake.signed(event, webhook_id or fake.webhook_id, when)
    signed.pop("Content-Type")
    return client.post(WEBHOOK, body, content_type="application/json", headers=headers or signed)


@pytest.fixture
def started(client_admin_a, account_a, platform_paypal):
    response = make_payment(client_admin_a, method="paypal", amount="50")
    assert response.status_code == 302
    return Payment.objects.for_account(account_a).get(), response["Location"]


def test_pay_with_paypal_on_its_page_and_come_back_credits_once(
    client_admin_a, anonymous_client, account_a, platform_paypal, started
):
    payment, approval_url = started
    assert payment.checkout_id.startswith("PAYID-")
    assert approval_url.startswith(f"{platform_paypal.url}/checkoutnow?token=EC-")
    create = next(r for r in platform_paypal.requests if r.path == "/v1/payments/payment")
    assert create.headers["PayPal-Request-Id"] == f"payment-{payment.uuid}-start"
    sent = json.loads(create.body)
    assert sent["intent"] == "sale" and sent["payer"] == {"payment_method": "paypal"}
    assert sent["redirect_urls"] == {
        "return_url": f"http://testserver/account/payments/{payment.pk}/return/",
        "cancel_url": f"http://testserver/account/payments/{payment.pk}/cancel/",
    }
    (transaction,) = sent["transactions"]
    assert transaction["amount"] == {"total": "50.00", "currency": "USD"}
    assert transaction["payee"] == {"email": RECEIVER}
    assert transaction["invoice_number"] == str(payment.uuid)

    back = approve_on_paypal_page(approval_url)
    assert back.startswith(f"http://testserver/account/payments/{payment.pk}/return/?paymentId=")
    page = client_admin_a.get(local(back), follow=True)
    body = page.content.decode().replace("\xa0", " ")
    assert "Payment received: $50.00 USD was added to your balance." in body
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    sale = platform_paypal.payments[payment.checkout_id]["transactions"][0]["related_resources"]
    assert payment.transaction_id == sale[0]["sale"]["id"]
    assert balance(account_a) == OPENING + 50
    execute = next(r for r in platform_paypal.requests if r.path.endswith("/execute"))
    assert execute.headers["PayPal-Request-Id"] == f"execute-{payment.checkout_id}"

    # PayPal's webhook, verified by PayPal, comes after: nothing more; a reload neither.
    (event,) = platform_paypal.events
    assert event["event_type"] == "PAYMENT.SALE.COMPLETED"
    assert post_event(anonymous_client, platform_paypal, event).status_code == 200
    client_admin_a.get(local(back))
    assert balance(account_a) == OPENING + 50
    assert BalanceEntry.objects.for_account(account_a).count() == 1
    verify = [r for r in platform_paypal.requests if "verify-webhook-signature" in r.path]
    assert json.loads(verify[0].body)["webhook_id"] == platform_paypal.webhook_id
    assert events(account_a) == ["payment.started", "payment.completed"]


def test_webhook_first_then_the_return_page(
    client_admin_a, anonymous_client, account_a, platform_paypal, started
):
    """The payer returned and PayPal executed, but the answer never reached the panel (a crash):
    PayPal's webhook completes the payment; the payer's reload finds it done."""
    payment, approval_url = started
    back = approve_on_paypal_page(approval_url)
    client = platform_channel("paypal").client()
    query = dict(part.split("=") for part in back.split("?")[1].split("&"))
    client.confirm_return(payment.checkout_id, query)  # answer lost
    (event,) = platform_paypal.events
    assert post_event(anonymous_client, platform_paypal, event).status_code == 200
    assert balance(account_a) == OPENING + 50
    page = client_admin_a.get(local(back), follow=True)
    assert "Completed." in page.content.decode()
    assert balance(account_a) == OPENING + 50
    assert BalanceEntry.objects.for_account(account_a).count() == 1


def test_the_same_webhook_five_times_credits_once(
    anonymous_client, account_a, platform_paypal, started
):
    payment, approval_url = started
    back = approve_on_paypal_page(approval_url)
    query = dict(part.split("=") for part in back.split("?")[1].split("&"))
    platform_channel("paypal").client().confirm_return(payment.checkout_id, query)
    (event,) = platform_paypal.events
    statuses = [post_event(anonymous_client, platform_paypal, event).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert balance(account_a) == OPENING + 50
    assert events(account_a) == ["payment.started", "payment.completed"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"total": "49.00"}, "The gateway confirmed $49.00 USD, but $50.00 USD was asked."),
        ({"currency": "EUR"}, "The gateway confirmed a payment in EUR, but $50.00 USD was asked."),
        (
            {"payee_email": "someone-else@example.com"},
            f"The money went to someone-else@example.com, not to {RECEIVER}.",
        ),
    ],
)
def test_a_changed_amount_currency_or_receiver_fails_the_payment(
    client_admin_a, anonymous_client, account_a, platform_paypal, started, change, reason
):
    payment, approval_url = started
    platform_paypal.tamper(payment.checkout_id, **change)
    page = client_admin_a.get(local(approve_on_paypal_page(approval_url)), follow=True)
    assert reason in page.content.decode().replace("\xa0", " ")
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (Payment.Status.FAILED, reason)
    (event,) = platform_paypal.events
    assert post_event(anonymous_client, platform_paypal, event).status_code == 200
    assert balance(account_a) == OPENING
    assert AuditEntry.objects.for_account(account_a).get(event="payment.refused")


def test_an_unapproved_payment_stays_pending_on_return(client_admin_a, account_a, started):
    payment, _ = started
    page = client_admin_a.get(f"/account/payments/{payment.pk}/return/", follow=True)
    assert "Pending." in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_approved_but_returned_without_the_payer_id_uses_paypals_own(
    client_admin_a, account_a, platform_paypal, started
):
    payment, _ = started
    platform_paypal.approve(payment.checkout_id)
    client_admin_a.get(f"/account/payments/{payment.pk}/return/")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    assert balance(account_a) == OPENING + 50


def test_the_return_urls_payer_id_is_not_believed(
    client_admin_a, account_a, platform_paypal, started
):
    payment, _ = started
    payer_id = platform_paypal.approve(payment.checkout_id)
    query = f"paymentId={payment.checkout_id}&token=EC-X&PayerID=FORGED"
    client_admin_a.get(f"/account/payments/{payment.pk}/return/?{query}")
    execute = next(r for r in platform_paypal.requests if r.path.endswith("/execute"))
    assert json.loads(execute.body) == {"payer_id": payer_id}  # PayPal's own, not the URL's
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED


def test_a_declined_funding_source_fails_the_payment_with_paypals_words(
    client_admin_a, account_a, platform_paypal, started
):
    payment, approval_url = started
    platform_paypal.decline_execute = True
    page = client_admin_a.get(local(approve_on_paypal_page(approval_url)), follow=True)
    reason = (
        "PayPal refused: The instrument presented was either declined by the processor or "
        "bank, or it can't be used for this payment."
    )
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (Payment.Status.FAILED, reason)
    assert "Failed." in page.content.decode()
    assert balance(account_a) == OPENING


def test_a_checkout_the_panel_never_recorded_is_found_by_its_reference(
    anonymous_client, account_a, platform_paypal, started
):
    """The panel created the PayPal payment but failed before saving its id: PayPal's webhook
    still finds it, by the invoice number PayPal echoes (the payment's uuid)."""
    payment, _ = started
    checkout_id = payment.checkout_id
    Payment.objects.for_account(account_a).filter(pk=payment.pk).update(checkout_id="")
    platform_paypal.approve(checkout_id)
    client = platform_channel("paypal").client()
    client.confirm_return(checkout_id, {})  # PayPal executes; the panel never hears of it
    (event,) = platform_paypal.events
    assert post_event(anonymous_client, platform_paypal, event).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.checkout_id) == (Payment.Status.COMPLETED, checkout_id)
    assert balance(account_a) == OPENING + 50


def test_a_sale_held_for_review_completes_when_paypal_releases_it(
    client_admin_a, anonymous_client, account_a, platform_paypal, started
):
    payment, approval_url = started
    platform_paypal.sale_state = "pending"
    page = client_admin_a.get(local(approve_on_paypal_page(approval_url)), follow=True)
    assert "Pending." in page.content.decode()
    assert balance(account_a) == OPENING
    (pending_event,) = platform_paypal.events
    assert post_event(anonymous_client, platform_paypal, pending_event).status_code == 200
    assert balance(account_a) == OPENING
    # PayPal releases the sale and says so.
    sale = platform_paypal.payments[payment.checkout_id]["transactions"][0]["related_resources"]
    sale[0]["sale"]["state"] = "completed"
    event = platform_paypal.event("PAYMENT.SALE.COMPLETED", sale[0]["sale"])
    assert post_event(anonymous_client, platform_paypal, event).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    assert balance(account_a) == OPENING + 50


def test_cancel_on_paypals_page_cancels_the_payment(
    client_admin_a, account_a, platform_paypal, started
):
    payment, approval_url = started
    back = approve_on_paypal_page(approval_url, action="cancel")
    assert back.startswith(f"http://testserver/account/payments/{payment.pk}/cancel/?token=EC-")
    page = client_admin_a.get(local(back), follow=True)
    assert "Cancelled." in page.content.decode()
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (
        Payment.Status.CANCELLED,
        "You cancelled the payment at PayPal.",
    )
    assert not any(r.path.endswith("/execute") for r in platform_paypal.requests)
    assert balance(account_a) == OPENING


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("another webhook", "Bad signature: PayPal did not confirm it was sent by PayPal."),
        ("changed event", "Bad signature: PayPal did not confirm it was sent by PayPal."),
        ("stale", "Stale: the transmission is more than 5 minutes old"),
        ("unsigned", "Unsigned: PayPal's transmission headers are missing."),
        ("not json", "Not a PayPal event: the body is not JSON."),
    ],
)
def test_a_webhook_that_is_not_paypals_is_refused_and_audited(
    anonymous_client, account_a, platform_paypal, started, how, reason
):
    payment, _ = started
    sale = {"id": "5O190127TN364715T", "parent_payment": payment.checkout_id, "state": "completed"}
    event = platform_paypal.event("PAYMENT.SALE.COMPLETED", sale)
    body, headers = platform_paypal.signed(event, platform_paypal.webhook_id)
    if how == "another webhook":
        body, headers = platform_paypal.signed(event, "ANOTHERWEBHOOK000")
    elif how == "changed event":
        forged = json.loads(body)
        forged["resource"]["amount"] = {"total": "5000.00", "currency": "USD"}
        body = json.dumps(forged).encode()
    elif how == "stale":
        when = (datetime.now(UTC) - timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body, headers = platform_paypal.signed(event, platform_paypal.webhook_id, when)
    elif how == "unsigned":
        headers = {}
    else:
        body = b"this is not json"
    headers.pop("Content-Type", None)
    response = anonymous_client.post(
        WEBHOOK, body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    refused = AuditEntry.all_accounts.get(event="payment.webhook_refused")
    assert refused.data["reason"].startswith(reason)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert balance(account_a) == OPENING
    if how in ("stale", "unsigned"):  # refused before asking PayPal
        assert not any("verify-webhook" in r.path for r in platform_paypal.requests)


def test_events_that_say_nothing_about_a_sale_are_ignored(
    anonymous_client, account_a, platform_paypal, started
):
    payment, _ = started
    created = platform_paypal.event(
        "PAYMENTS.PAYMENT.CREATED", platform_paypal.payments[payment.checkout_id], "payment"
    )
    assert post_event(anonymous_client, platform_paypal, created).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_paypals_validation_error_is_one_plain_sentence(client_admin_a, account_a, platform_paypal):
    Account.objects.filter(pk=account_a.pk).update(currency="ISK")  # PayPal takes no ISK
    response = make_payment(client_admin_a, method="paypal", amount="100", currency="ISK")
    payment = Payment.objects.for_account(account_a).get()
    expected = "PayPal refused: Currency code is invalid or is not currently supported."
    assert payment.failure_reason == expected
    assert expected in response.content.decode()
    assert "developer.paypal.com" not in response.content.decode()


def test_a_japanese_yen_payment_is_sent_without_decimals(
    client_admin_a, account_a, platform_paypal
):
    Account.objects.filter(pk=account_a.pk).update(currency="JPY")
    assert (
        make_payment(client_admin_a, method="paypal", amount="1000", currency="JPY").status_code
        == 302
    )
    create = next(r for r in platform_paypal.requests if r.path == "/v1/payments/payment")
    assert json.loads(create.body)["transactions"][0]["amount"] == {
        "total": "1000",
        "currency": "JPY",
    }
    payment = Payment.objects.for_account(account_a).get()
    assert payment.amount == Decimal("1000")


def test_an_answer_that_is_not_paypals_keeps_the_payment_pending_on_return(
    client_admin_a, account_a, platform_paypal, started
):
    payment, _ = started

    def proxy_page(handler):
        if "/v1/payments/" in handler.path:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Content-Length", "6")
            handler.end_headers()
            handler.wfile.write(b"<html>")
            handler.close_connection = True
            handler.path = "/answered-already"  # the fake's own routes answer nothing more

    platform_paypal.on_request = proxy_page
    page = client_admin_a.get(f"/account/payments/{payment.pk}/return/", follow=True)
    assert "PayPal&#x27;s answer could not be read." in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
