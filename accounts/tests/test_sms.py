"""SMS: the SMS From rules, the backends (the http one against a local gateway speaking its JSON
protocol), send_sms for the profile's mobile confirmation, and the Test Mobile dialog."""

import time

import pytest
from django.core.exceptions import ValidationError

from accounts import sms
from accounts.models import AuditEntry, SmtpSettings
from tests.fakes.sms_gateway import FakeSMSGateway
from tests.fakes.smtp_server import closed_port

from .smtp_helpers import TEST_MOBILE, outcome_of, page, saved

MOBILE = "+447700900123"


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def give_mobile(monkeypatch):
    """Put a mobile number on a user's personal profile. The profile's field belongs to the
    users app (issue 11); until it exists every user gets the number as a class attribute."""

    def give(user, number):
        model = type(user)
        if any(f.name == "mobile" for f in model._meta.concrete_fields):
            model.all_accounts.filter(pk=user.pk).update(mobile=number)
        else:
            monkeypatch.setattr(model, "mobile", number, raising=False)

    return give


@pytest.fixture
def gateway(settings):
    with FakeSMSGateway() as fake:
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = fake.messages_url
        settings.SMS_GATEWAY_TOKEN = fake.token
        settings.SMS_GATEWAY_TIMEOUT_SECONDS = 1
        yield fake


# --- SMS From ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("sms", "sms"),
        ("", "sms"),
        (" AcmeTel ", "AcmeTel"),
        ("Acme Tel 24", "Acme Tel 24"),
        ("ABCDEFGHIJK", "ABCDEFGHIJK"),
        ("+44 7400 123456", "+447400123456"),
        ("+1 (201) 555-0123", "+12015550123"),
    ],
)
def test_sms_from_accepts(typed, stored):
    assert sms.clean_sender(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ABCDEFGHIJKL", "at most 11 characters (this one has 12)"),
        ("Acme&Co", "only letters, digits and spaces"),
        ("Acmé", "only letters, digits and spaces"),
        ("447700900123", "+ then the country code"),
        ("+44 12", "not a valid international number"),
        ("+abc", "not a valid international number"),
    ],
)
def test_sms_from_refuses(typed, message):
    with pytest.raises(ValidationError) as refused:
        sms.clean_sender(typed)
    assert message in refused.value.messages[0]


# --- send_sms and the backends -----------------------------------------------------------------


def test_send_sms_uses_the_accounts_sms_from(account_a):
    assert sms.send_sms(account_a, MOBILE, "Code 123456") == "locmem-1"
    assert sms.outbox == [sms.SmsMessage(sender="sms", to=MOBILE, text="Code 123456")]
    SmtpSettings.objects.create(account=account_a, from_address="noc@a.test", sms_from="AlphaTel")
    sms.send_sms(account_a, MOBILE, "Code 654321")
    assert sms.outbox[-1].sender == "AlphaTel"


def test_the_console_backend_prints(account_a, settings, capsys):
    settings.SMS_BACKEND = "console"
    reference = sms.send_sms(account_a, MOBILE, "Hello")
    assert reference.startswith("console-")
    assert f"from sms to {MOBILE}:\nHello" in capsys.readouterr().out


def test_the_http_backend_posts_json_with_the_token(account_a, gateway):
    assert sms.send_sms(account_a, MOBILE, "Code 123456") == "msg_000001"
    [request] = gateway.requests
    assert request.method == "POST"
    assert request.headers["Authorization"] == f"Bearer {gateway.token}"
    assert request.headers["Content-Type"] == "application/json"
    assert gateway.sent == [{"from": "sms", "to": MOBILE, "text": "Code 123456"}]


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (202, b"", "application/json", None),
        (200, {"message_id": "abc-1"}, "application/json", "abc-1"),
        (201, {"reference": "r-9", "status": "accepted"}, "application/json", "r-9"),
    ],
)
def test_the_http_backend_accepts_every_success_shape(
    account_a, gateway, status, body, content_type, expected
):
    gateway.reply(status, body, content_type)
    assert sms.send_sms(account_a, MOBILE, "Hi") == (expected or "")


