"""The demo command and the mail path."""

import io

from django.core import mail
from django.core.management import call_command
from django.test import Client

from accounts.mail import send_mail_later
from accounts.models import Account
from users.models import User


def _demo():
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_creates_two_accounts_with_working_logins(db):
    output = _demo()
    assert set(Account.objects.values_list("name", flat=True)) == {"Acme Telecom", "Globex Voice"}
    for account in Account.objects.all():
        roles = sorted(account.users.values_list("role", flat=True))
        assert roles == [User.Role.ADMINISTRATOR, User.Role.USER]
    line = next(line for line in output.splitlines() if "admin@acme.example" in line)
    password = line.split()[-1]
    client = Client()
    response = client.post("/login/", {"email": "admin@acme.example", "password": password})
    assert response.status_code == 302
    assert "Acme Telecom" in client.get("/account/config/").content.decode()


def test_demo_is_idempotent(db):
    _demo()
    _demo()
    assert Account.objects.count() == 2
    assert User.objects.count() == 4


def test_mail_is_sent_by_a_task_after_commit(account_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_mail_later(account_a, "Hello", "Body", ["ops@alpha.test"])
        assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert [m.subject for m in mail.outbox] == ["Hello"]
    assert mail.outbox[0].to == ["ops@alpha.test"]


def test_a_broken_mail_server_does_not_break_the_caller(
    account_a, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        send_mail_later(account_a, "Hello", "Body", ["ops@alpha.test"])  # must not raise


def test_the_database_backend_queues_mail_for_the_worker(
    transactional_db, account_a, settings, django_capture_on_commit_callbacks
):
    # transactional_db: the worker calls close_old_connections(), which on PostgreSQL closes a
    # connection inside a test's wrapping transaction (autocommit off); a real worker has none.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        send_mail_later(account_a, "Queued", "Body", ["ops@alpha.test"])
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 1

    call_command(
        "db_worker",
        batch=True,
        startup_delay=False,
        reload=False,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert [m.subject for m in mail.outbox] == ["Queued"]
