"""Paying by card through the platform's Stripe: Make Payment → Stripe's hosted page → back, and
the signed webhooks, all against the fake Stripe with the real SDK. The balance is credited once,
whichever confirmation comes first and however often."""

import time
from decimal import Decimal

import pytest

from accounts.models import Account, AuditEntry
from payment_gateways.models import BalanceEntry, Payment
from tests.fakes.stripe_api import decode_form

from .conftest import local, pay_on_stripe_page

NEW = "/account/payments/new/"
WEBHOOK = "/webhooks/platform/stripe/"
OPENING = Decimal("1138.17")


def make_payment(client, amount="25", method="stripe", currency="USD", other=""):
    return client.post(
        NEW, {"pay_via": method, "amount": amount, "other_amount": other, "currency": currency}
    )


def post_event(client, fake, event, *, secret=None, timestamp=None):
    body, headers = fake.signed(event, secret or fake.webhook_secret, timestamp)
    return client.post(
        WEBHOOK,
        body,
        content_type="application/json",
        headers={"Stripe-Signature": headers["Stripe-Signature"]},
    )


def balance(account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


def events(account) -> list[str]:
    return list(
        AuditEntry.objects.for_account(account)
        .filter(event__startswith="payment.")
        .order_by("created", "id")
        .values_list("event", flat=True)
    )


@pytest.fixture
def started(client_admin_a, account_a, platform_stripe):
    """A payment of 25 USD started by card: (payment, the checkout page's URL)."""
    response = make_payment(client_admin_a)
    assert response.status_code == 302
    return Payment.objects.for_account(account_a).get(), response["Location"]


def test_pay_by_card_on_stripes_page_and_come_back_credits_once(
    client_admin_a, anonymous_client, account_a, platform_stripe, started
):
    payment, checkout_url = started
    assert payment.status == Payment.Status.PENDING
    assert checkout_url == f"{platform_stripe.url}/pay/{payment.checkout_id}"
    (create,) = [r for r in platform_stripe.requests if r.path == "/v1/checkout/sessions"]
    assert create.headers["Idempotency-Key"] == f"payment-{payment.uuid}-start"
    params = decode_form(create.body)
    assert params["mode"] == "payment"
    assert params["line_items"] == [
        {
            "quantity": "1",
            "price_data": {
                "currency": "usd",
                "unit_amount": "2500",
                "product_data": {"name": "Account balance top-up"},
            },
        }
    ]
    back_url = f"http://testserver/account/payments/{payment.pk}/return/"
    assert params["success_url"] == back_url + "?session_id={CHECKOUT_SESSION_ID}"
    assert params["cancel_url"] == f"http://testserver/account/payments/{payment.pk}/cancel/"
    assert params["client_reference_id"] == str(payment.uuid)
    assert params["customer_email"] == "admin@alpha.test"

    back = pay_on_stripe_page(checkout_url)
    assert back.status_code == 303
    assert back.headers["Location"] == f"{back_url}?session_id={payment.checkout_id}"
    page = client_admin_a.get(local(back.headers["Location"]), follow=True)
    body = page.content.decode().replace("\xa0", " ")
    assert page.redirect_chain[-1][0] == f"/account/payments/{payment.pk}/"
    assert "Payment received: $25.00 USD was added to your balance." in body
    assert "Balance: $1,163.17 USD" in body
    assert "Completed." in body

    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    assert payment.transaction_id.startswith("pi_")
    assert payment.payer == "buyer@example.com"
    assert balance(account_a) == OPENING + 25
    entry = BalanceEntry.objects.for_account(account_a).get()
    assert (entry.payment, entry.amount, entry.balance_after) == (payment, 25, OPENING + 25)

    # Stripe's webhook comes after the return: nothing more is credited.
    (event,) = platform_stripe.events
    assert event["type"] == "checkout.session.completed"
    assert post_event(anonymous_client, platform_stripe, event).status_code == 200
    assert balance(account_a) == OPENING + 25
    assert BalanceEntry.objects.for_account(account_a).count() == 1
    assert events(account_a) == ["payment.started", "payment.completed"]


def test_webhook_first_then_the_return_page(
    client_admin_a, anonymous_client, account_a, platform_stripe, started
):
    payment, _ = started
    event = platform_stripe.pay(payment.checkout_id)
    assert post_event(anonymous_client, platform_stripe, event).status_code == 200
    assert balance(account_a) == OPENING + 25
    completed = AuditEntry.objects.for_account(account_a).get(event="payment.completed")
    assert completed.actor is None and completed.data["source"] == "webhook"

    page = client_admin_a.get(f"/account/payments/{payment.pk}/return/?session_id=x", follow=True)
    assert "Completed." in page.content.decode()
    assert "Payment received" not in page.content.decode()  # this visit changed nothing
    assert balance(account_a) == OPENING + 25
    assert BalanceEntry.objects.for_account(account_a).count() == 1


def test_the_same_webhook_five_times_credits_once(
    anonymous_client, account_a, platform_stripe, started
):
    payment, _ = started
    event = platform_stripe.pay(payment.checkout_id)
    answers = [post_event(anonymous_client, platform_stripe, event).status_code for _ in range(5)]
    assert answers == [200] * 5
    assert balance(account_a) == OPENING + 25
    assert BalanceEntry.objects.for_account(account_a).count() == 1
    assert events(account_a) == ["payment.started", "payment.completed"]


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("wrong secret", "Bad signature"),
        ("changed body", "Bad signature"),
        ("stale", "Stale: the signature is more than 5 minutes old"),
        ("unsigned", "Unsigned: the request has no Stripe-Signature header."),
        ("garbage header", "Bad signature"),
    ],
)
def test_a_webhook_that_is_not_stripes_is_refused_and_audited(
    anonymous_client, account_a, platform_stripe, started, how, reason
):
    payment, _ = started
    event = platform_stripe.pay(payment.checkout_id)
    body, headers = platform_stripe.signed(event, platform_stripe.webhook_secret)
    signature = headers["Stripe-Signature"]
    if how == "wrong secret":
        _, headers = platform_stripe.signed(event, "whsec_not_the_platforms")
        signature = headers["Stripe-Signature"]
    elif how == "changed body":
        body = body.replace(b'"amount_total": 2500', b'"amount_total": 250000')
    elif how == "stale":
        _, headers = platform_stripe.signed(
            event, platform_stripe.webhook_secret, time.time() - 301
        )
        body = platform_stripe.signed(event, platform_stripe.webhook_secret)[0]
        signature = headers["Stripe-Signature"]
    elif how == "unsigned":
        signature = ""
    else:
        signature = "t=yesterday,v0=abc"
    extra = {"Stripe-Signature": signature} if signature else {}
    response = anonymous_client.post(WEBHOOK, body, content_type="application/json", headers=extra)
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert balance(account_a) == OPENING
    refused = AuditEntry.all_accounts.get(event="payment.webhook_refused")
    assert refused.account is None  # the platform's own gateway: a platform-level entry
    assert refused.data["reason"].startswith(reason)
    assert refused.data["gateway"] == "platform:stripe"
    assert refused.ip == "127.0.0.1"


