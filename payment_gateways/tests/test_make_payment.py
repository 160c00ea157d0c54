"""The Make Payment dialog: what it offers, every kind of bad input (a clear message next to the
field, nothing created, nothing sent to a gateway), and who may use it."""

import pytest
from django.core.management import call_command

from accounts.actors import PLATFORM
from accounts.models import Account
from accounts.permissions import ALLOW
from accounts.services import account_has_payments
from payment_gateways.models import Payment
from payment_gateways.payments import services
from users.services import save_group, update_user

from .factories import paid_payment, pending_payment
from .test_stripe_payments import NEW, make_payment


def _errors(response, field):
    return list(response.context["form"].errors.get(field, []))


def test_the_dialog_offers_the_configured_methods_and_the_preset_amounts(
    client_admin_a, platform_stripe, platform_paypal
):
    response = client_admin_a.get(NEW, headers={"X-Dialog": "1"})
    body = response.content.decode().replace("\xa0", " ")
    assert response.status_code == 200
    assert "Make Payment" in body and "Pay via" in body
    form = response.context["form"]
    assert form.fields["pay_via"].choices == [("paypal", "PayPal"), ("stripe", "Credit card")]
    labels = [label for _, label in form.fields["amount"].choices]
    assert labels == [
        "$25.00 USD",
        "$50.00 USD",
        "$100.00 USD",
        "$250.00 USD",
        "$500.00 USD",
        "$1,000.00 USD",
        "Other amount…",
    ]
    assert 'name="currency" value="USD"' in body
    assert "from $10.00 USD to $10,000.00 USD" in body
    assert "<html" not in body  # the dialog fragment


def test_a_method_the_platform_has_not_configured_is_not_offered(client_admin_a, platform_stripe):
    form = client_admin_a.get(NEW).context["form"]
    assert form.fields["pay_via"].choices == [("stripe", "Credit card")]


def test_presets_outside_the_limits_are_not_offered(client_admin_a, platform_stripe, settings):
    settings.PAYMENT_MIN, settings.PAYMENT_MAX = "50", "500"
    form = client_admin_a.get(NEW).context["form"]
    assert [value for value, _ in form.fields["amount"].choices] == [
        "50",
        "100",
        "250",
        "500",
        "other",
    ]


def test_the_page_without_javascript_may_post_to_the_gateways(client_admin_a, platform_stripe):
    policy = client_admin_a.get(NEW)["Content-Security-Policy"]
    form_action = next(d for d in policy.split(";") if "form-action" in d)
    assert "'self'" in form_action and "https://checkout.stripe.com" in form_action
    assert "https://www.paypal.com" in form_action


@pytest.mark.parametrize(
    ("amount", "other", "field", "message"),
    [
        ("other", "", "other_amount", "Enter the amount to pay."),
        ("other", "abc", "other_amount", "Enter the amount as a number, e.g. 75 or 75.50."),
        ("other", "1e3", "other_amount", "Enter the amount as a number, e.g. 75 or 75.50."),
        ("other", "NaN", "other_amount", "Enter the amount as a number, e.g. 75 or 75.50."),
        ("other", "Infinity", "other_amount", "Enter the amount as a number, e.g. 75 or 75.50."),
        ("other", "-Infinity", "other_amount", "Enter an amount above zero."),
        ("other", "-25", "other_amount", "Enter an amount above zero."),
        ("other", "25.123", "other_amount", "Use at most 2 decimals."),
        ("other", "9.99", "other_amount", "The smallest payment is $10.00 USD."),
        ("other", "0", "other_amount", "The smallest payment is $10.00 USD."),
        ("other", "10000.01", "other_amount", "The largest payment is $10,000.00 USD."),
        ("other", "1" + "0" * 30, "other_amount", "The largest payment is $10,000.00 USD."),
        (
            "other",
            "1,500",
            "other_amount",
            "Write the amount without separators, with a dot for decimals (e.g. 1500.50).",
        ),
        ("other", "٣٠", "other_amount", "Enter the amount as a number, e.g. 75 or 75.50."),
        (
            "25",
            "75",
            "other_amount",
            "Choose “Other amount…” in Amount to pay this amount, or clear it.",
        ),
        ("30", "", "amount", "Choose one of the amounts listed, or Other amount."),
        ("", "", "amount", "This field is required."),
    ],
)
def test_bad_amounts_are_refused_next_to_the_field(
    client_admin_a, account_a, platform_stripe, amount, other, field, message
):
    response = make_payment(client_admin_a, amount=amount, other=other)
    assert response.status_code == 400
    assert _errors(response, field) == [message]
    assert not Payment.objects.for_account(account_a).exists()
    assert platform_stripe.requests == []
    if other:
        assert f'value="{other}"' in response.content.decode()  # what was typed is kept


def test_a_custom_amount_within_the_limits_is_paid(client_admin_a, account_a, platform_stripe):
    assert make_payment(client_admin_a, amount="other", other=" 75.50 ").status_code == 302
    assert Payment.objects.for_account(account_a).get().amount == 7550 / 100


def test_a_currency_without_minor_units_takes_no_decimals(
    client_admin_a, account_a, platform_stripe
):
    Account.objects.filter(pk=account_a.pk).update(currency="JPY")
    response = make_payment(client_admin_a, amount="other", other="1500.5", currency="JPY")
    assert _errors(response, "other_amount") == ["JPY amounts have no decimals."]


@pytest.mark.parametrize("method", ["paypal", "bitcoin", ""])
def test_a_method_not_offered_is_refused(client_admin_a, account_a, platform_stripe, method):
    response = make_payment(client_admin_a, method=method)
    assert response.status_code == 400
    expected = (
        "Choose how to pay." if not method else "That method is not offered: pay with Credit card."
    )
    assert _errors(response, "pay_via") == [expected]
    assert not Payment.objects.for_account(account_a).exists()


