"""Structured logs: one JSON line per request with the request id (taken from X-Request-ID only
behind trusted proxies), user and account ids but never an e-mail address, and the id carried
into the tasks the request enqueues, as the database task worker runs them."""

import json
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings

from accounts.logs import ConsoleFormatter, JSONFormatter
from tests.fixtures import PASSWORD

FORMAT = JSONFormatter()


def _request_lines(caplog) -> list[dict]:
    return [json.loads(FORMAT.format(r)) for r in caplog.records if r.name == "accounts.requests"]


def _every_line(caplog) -> str:
    return "\n".join(FORMAT.format(r) for r in caplog.records)


@pytest.fixture
def info_logs(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def test_one_line_per_request_with_its_fields_and_the_request_id(db, info_logs):
    response = Client().get("/login/")
    (line,) = _request_lines(info_logs)
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert {k: line[k] for k in ("method", "url_name", "status", "site")} == {
        "method": "GET",
        "url_name": "users:login",
        "status": 200,
        "site": "panel",
    }
    assert line["user_id"] is None and line["account_id"] is None
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "accounts.requests"
    assert line["time"].endswith("+00:00")


def test_a_signed_in_request_logs_the_ids_never_the_email_nor_the_path(
    client_admin_a, admin_a, info_logs
):
    response = client_admin_a.get("/audit/?q=" + admin_a.email)
    assert response.status_code == 200
    (line,) = _request_lines(info_logs)
    assert line["user_id"] == admin_a.pk
    assert line["account_id"] == admin_a.account_id
    assert line["url_name"] == "accounts:audit_log"
    text = _every_line(info_logs)
    assert admin_a.email not in text
    assert "/audit/" not in text  # the URL name, not the path (paths carry ids and tokens)
    assert admin_a.account.name not in text


def test_a_failed_sign_in_logs_no_email_and_no_password(db, admin_a, info_logs):
    Client().post("/login/", {"email": admin_a.email, "password": "Wrong-Password-1!"})
    (line,) = _request_lines(info_logs)
    assert line["status"] == 200 and line["url_name"] == "users:login"
    text = _every_line(info_logs)
    assert admin_a.email not in text
    assert "Wrong-Password-1!" not in text


def test_the_formatters_mask_emails_and_secret_fields_in_any_line():
    record = logging.makeLogRecord(
        {
            "name": "somewhere",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "could not reach %s",
            "args": ("ops@tenant.example",),
            "api_key": "sk_live_0123456789",
            "detail": "for admin@acme.example",
        }
    )
    for formatter in (JSONFormatter(), ConsoleFormatter()):
        text = formatter.format(record)
        assert "ops@tenant.example" not in text and "admin@acme.example" not in text
        assert "sk_live_0123456789" not in text
        assert "[email]" in text
    assert json.loads(JSONFormatter().format(record))["api_key"] == "********"


def test_a_server_error_line_names_the_url_pattern_not_the_path(db, caplog):
    """Django's own "Internal Server Error: /path" would write a reset token into the log."""
    from django.http import HttpRequest

    request = HttpRequest()
    request.path = "/password-reset/MQ/set-password/abc123-secret-token/"
    request.request_id = "f" * 32
    record = logging.makeLogRecord(
        {
            "name": "django.request",
            "levelname": "ERROR",
            "msg": "Internal Server Error: %s",
            "args": (request.path,),
            "request": request,
        }
    )
    line = json.loads(JSONFormatter().format(record))
    assert "abc123-secret-token" not in json.dumps(line)
    assert line["message"] == "Internal Server Error: unresolved"
    assert line["request_id"] == "f" * 32


# --- X-Request-ID --------------------------------------------------------------------------------


def test_x_request_id_is_ignored_without_trusted_proxies(db):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="forged-by-a-visitor")
    assert response["X-Request-ID"] != "forged-by-a-visitor"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_x_request_id_is_the_proxys_behind_a_trusted_proxy(db, info_logs):
    response = Client().get(
        "/login/", HTTP_X_REQUEST_ID="lb-7f3a.0001", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert response["X-Request-ID"] == "lb-7f3a.0001"
    (line,) = _request_lines(info_logs)
    assert line["request_id"] == "lb-7f3a.0001"


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize(
    "offered", ["two words", "line\nbreak", 'quote"', "x" * 129, "", "-starts-with-dash"]
)
def test_a_malformed_x_request_id_is_replaced_even_from_a_proxy(db, offered):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=offered)
    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


# --- into the tasks a request enqueues ----------------------------------------------------------


@override_settings(
    TRUSTED_PROXY_COUNT=1, TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
)
def test_the_request_id_reaches_the_task_the_request_enqueued(transactional_db, admin_a, caplog):
    from django_tasks_db.models import DBTaskResult

    caplog.set_level(logging.INFO)
    response = Client().post(
        "/password-reset/",
        {"email": admin_a.email},
        HTTP_X_REQUEST_ID="req-reset-42",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 302
    assert mail.outbox == []  # queued, not sent: the worker sends it
    (queued,) = DBTaskResult.objects.all()
    assert queued.args_kwargs["kwargs"]["request_id"] == "req-reset-42"

    caplog.clear()
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert len(mail.outbox) == 1
    (task_line,) = [r for r in caplog.records if r.name == "accounts.tasks"]
    line = json.loads(FORMAT.format(task_line))
    assert line["request_id"] == "req-reset-42"
    assert line["task"] == "accounts.tasks.send_email"
    assert line["status"] == "succeeded"
    assert admin_a.email not in _every_line(caplog)


def test_a_task_enqueued_by_nobody_runs_under_an_id_of_its_own(db, caplog):
    from accounts.tasks import send_email

    caplog.set_level(logging.INFO)
    send_email.enqueue(account_id=None, subject="Hello", body="Hi", to=["x@example.com"])
    (task_line,) = [r for r in caplog.records if r.name == "accounts.tasks"]
    assert len(task_line.request_id) == 32


def test_signing_in_still_works_with_the_logs_on(admin_a, info_logs):
    client = Client()
    response = client.post("/login/", {"email": admin_a.email, "password": PASSWORD})
    assert response.status_code == 302
    (line,) = _request_lines(info_logs)
    assert line["user_id"] == admin_a.pk  # the user the request signed in


def test_every_task_is_declared_with_the_traced_decorator():
    """A task declared with django_tasks' own decorator would lose the request id."""
    from django.conf import settings

    offenders = []
    for app in settings.PROJECT_APPS:
        for path in (settings.BASE_DIR / app).rglob("*.py"):
            if (
                "tests" in path.parts
                or "migrations" in path.parts
                or path.name == "traced_tasks.py"
            ):
                continue  # traced_tasks.py wraps django_tasks' decorator
            text = path.read_text()
            if "from django_tasks import task" in text or "@django_tasks.task" in text:
                offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == [], "use accounts.traced_tasks.task in " + ", ".join(offenders)
