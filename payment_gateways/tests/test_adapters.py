"""The adapters read the gateways' answers defensively: a field they do not need, or an odd
shape, never turns a good answer bad, and what they cannot read is never taken as paid. Messages
shown to people are plain sentences. And the platform's payment settings are checked."""

from decimal import Decimal

import pytest

from payment_gateways.checks import payment_settings, platform_webhooks_are_verifiable
from payment_gateways.providers.payments import Outcome, plain_sentence
from payment_gateways.providers.paypal_payments import payment_answer
from payment_gateways.providers.stripe_payments import (
    from_minor_units,
    minor_units,
    session_answer,
)

PAID_SESSION = {
    "id": "cs_test_1",
    "status": "complete",
    "payment_status": "paid",
    "amount_total": 2500,
    "currency": "usd",
    "payment_intent": "pi_1",
}


@pytest.mark.parametrize(
    "extra",
    [
        {"customer_details": 5},
        {"customer_details": {"email": None}},
        {"total_details": "surprise", "metadata": [1, 2]},
        {"payment_intent": {"id": "pi_1", "object": "payment_intent"}},
        {"livemode": "yes", "new_field_of_2027": {"nested": True}},
    ],
)
def test_a_paid_session_stays_paid_whatever_else_it_says(extra):
    answer = session_answer({**PAID_SESSION, **extra})
    assert answer.outcome == Outcome.PAID
    assert (answer.transaction_id, answer.amount, answer.currency) == ("pi_1", Decimal("25"), "USD")


@pytest.mark.parametrize(
    ("session", "outcome"),
    [
        ({}, Outcome.PENDING),
        ({"status": "open", "payment_status": "unpaid"}, Outcome.PENDING),
        ({"status": "complete", "payment_status": "unpaid"}, Outcome.PENDING),
        ({"status": "expired", "payment_status": "unpaid"}, Outcome.CANCELLED),
        ({"status": 7, "payment_status": ["paid"]}, Outcome.PENDING),
    ],
)
def test_anything_but_paid_is_not_a_payment(session, outcome):
    assert session_answer(session).outcome == outcome


def test_an_amount_the_answer_does_not_give_is_none_not_zero():
    assert session_answer({**PAID_SESSION, "amount_total": "2500"}).amount is None
    assert session_answer({**PAID_SESSION, "amount_total": None}).amount is None


def test_stripe_minor_units_follow_stripes_currency_rules():
    assert minor_units(Decimal("25.00"), "USD") == 2500
    assert minor_units(Decimal("1000"), "JPY") == 1000
    assert minor_units(Decimal("10.50"), "KWD") == 10500
    assert from_minor_units(2550, "EUR") == Decimal("25.50")
    assert from_minor_units(True, "EUR") is None


SALE_PAYMENT = {
    "id": "PAYID-1",
    "state": "approved",
    "transactions": [
        {
            "amount": {"total": "50.00", "currency": "USD"},
            "payee": {"email": "Pay@Platform.test"},
            "related_resources": [
                {
                    "sale": {
                        "id": "S1",
                        "state": "completed",
                        "amount": {"total": "50.00", "currency": "USD"},
                    }
                }
            ],
        }
    ],
    "payer": {"payer_info": {"email": "buyer@example.com"}},
}


def test_a_completed_sale_is_paid_to_the_payee_named():
    answer = payment_answer(SALE_PAYMENT)
    assert answer.outcome == Outcome.PAID
    assert (answer.transaction_id, answer.amount, answer.receiver) == (
        "S1",
        Decimal("50.00"),
        "pay@platform.test",
    )
    assert answer.payer == "buyer@example.com"


@pytest.mark.parametrize(
    ("payment", "outcome", "reason"),
    [
        ({}, Outcome.PENDING, "Waiting for you to approve the payment at PayPal."),
        (
            {"transactions": "oops"},
            Outcome.PENDING,
            "Waiting for you to approve the payment at PayPal.",
        ),
        (
            {"transactions": [{"related_resources": [{"sale": {"state": "denied"}}]}]},
            Outcome.FAILED,
            "PayPal says the payment was denied.",
        ),
        (
            {"transactions": [{"related_resources": [{"sale": {"state": "pending"}}]}]},
            Outcome.PENDING,
            "PayPal is holding",
        ),
        (
            {"state": "failed", "failure_reason": "UNABLE_TO_COMPLETE_TRANSACTION"},
            Outcome.FAILED,
            "PayPal says the payment failed",
        ),
        (
            {"transactions": [{"related_resources": ["not a dict", {"authorization": {}}]}]},
            Outcome.PENDING,
            "Waiting",
        ),
    ],
)
def test_paypal_answers_that_are_not_a_completed_sale(payment, outcome, reason):
    answer = payment_answer(payment)
    assert answer.outcome == outcome
    assert answer.reason.startswith(reason)


SIMILAR = (
    "No such checkout.session: 'cs_1'; a similar object exists in test mode, but a live mode key "
    "was used."
)


@pytest.mark.parametrize(
    ("message", "sentence"),
    [
        (
            "Invalid request - see details. See https://developer.paypal.com/docs/api/",
            "Invalid request.",
        ),
        (SIMILAR, SIMILAR),
        (
            "amount must be at least 50 cents. Please see "
            "https://stripe.com/docs/currencies#minimum for details",
            "Amount must be at least 50 cents.",
        ),
        (
            "<class 'requests.exceptions.ConnectionError'>",
            "<class 'requests.exceptions.ConnectionError'>.",
        ),
        (None, "The gateway refused the request."),
        ("x" * 500, "x" * 299 + "…"),
    ],
)
def test_provider_messages_become_one_plain_sentence(message, sentence):
    result = plain_sentence(message)
    assert "http" not in result
    if len(sentence) < 300:
        assert result == sentence
    else:
        assert len(result) <= 300


def test_the_payment_settings_are_checked(settings):
    settings.PAYMENT_MIN, settings.PAYMENT_MAX = "abc", "10"
    assert [e.id for e in payment_settings(None)] == ["payment_gateways.E001"]
    settings.PAYMENT_MIN, settings.PAYMENT_MAX = "100", "10"
    assert [e.id for e in payment_settings(None)] == ["payment_gateways.E001"]
    settings.PAYMENT_MIN = "10"
    settings.PLATFORM_STRIPE_SECRET_KEY, settings.PLATFORM_STRIPE_MODE = "sk_live_x", "test"
    settings.PLATFORM_PAYPAL_MODE = "production"
    assert [e.id for e in payment_settings(None)] == [
        "payment_gateways.E002",
        "payment_gateways.E003",
    ]
    settings.PLATFORM_STRIPE_WEBHOOK_SECRET = ""
    settings.PLATFORM_PAYPAL_CLIENT_ID, settings.PLATFORM_PAYPAL_WEBHOOK_ID = "AZ", ""
    assert [w.id for w in platform_webhooks_are_verifiable(None)] == [
        "payment_gateways.W002",
        "payment_gateways.W003",
    ]
