"""The adapters, with the real SDKs talking HTTP to the local fake servers."""

import ast
import base64
import logging
import time
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from payment_gateways.models import Gateway
from payment_gateways.providers import client_for
from payment_gateways.providers.base import GatewayClient
from payment_gateways.providers.payments import InvalidWebhook
from tests.fakes.paypal_api import OMIT as PAYPAL_OMIT
from tests.fakes.stripe_api import OMIT

ROOT = Path(__file__).resolve().parents[2]


def stripe_gateway(secret_key, mode="test", public_key=""):
    word = "live" if mode == "live" else "test"
    return Gateway(
        type="stripe",
        mode=mode,
        public_key=public_key or f"pk_{word}_abcdefghijklmnop1234",
        secret_key=secret_key,
    )


def paypal_gateway(client_id, secret, mode="sandbox"):
    return Gateway(type="paypal", mode=mode, public_key=client_id, secret_key=secret)


# Stripe


def test_stripe_good_key_is_verified_with_a_bearer_balance_read(fake_stripe):
    account = fake_stripe.add_account()
    result = client_for(stripe_gateway(account.secret_key)).verify()
    assert result.ok, result.message
    assert result.message == "Stripe accepted the secret key (test mode)."
    (request,) = fake_stripe.requests
    assert (request.method, request.path) == ("GET", "/v1/balance")
    assert request.headers["Authorization"] == f"Bearer {account.secret_key}"


def test_stripe_unknown_key_fails_with_stripes_message_masked(fake_stripe):
    fake_stripe.add_account()
    secret = "sk_test_" + "q" * 20 + "WXYZ"
    result = client_for(stripe_gateway(secret)).verify()
    assert not result.ok
    assert result.message == "Invalid API Key provided: sk_test_" + "*" * 20 + "WXYZ"
    assert secret not in result.message


def test_stripe_restricted_key_without_balance_access_fails_with_stripes_message(fake_stripe):
    restricted = "rk_test_" + "r" * 24
    fake_stripe.add_account(restricted_without_balance=restricted)
    result = client_for(stripe_gateway(restricted)).verify()
    assert not result.ok
    assert "does not have the required permissions" in result.message
    assert "rak_balance_read" in result.message


def test_stripe_key_of_the_other_mode_fails(fake_stripe):
    # A live-mode account whose key does not say so (e.g. an old-style restricted key).
    account = fake_stripe.add_account(livemode=True, secret_key="rk_test_" + "m" * 24)
    result = client_for(stripe_gateway(account.secret_key, mode="test")).verify()
    assert not result.ok
    assert result.message == "Stripe says this is a live-mode key, but the gateway is in test mode."


def test_stripe_silence_fails_with_the_timeout_message(fake_stripe, short_timeout):
    fake_stripe.silent = True
    started = time.monotonic()
    result = client_for(stripe_gateway("sk_test_" + "s" * 24)).verify()
    assert time.monotonic() - started < 4  # one try, no SDK retries
    assert not result.ok
    assert result.message == "The gateway did not answer in 1 second."


@pytest.mark.parametrize(
    ("changes", "currencies"),
    [
        # Reproduction: raised "StripeObject is not iterable or a mapping; call .to_dict()…".
        ({"available": {"usd": 0, "eur": 0}}, []),
        ({"available": {"amount": 0, "currency": "usd"}}, []),
        ({"available": OMIT}, []),
        ({"available": None}, []),
        ({"available": "0 usd"}, []),
        ({"available": [{"amount": 0}, 7, {"currency": "eur"}, {"currency": None}]}, ["EUR"]),
        ({"livemode": OMIT}, ["USD"]),
        ({"livemode": "false"}, ["USD"]),
        ({"object": OMIT, "pending": OMIT, "connect_reserved": OMIT}, ["USD"]),
    ],
)
def test_stripe_answers_of_other_shapes_after_an_accepted_key_are_verified(
    fake_stripe, changes, currencies
):
    """A check is about the credentials: what the panel does not need is read defensively."""
    account = fake_stripe.add_account()
    account.balance_changes = changes
    result = client_for(stripe_gateway(account.secret_key)).verify()
    assert result.ok, result.message
    assert result.message == "Stripe accepted the secret key (test mode)."
    assert result.details == {"balance_currencies": currencies}


def test_stripe_unreachable_says_so(settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    result = client_for(stripe_gateway("sk_test_" + "u" * 24)).verify()
    assert not result.ok
    assert result.message == "Could not connect to Stripe: connection refused."


# PayPal


def test_paypal_good_credentials_get_a_token_with_basic_auth(fake_paypal):
    client_id, secret = fake_paypal.add_app()
    result = client_for(paypal_gateway(client_id, secret)).verify()
    assert result.ok, result.message
    assert result.message == "PayPal issued an access token (sandbox mode)."
    (request,) = fake_paypal.requests
    assert (request.method, request.path) == ("POST", "/v1/oauth2/token")
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    )
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode()) == {"grant_type": ["client_credentials"]}