@pytest.mark.parametrize(
    ("status", "body", "content_type", "said"),
    [
        (400, {"error": {"message": "Invalid destination number"}}, "application/json",
         "(400): Invalid destination number"),
        (401, {"error": "invalid or missing API token"}, "application/json",
         "(401): invalid or missing API token"),
        (422, {"errors": [{"message": "Sender ID not registered"}]}, "application/json",
         "(422): Sender ID not registered"),
        (429, {"message": "Rate limit exceeded"}, "application/json",
         "(429): Rate limit exceeded"),
        (503, {"detail": "Maintenance"}, "application/json", "(503): Maintenance"),
        (500, b"<html><body><h1>Internal Server Error</h1></body></html>", "text/html",
         "(500): Internal Server Error"),
        (502, b"", "text/plain", "(502): no reason given."),
        (200, {"status": "rejected", "error": "Destination barred"}, "application/json",
         "(200): Destination barred"),
    ],
)  # fmt: skip
def test_the_http_backend_shows_the_gateways_error(
    account_a, gateway, status, body, content_type, said
):
    gateway.reply(status, body, content_type)
    with pytest.raises(sms.SmsError) as refused:
        sms.send_sms(account_a, MOBILE, "Hi")
    assert str(refused.value) == f"The SMS gateway refused the message {said}"


def test_a_wrong_token_is_the_gateways_401(account_a, gateway, settings):
    settings.SMS_GATEWAY_TOKEN = "stale"
    with pytest.raises(sms.SmsError, match=r"\(401\): invalid or missing API token"):
        sms.send_sms(account_a, MOBILE, "Hi")


def test_a_gateway_that_never_answers_times_out(account_a, gateway):
    gateway.silent = True
    started = time.monotonic()
    with pytest.raises(sms.SmsError, match="did not answer within 1 seconds"):
        sms.send_sms(account_a, MOBILE, "Hi")
    assert time.monotonic() - started < 2.5


def test_an_unreachable_gateway(account_a, settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port()}/messages"
    with pytest.raises(sms.SmsError, match="could not be reached"):
        sms.send_sms(account_a, MOBILE, "Hi")
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(sms.SmsError, match="no SMS gateway set up"):
        sms.send_sms(account_a, MOBILE, "Hi")


def test_the_token_is_never_logged(account_a, gateway, caplog, capsys):
    caplog.set_level("DEBUG")
    gateway.reply(400, {"error": "bad"})
    with pytest.raises(sms.SmsError):
        sms.send_sms(account_a, MOBILE, "Hi")
    sms.send_sms(account_a, MOBILE, "Hi")
    captured = capsys.readouterr()
    assert gateway.token not in caplog.text + captured.out + captured.err


# --- Test Mobile ------------------------------------------------------------------------------


def test_test_mobile_without_a_mobile_links_to_the_profile(client_admin_a):
    response = client_admin_a.get(TEST_MOBILE)
    html = page(response)
    assert "Your personal profile has no mobile number to send the test to." in html
    assert 'href="/profile/">Personal profile</a>' in html
    response = client_admin_a.post(TEST_MOBILE)
    assert response.status_code == 200
    assert "no mobile number" in outcome_of(response)
    assert sms.outbox == []
    assert not AuditEntry.objects.filter(event="sms.test_sent").exists()


def test_test_mobile_sends_from_the_sms_from(client_admin_a, admin_a, give_mobile):
    give_mobile(admin_a, MOBILE)
    saved(client_admin_a, sms_from="AlphaTel")
    html = page(client_admin_a.get(TEST_MOBILE))
    assert "+44 7700 900123" in html and "AlphaTel" in html
    assert sms.outbox == []  # a GET sends nothing
    outcome = outcome_of(client_admin_a.post(TEST_MOBILE))
    assert (
        outcome
        == "Test SMS to +44 7700 900123 accepted by the gateway (gateway reference locmem-1)."
    )
    [message] = sms.outbox
    assert (message.sender, message.to) == ("AlphaTel", MOBILE)
    assert "Alpha Networks: test message" in message.text
    [entry] = AuditEntry.objects.filter(event="sms.test_sent")
    assert entry.data == {"sms_from": "AlphaTel", "result": "sent"}
    assert entry.target_label == f"to {MOBILE}"


def test_test_mobile_reports_the_gateways_answer(client_admin_a, admin_a, give_mobile, gateway):
    give_mobile(admin_a, MOBILE)
    outcome = outcome_of(client_admin_a.post(TEST_MOBILE))
    assert (
        outcome
        == "Test SMS to +44 7700 900123 accepted by the gateway (gateway reference msg_000001)."
    )
    gateway.reply(400, {"error": {"message": "Sender ID not allowed in GB"}})
    response = client_admin_a.post(TEST_MOBILE)
    assert outcome_of(response) == (
        "The SMS gateway refused the message (400): Sender ID not allowed in GB"
    )
    assert 'role="alert"' in page(response)
    entry = AuditEntry.objects.filter(event="sms.test_sent").first()
    assert (
        entry.data["result"]
        == "The SMS gateway refused the message (400): Sender ID not allowed in GB"
    )