def test_a_stale_timestamp_is_refused_even_when_correctly_signed(
    anonymous_client, platform_stripe, started
):
    payment, _ = started
    event = platform_stripe.pay(payment.checkout_id)
    old = post_event(anonymous_client, platform_stripe, event, timestamp=time.time() - 600)
    assert old.status_code == 400
    fresh = post_event(anonymous_client, platform_stripe, event, timestamp=time.time() - 60)
    assert fresh.status_code == 200  # within the 5-minute tolerance


def test_unknown_event_types_and_unknown_sessions_are_acknowledged_and_ignored(
    anonymous_client, account_a, platform_stripe, started
):
    payment, _ = started
    session = platform_stripe.sessions[payment.checkout_id]
    other = platform_stripe.event("payment_intent.created", session)
    assert post_event(anonymous_client, platform_stripe, other).status_code == 200
    stranger = platform_stripe.event("checkout.session.completed", {**session, "id": "cs_test_x"})
    stranger["data"]["object"]["payment_status"] = "paid"
    assert post_event(anonymous_client, platform_stripe, stranger).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert balance(account_a) == OPENING
    assert not AuditEntry.all_accounts.filter(event="payment.webhook_refused").exists()


def test_a_body_over_one_megabyte_is_refused(db, anonymous_client, platform_stripe):
    body = b'{"padding": "' + b"x" * (1024 * 1024) + b'"}'
    response = anonymous_client.post(
        WEBHOOK, body, content_type="application/json", headers={"Stripe-Signature": "t=1,v1=a"}
    )
    assert response.status_code == 413
    refused = AuditEntry.all_accounts.get(event="payment.webhook_refused")
    assert refused.data["reason"] == "The body is larger than 1 MB."