def test_paypal_wrong_secret_fails_with_paypals_message(fake_paypal):
    client_id, _ = fake_paypal.add_app()
    result = client_for(paypal_gateway(client_id, "E" + "x" * 40)).verify()
    assert not result.ok
    assert result.message == "Client Authentication failed (invalid_client)"


def test_paypal_sandbox_credentials_fail_in_live_mode(fake_paypal, fake_paypal_live):
    client_id, secret = fake_paypal.add_app()  # registered in the sandbox only
    assert client_for(paypal_gateway(client_id, secret, "sandbox")).verify().ok
    live = client_for(paypal_gateway(client_id, secret, "live")).verify()
    assert not live.ok
    assert live.message == "Client Authentication failed (invalid_client)"
    assert len(fake_paypal_live.requests) == 1  # the live mode went to the live API base


@pytest.mark.parametrize(
    "changes",
    [{"app_id": PAYPAL_OMIT}, {"app_id": 7}, {"scope": PAYPAL_OMIT, "app_id": None}],
)
def test_paypal_token_answers_of_other_shapes_are_verified(fake_paypal, changes):
    client_id, secret = fake_paypal.add_app()
    fake_paypal.token_changes = changes
    result = client_for(paypal_gateway(client_id, secret)).verify()
    assert result.ok, result.message
    assert result.details == {"app_id": ""}


def test_paypal_answer_without_a_token_fails_in_plain_words(fake_paypal):
    client_id, secret = fake_paypal.add_app()
    fake_paypal.token_changes = {"access_token": PAYPAL_OMIT}
    result = client_for(paypal_gateway(client_id, secret)).verify()
    assert (result.ok, result.message) == (False, "PayPal answered without an access token.")


def test_paypal_silence_fails_with_the_timeout_message(fake_paypal, short_timeout):
    fake_paypal.silent = True
    started = time.monotonic()
    result = client_for(paypal_gateway("A" * 40, "E" * 40)).verify()
    assert time.monotonic() - started < 4
    assert result.message == "The gateway did not answer in 1 second."


def test_paypal_unreachable_says_so(settings):
    settings.PAYPAL_SANDBOX_API_BASE = "http://127.0.0.1:9"
    result = client_for(paypal_gateway("A" * 40, "E" * 40)).verify()
    assert result.message == "Could not connect to PayPal: connection refused."


def test_paypal_sdk_logs_no_secret_even_at_debug(fake_paypal, caplog):
    client_id, secret = fake_paypal.add_app()
    caplog.set_level(logging.DEBUG)  # the root logger; LOGGING keeps paypalrestsdk at INFO
    assert client_for(paypal_gateway(client_id, secret)).verify().ok
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    assert secret not in caplog.text
    assert basic not in caplog.text


# The interface


def test_the_timeout_message_names_the_seconds():
    client = client_for(stripe_gateway("sk_test_" + "t" * 24))
    client.timeout = 5
    assert client.timeout_message() == "The gateway did not answer in 5 seconds."


def test_messages_never_carry_the_secret():
    secret = "sk_test_" + "z" * 20 + "9876"
    client = client_for(stripe_gateway(secret))
    assert client.clean_message(f"bad key {secret}\n now") == "bad key ••••9876 now"
    assert secret not in repr(client.credentials)


def test_each_type_has_its_adapter_with_the_payment_calls():
    for gateway_type in Gateway.Type.values:
        client = client_for(Gateway(type=gateway_type, mode="live", public_key="x", secret_key="y"))
        assert isinstance(client, GatewayClient)
        for method in ("start_checkout", "confirm_return", "cancel_checkout", "parse_webhook"):
            assert getattr(type(client), method) is not getattr(GatewayClient, method), method
        with pytest.raises(InvalidWebhook):  # no signing secret / Webhook ID: nothing verifies
            client.parse_webhook(body=b"{}", headers={})


def test_only_the_provider_modules_import_the_sdks():
    allowed = {
        ROOT / "payment_gateways/providers/stripe.py": "stripe",
        ROOT / "payment_gateways/providers/stripe_payments.py": "stripe",
        ROOT / "payment_gateways/providers/paypal.py": "paypalrestsdk",
        ROOT / "payment_gateways/providers/paypal_payments.py": "paypalrestsdk",
    }
    offenders = []
    for path in ROOT.rglob("*.py"):
        if {".venv", "node_modules", "mutants"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ("stripe", "paypalrestsdk") and allowed.get(path) != top:
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_the_deploy_check_wants_https_api_bases(settings):
    from payment_gateways.checks import gateway_api_bases_use_https

    settings.STRIPE_API_BASE = "https://api.stripe.com"
    settings.PAYPAL_API_BASE = "https://api-m.paypal.com"
    settings.PAYPAL_SANDBOX_API_BASE = "http://127.0.0.1:8080"
    warnings = gateway_api_bases_use_https(None)
    assert [w.id for w in warnings] == ["payment_gateways.W001"]
    assert "PAYPAL_SANDBOX_API_BASE" in warnings[0].msg
