"""Error reports: sent to Sentry only when SENTRY_DSN is set, tagged with the request id, and
carrying no secret and no personal data. A local ingest parses what the real SDK posts."""

import pytest
import sentry_sdk
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from accounts import errorreporting
from accounts.permissions import public
from tests.fakes.sentry_ingest import FakeSentry

PASSWORD_POSTED = "Hunter2-Posted-Password!"
BEARER = "tok_live_5f1d2c3b4a5e6f7a8b9c"
API_KEY = "sk_live_9a8b7c6d5e4f3a2b1c0d"
COOKIE = "sessioncookievalue0123456789abcdef"


@public("a view of this test: it fails on purpose")
def failing(request, token):
    account_name = request.account.name if request.account else "Acme Telecom"  # a local
    password = request.POST.get("password")  # a local holding a secret
    email = request.POST.get("email")
    raise RuntimeError(f"charging failed for {email} (tenant data {len(account_name)} chars)")
    return HttpResponse(password)  # never reached


urlpatterns = [path("fail/<str:token>/", failing, name="fail")]


@pytest.fixture
def ingest():
    assert not sentry_sdk.get_client().dsn  # no SENTRY_DSN in the tests: nothing leaves
    with FakeSentry() as fake:
        errorreporting.init(fake.dsn, environment="test")
        try:
            yield fake
        finally:
            sentry_sdk.flush(timeout=5)
            sentry_sdk.get_client().close()
            sentry_sdk.init()  # inactive again for the tests after this one


@override_settings(ROOT_URLCONF=__name__)
def test_an_error_reaches_sentry_with_the_request_id_and_nothing_secret_or_personal(
    ingest, client_admin_a, admin_a
):
    client_admin_a.raise_request_exception = False
    client_admin_a.cookies["csrftoken"] = "csrfcookie0123456789"
    response = client_admin_a.post(
        "/fail/reset-token-abcdef123456/?email=" + admin_a.email,
        {"email": admin_a.email, "password": PASSWORD_POSTED, "api_key": API_KEY},
        HTTP_AUTHORIZATION=f"Bearer {BEARER}",
        HTTP_X_API_KEY=API_KEY,
        HTTP_COOKIE=f"sessionid={COOKIE}",
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)
    (event,) = ingest.wait_for_events(1)

    assert event["tags"]["request_id"] == response["X-Request-ID"]
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "RuntimeError", exception
    assert exception["value"].startswith("charging failed for [email]")
    assert event["transaction"] == "/fail/{token}/"  # the URL pattern, not the values
    assert "user" not in event
    assert set(event["request"]) <= {"method", "headers"}

    sent = b"".join(e.raw for e in ingest.envelopes).decode()
    for leak in (
        admin_a.email,
        PASSWORD_POSTED,
        BEARER,
        API_KEY,
        COOKIE,
        "csrfcookie0123456789",
        "reset-token-abcdef123456",
        admin_a.account.name,
        "127.0.0.1",  # the client's address (send_default_pii=False)
        "testserver/",  # the host and path of the URL
    ):
        assert leak not in sent, leak
    frames = exception["stacktrace"]["frames"]
    assert frames and not any("vars" in frame for frame in frames)


@override_settings(ROOT_URLCONF=__name__)
def test_a_logged_error_in_a_task_is_reported_with_the_tasks_request_id(ingest):
    import logging

    from accounts.request_ids import bound

    with bound("req-from-the-task-77"):
        logging.getLogger("payment_gateways.services").error(
            "check failed for billing@tenant.example with token=%s", "abc-secret"
        )
    sentry_sdk.flush(timeout=5)
    (event,) = ingest.wait_for_events(1)
    assert event["tags"]["request_id"] == "req-from-the-task-77"
    sent = b"".join(e.raw for e in ingest.envelopes).decode()
    assert "billing@tenant.example" not in sent


def test_scrub_masks_secret_keys_everywhere_and_emails_in_strings():
    event = {
        "request": {
            "url": "https://portal.acme.example/reset/abc/",
            "query_string": "token=abc",
            "headers": {"Host": "portal.acme.example", "User-Agent": "UA", "Cookie": "s=1"},
            "data": {"password": "x"},
        },
        "extra": {"smtp_password": "p4ss", "note": "mail ops@acme.example", "nested": {"token": 1}},
        "breadcrumbs": {"values": [{"message": "to a@b.example", "data": {"secret": "s"}}]},
        "user": {"email": "a@b.example", "ip_address": "1.2.3.4"},
    }
    scrubbed = errorreporting.scrub(event)
    assert scrubbed["request"] == {"method": "", "headers": {"User-Agent": "UA"}}
    assert scrubbed["extra"] == {
        "smtp_password": "********",
        "note": "mail [email]",
        "nested": {"token": "********"},
    }
    assert scrubbed["breadcrumbs"]["values"][0] == {
        "message": "to [email]",
        "data": {"secret": "********"},
    }
    assert "user" not in scrubbed