def test_a_webhook_is_post_only_and_needs_no_csrf_token(db, platform_stripe):
    from django.test import Client

    client = Client(HTTP_HOST="testserver", enforce_csrf_checks=True)
    assert client.get(WEBHOOK).status_code == 405
    assert client.post(WEBHOOK, b"{}", content_type="application/json").status_code == 400


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"amount_total": 2400}, "The gateway confirmed $24.00 USD, but $25.00 USD was asked."),
        ({"currency": "eur"}, "The gateway confirmed a payment in EUR, but $25.00 USD was asked."),
    ],
)
def test_a_changed_amount_or_currency_fails_the_payment_and_credits_nothing(
    client_admin_a, anonymous_client, account_a, platform_stripe, started, change, reason
):
    payment, checkout_url = started
    platform_stripe.tamper(payment.checkout_id, **change)
    back = pay_on_stripe_page(checkout_url)
    page = client_admin_a.get(local(back.headers["Location"]), follow=True)
    body = page.content.decode().replace("\xa0", " ")
    assert "Failed." in body and reason in body
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (Payment.Status.FAILED, reason)
    # Stripe's own webhook about it changes nothing either.
    (event,) = platform_stripe.events
    assert post_event(anonymous_client, platform_stripe, event).status_code == 200
    assert balance(account_a) == OPENING
    assert not BalanceEntry.objects.for_account(account_a).exists()
    refused = AuditEntry.objects.for_account(account_a).get(event="payment.refused")
    assert refused.data["reason"] == reason
    assert events(account_a) == ["payment.started", "payment.refused"]


def test_cancel_on_stripes_page_cancels_the_payment_and_closes_the_session(
    client_admin_a, account_a, platform_stripe, started
):
    payment, checkout_url = started
    cancel_url = platform_stripe.sessions[payment.checkout_id]["cancel_url"]
    page = client_admin_a.get(local(cancel_url), follow=True)
    assert "Cancelled." in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert payment.failure_reason == "The Stripe checkout closed before it was paid."
    assert platform_stripe.sessions[payment.checkout_id]["status"] == "expired"
    assert any(r.path.endswith("/expire") for r in platform_stripe.requests)
    import requests

    assert requests.get(checkout_url, timeout=5).status_code == 410  # nothing can be paid now
    assert balance(account_a) == OPENING
    assert events(account_a) == ["payment.started", "payment.cancelled"]


def test_cancel_after_paying_completes_instead(client_admin_a, account_a, platform_stripe, started):
    """The browser's word is not trusted: the cancel link of a paid session finds it paid."""
    payment, _ = started
    platform_stripe.pay(payment.checkout_id)
    client_admin_a.get(f"/account/payments/{payment.pk}/cancel/")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    assert balance(account_a) == OPENING + 25


def test_a_declined_card_stays_on_stripes_page_and_the_payment_pending(
    client_admin_a, account_a, platform_stripe, started
):
    payment, checkout_url = started
    answer = pay_on_stripe_page(checkout_url, card="4000 0000 0000 0002")
    assert answer.status_code == 402 and "Your card was declined." in answer.text
    page = client_admin_a.get(f"/account/payments/{payment.pk}/return/", follow=True)
    assert "Pending." in page.content.decode()
    assert "Check again" in page.content.decode()
    assert balance(account_a) == OPENING


def test_a_payment_still_clearing_waits_for_the_async_webhook(
    client_admin_a, anonymous_client, account_a, platform_stripe, started
):
    payment, _ = started
    completed = platform_stripe.pay(payment.checkout_id, settle=False)
    assert post_event(anonymous_client, platform_stripe, completed).status_code == 200
    page = client_admin_a.get(f"/account/payments/{payment.pk}/return/", follow=True)
    assert "Pending." in page.content.decode()
    assert balance(account_a) == OPENING
    settled = platform_stripe.settle(payment.checkout_id)
    assert post_event(anonymous_client, platform_stripe, settled).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    assert balance(account_a) == OPENING + 25


def test_an_async_payment_that_fails_fails_the_payment(
    anonymous_client, account_a, platform_stripe, started
):
    payment, _ = started
    platform_stripe.pay(payment.checkout_id, settle=False)
    failed = platform_stripe.settle(payment.checkout_id, succeeded=False)
    assert post_event(anonymous_client, platform_stripe, failed).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (
        Payment.Status.FAILED,
        "The payment failed at Stripe.",
    )
    assert balance(account_a) == OPENING


def test_a_forged_session_id_on_the_return_url_is_not_believed(
    client_admin_a, account_a, platform_stripe, started
):
    payment, _ = started
    other = make_payment(client_admin_a)  # a second payment, which gets paid
    second = Payment.objects.for_account(account_a).exclude(pk=payment.pk).get()
    platform_stripe.pay(second.checkout_id)
    client_admin_a.get(f"/account/payments/{payment.pk}/return/?session_id={second.checkout_id}")
    payment.refresh_from_db()
    assert other.status_code == 302
    assert payment.status == Payment.Status.PENDING  # its own session is still unpaid
    assert balance(account_a) == OPENING