@pytest.mark.parametrize("currency", ["EUR", "", "usd"])
def test_a_forged_currency_is_refused(client_admin_a, account_a, platform_stripe, currency):
    response = make_payment(client_admin_a, currency=currency)
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert any("Payments are made in your account currency, USD." in e for e in errors) or (
        currency == "" and "This field is required." in str(errors)
    )
    assert not Payment.objects.for_account(account_a).exists()
    assert platform_stripe.requests == []


def test_the_service_checks_again_what_the_form_checked(account_a, admin_a, platform_stripe):
    from accounts.actors import Actor
    from accounts.errors import Refused

    actor = Actor(user=admin_a)
    urls = lambda payment: ("http://testserver/r/", "http://testserver/c/")  # noqa: E731
    for kwargs, field in [
        ({"provider": "paypal", "amount": 25, "currency": "USD"}, "pay_via"),
        ({"provider": "stripe", "amount": 25, "currency": "EUR"}, "amount"),
        ({"provider": "stripe", "amount": 5, "currency": "USD"}, "amount"),
    ]:
        with pytest.raises(Refused) as refused:
            services.top_up_account(actor=actor, account=account_a, urls=urls, **kwargs)
        assert refused.value.field == field
    assert not Payment.objects.for_account(account_a).exists()


def test_without_platform_gateways_the_page_says_which_settings_to_set(
    client_admin_a, no_platform_gateways
):
    body = client_admin_a.get("/account/payments/").content.decode()
    assert "Payments are not set up yet" in body
    for name in (
        "PLATFORM_STRIPE_SECRET_KEY",
        "PLATFORM_PAYPAL_CLIENT_ID",
        "PLATFORM_PAYPAL_SECRET",
    ):
        assert name in body
    assert "Make Payment" not in body
    response = client_admin_a.get(NEW, follow=True)
    assert "No payment method is configured yet." in response.content.decode()


def test_a_read_only_user_sees_payments_but_cannot_pay(world, client_user_a, platform_stripe):
    group = world["group_a"]
    group.permissions = {"payments": ALLOW}
    save_group(group, actor=PLATFORM)
    update_user(world["user_a"], actor=PLATFORM, read_only=True)
    body = client_user_a.get("/account/payments/").content.decode()
    assert "Payments" in body and "Make Payment" not in body
    assert client_user_a.get(NEW).status_code == 403
    assert make_payment(client_user_a).status_code == 403
    assert not Payment.objects.for_account(world["a"]).filter(started_by=world["user_a"]).exists()


def test_pending_and_completed_payments_fix_the_currency_cancelled_and_failed_do_not(account_a):
    assert not account_has_payments(account_a)
    failed = pending_payment(account_a)
    services.close_payment(failed, "failed", "Declined.", actor=PLATFORM)
    cancelled = pending_payment(account_a)
    services.close_payment(cancelled, "cancelled", "Cancelled.", actor=PLATFORM)
    assert not account_has_payments(account_a)
    pending_payment(account_a)
    assert account_has_payments(account_a)


def test_the_config_tab_refuses_a_currency_change_once_paid(client_admin_a, account_a):
    paid_payment(account_a)
    response = client_admin_a.get("/account/config/")
    assert "fixed: the account has payments" in response.content.decode()


def test_pending_payments_older_than_a_day_are_cancelled(account_a, account_b, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    old_a, old_b = pending_payment(account_a), pending_payment(account_b)
    fresh = pending_payment(account_a)
    done = paid_payment(account_a)
    day_ago = timezone.now() - timedelta(hours=25)
    for payment in (old_a, old_b):
        Payment.objects.for_account(payment.account).filter(pk=payment.pk).update(created=day_ago)
    call_command("expire_payments", stdout=__import__("io").StringIO())
    states = {
        p.pk: (p.status, p.failure_reason)
        for p in Payment.all_accounts.filter(pk__in=[old_a.pk, old_b.pk, fresh.pk, done.pk])
    }
    assert states[old_a.pk] == ("cancelled", "Not paid within 24 hours.")
    assert states[old_b.pk] == ("cancelled", "Not paid within 24 hours.")
    assert states[fresh.pk][0] == "pending"
    assert states[done.pk][0] == "completed"
    from accounts.models import AuditEntry

    assert AuditEntry.objects.for_account(account_b).filter(event="payment.expired").count() == 1
    assert services.expire_pending_payments() == 0  # a second run finds nothing


def test_a_paid_confirmation_for_an_expired_payment_credits_nothing_and_is_noted(account_a):
    from accounts.models import AuditEntry
    from payment_gateways.providers.payments import GatewayAnswer, Outcome

    from .factories import STRIPE_CHANNEL

    payment = pending_payment(account_a)
    services.close_payment(payment, "cancelled", "Not paid within 24 hours.", actor=PLATFORM)
    answer = GatewayAnswer(
        Outcome.PAID,
        checkout_id=payment.checkout_id,
        transaction_id="pi_late",
        amount=payment.amount,
        currency="USD",
    )
    for _ in range(3):
        services.apply_answer(
            payment, answer, channel=STRIPE_CHANNEL, actor=PLATFORM, source="webhook"
        )
    payment.refresh_from_db()
    assert (payment.status, payment.transaction_id) == ("cancelled", "pi_late")
    assert Account.objects.get(pk=account_a.pk).balance == account_a.balance
    assert (
        AuditEntry.objects.for_account(account_a).filter(event="payment.late_confirmation").count()
        == 1
    )