def test_a_gateway_timeout_on_create_fails_the_payment_with_a_plain_reason(
    client_admin_a, account_a, platform_stripe, settings
):
    settings.GATEWAY_TIMEOUT_SECONDS = 1
    platform_stripe.silent = True
    response = make_payment(client_admin_a)
    assert response.status_code == 400
    message = (
        "The payment could not start: The gateway did not answer in 1 second. Nothing was "
        "charged; try again, or choose the other method."
    )
    assert message in response.content.decode()
    payment = Payment.objects.for_account(account_a).get()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_reason == "The gateway did not answer in 1 second."
    assert balance(account_a) == OPENING
    assert events(account_a) == ["payment.started", "payment.failed"]


def test_stripe_unreachable_on_create_says_so(client_admin_a, account_a, platform_stripe, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    response = make_payment(client_admin_a)
    assert "Could not connect to Stripe: connection refused." in response.content.decode()
    assert Payment.objects.for_account(account_a).get().status == Payment.Status.FAILED


def test_stripes_refusal_is_one_plain_sentence_without_links(
    client_admin_a, account_a, platform_stripe
):
    # The fake (like Stripe) takes no Icelandic krónur; its answer lists every currency it does.
    Account.objects.filter(pk=account_a.pk).update(currency="ISK")
    response = make_payment(client_admin_a, amount="100", currency="ISK")
    payment = Payment.objects.for_account(account_a).get()
    assert payment.failure_reason == "Stripe refused: Invalid currency: isk."
    assert "Stripe refused: Invalid currency: isk." in response.content.decode()
    assert "http" not in payment.failure_reason


def test_a_return_while_stripe_is_down_keeps_the_payment_pending(
    client_admin_a, account_a, platform_stripe, started, settings
):
    payment, _ = started
    platform_stripe.pay(payment.checkout_id)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    page = client_admin_a.get(f"/account/payments/{payment.pk}/return/", follow=True)
    body = page.content.decode()
    assert "Could not connect to Stripe: connection refused. Press Check again in a moment." in body
    assert "Pending." in body
    settings.STRIPE_API_BASE = platform_stripe.url
    client_admin_a.get(f"/account/payments/{payment.pk}/return/")  # Check again
    assert balance(account_a) == OPENING + 25


def test_the_balance_and_the_ledger_agree_after_every_kind_of_outcome(
    client_admin_a, anonymous_client, account_a, platform_stripe
):
    outcomes = {"25": "pay", "50": "cancel", "100": "pay", "250": "tamper", "500": "pay"}
    for amount, outcome in outcomes.items():
        assert make_payment(client_admin_a, amount=amount).status_code == 302
        payment = Payment.objects.for_account(account_a).order_by("-pk").first()
        if outcome == "cancel":
            client_admin_a.get(f"/account/payments/{payment.pk}/cancel/")
            continue
        if outcome == "tamper":
            platform_stripe.tamper(payment.checkout_id, amount_total=1)
        event = platform_stripe.pay(payment.checkout_id)
        for _ in range(2):
            post_event(anonymous_client, platform_stripe, event)
        client_admin_a.get(f"/account/payments/{payment.pk}/return/")
    completed = Payment.objects.for_account(account_a).filter(status=Payment.Status.COMPLETED)
    paid = sum(p.amount for p in completed)
    assert paid == Decimal("625")
    assert balance(account_a) == OPENING + paid
    ledger = list(BalanceEntry.objects.for_account(account_a).order_by("created", "id"))
    assert sum(e.amount for e in ledger) == paid
    assert ledger[0].balance_after - ledger[0].amount == OPENING
    assert ledger[-1].balance_after == balance(account_a)
    assert {e.payment_id for e in ledger} == {p.pk for p in completed}


def test_an_answer_that_is_not_stripes_fails_the_payment_in_plain_words(
    client_admin_a, account_a, platform_stripe
):
    """A "200" whose body is not Stripe's (a proxy's page, say) never leaves a payment hanging."""

    def proxy_page(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "6")
        handler.end_headers()
        handler.wfile.write(b"<html>")
        platform_stripe.silent = True  # the fake adds nothing of its own

    platform_stripe.on_request = proxy_page
    response = make_payment(client_admin_a)
    assert response.status_code == 400
    payment = Payment.objects.for_account(account_a).get()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_reason == "Stripe's answer could not be read (HTTP 200)."
    assert balance(account_a) == OPENING
