"""SMTP Details against a real SMTP server (aiosmtpd, started by each test): Test Email over
STARTTLS and implicit TLS with AUTH, every failure in plain words within the timeout, the
account's own server for all of its mail, retries of temporary failures, and the password kept
out of pages, the audit log and the logs."""

import logging
import time

import pytest
from django.core import mail
from django.test import Client

from accounts.mail import send_mail_later
from accounts.metrics import MAILS
from accounts.models import AuditEntry, SecurityAddons, SmtpSettings
from tests.conftest import PANEL_HOST, PASSWORD
from tests.fakes.smtp_server import allow_port, closed_port, silent_server

from .smtp_helpers import SMTP_PASSWORD, page, press_test_email, saved

AUTH = ("mailer@alpha-mail.test", SMTP_PASSWORD)


@pytest.fixture
def starttls_server(smtp_server, trusted_ca):
    return smtp_server(tls="starttls", cert=trusted_ca.issue(["127.0.0.1"]), auth=AUTH)


def _save_server(client, server, security="auto", auth=AUTH, **fields):
    username, password = auth if auth else ("", "")
    saved(
        client,
        server=server.server if hasattr(server, "server") else server,
        security=security,
        username=username,
        password=password,
        **fields,
    )


def _text_and_html(message):
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    return text, html


# --- Test Email: success ----------------------------------------------------------------------


def test_test_email_over_starttls_with_login(client_admin_a, starttls_server):
    _save_server(client_admin_a, starttls_server, security="starttls")
    outcome = press_test_email(client_admin_a)
    assert outcome == f"Test message sent to admin@alpha.test through {starttls_server.server}."
    [envelope] = starttls_server.envelopes
    assert envelope == {
        "mail_from": "noc@alpha-mail.test",
        "rcpt_tos": ["admin@alpha.test"],
        "tls": True,
        "login": AUTH[0],
    }
    [message] = starttls_server.messages
    assert message["From"] == "Alpha NOC <noc@alpha-mail.test>"
    assert message["To"] == "admin@alpha.test"
    assert message["Subject"] == "Alpha Networks: test message"
    text, html = _text_and_html(message)
    assert "test message from the Alpha Networks account console" in text
    assert starttls_server.server in text
    assert "Alpha Networks" in html


def test_auto_security_uses_starttls_when_the_server_offers_it(client_admin_a, starttls_server):
    # A port that is neither 465 nor 587: Auto means STARTTLS when offered.
    _save_server(client_admin_a, starttls_server, security="auto")
    assert press_test_email(client_admin_a).startswith("Test message sent")
    assert starttls_server.envelopes[0]["tls"] is True


def test_test_email_over_implicit_tls(client_admin_a, smtp_server, trusted_ca):
    server = smtp_server(tls="implicit", cert=trusted_ca.issue(["127.0.0.1"]), auth=AUTH)
    _save_server(client_admin_a, server, security="tls")
    assert press_test_email(client_admin_a).startswith("Test message sent to admin@alpha.test")
    assert server.envelopes[0]["login"] == AUTH[0]


def test_a_host_name_is_checked_against_the_certificate(
    client_admin_a, smtp_server, trusted_ca, settings
):
    # localhost resolves to this machine without DNS; the certificate names it.
    server = smtp_server(tls="starttls", cert=trusted_ca.issue(["localhost"]), auth=AUTH)
    _save_server(client_admin_a, f"localhost:{server.port}", security="starttls")
    assert press_test_email(client_admin_a).startswith("Test message sent")


def test_without_a_server_test_email_goes_through_the_platform(client_admin_a):
    saved(client_admin_a)  # From address and SMS From only
    outcome = press_test_email(client_admin_a)
    assert outcome == "Test message sent to admin@alpha.test through the platform's mail server."
    [message] = mail.outbox
    assert message.from_email == "Alpha Networks <no-reply@localhost>"
    assert message.reply_to == ["Alpha NOC <noc@alpha-mail.test>"]


# --- Test Email: every failure in words --------------------------------------------------------


def test_an_untrusted_certificate(client_admin_a, smtp_server, certificate_authority):
    # The CA is not trusted (no SMTP_CA_FILE): the system's store does not know it.
    server = smtp_server(tls="starttls", cert=certificate_authority.issue(["127.0.0.1"]))
    _save_server(client_admin_a, server, security="starttls", auth=None)
    assert press_test_email(client_admin_a) == (
        f"TLS failed: the certificate of {server.server} is not trusted (self-signed or signed "
        "by an unknown authority)."
    )
    assert server.messages == []


def test_a_certificate_for_another_host(client_admin_a, smtp_server, trusted_ca):
    server = smtp_server(tls="implicit", cert=trusted_ca.issue(["mail.elsewhere.test"]))
    _save_server(client_admin_a, server, security="tls", auth=None)
    assert "is for another host name" in press_test_email(client_admin_a)


def test_an_expired_certificate(client_admin_a, smtp_server, trusted_ca):
    server = smtp_server(tls="starttls", cert=trusted_ca.issue(["127.0.0.1"], expired=True))
    _save_server(client_admin_a, server, security="starttls", auth=None)
    assert "has expired" in press_test_email(client_admin_a)


def test_tls_against_a_plain_server(client_admin_a, smtp_server):
    server = smtp_server()
    _save_server(client_admin_a, server, security="tls", auth=None)
    outcome = press_test_email(client_admin_a)
    assert outcome.startswith(f"The TLS handshake with {server.server} failed")


def test_a_wrong_password_is_login_refused(client_admin_a, starttls_server):
    _save_server(client_admin_a, starttls_server, auth=(AUTH[0], "not-the-password"))
    outcome = press_test_email(client_admin_a)
    assert outcome.startswith("The server refused the login (the server said: 535")
    assert outcome.endswith("check the username and password.")


def test_nothing_listening_is_connection_refused_within_the_timeout(client_admin_a, settings):
    port = closed_port()
    allow_port(settings, port)
    _save_server(client_admin_a, f"127.0.0.1:{port}", auth=None)
    started = time.monotonic()
    outcome = press_test_email(client_admin_a)
    assert time.monotonic() - started < settings.SMTP_TIMEOUT_SECONDS
    assert outcome == (
        f"Connection refused by 127.0.0.1:{port}: nothing accepts mail on that port. Check the "
        "server and port."
    )


def test_a_server_that_never_answers_times_out_within_the_timeout(client_admin_a, settings):
    with silent_server() as port:
        allow_port(settings, port)
        _save_server(client_admin_a, f"127.0.0.1:{port}", auth=None)
        started = time.monotonic()
        outcome = press_test_email(client_admin_a)
        took = time.monotonic() - started
    assert settings.SMTP_TIMEOUT_SECONDS <= took < settings.SMTP_TIMEOUT_SECONDS + 1.5
    assert outcome.startswith(
        f"127.0.0.1:{port} did not answer within {settings.SMTP_TIMEOUT_SECONDS:g} seconds "
        "(timed out)."
    )


def test_a_refused_sender(client_admin_a, starttls_server):
    starttls_server.refuse("550 5.7.1 Sender address not allowed", stage="mail")
    _save_server(client_admin_a, starttls_server)
    assert press_test_email(client_admin_a) == (
        "The server refused the sender noc@alpha-mail.test (the server said: 550 5.7.1 Sender "
        "address not allowed): use a From address your mail account may send from."
    )


def test_a_refused_recipient(client_admin_a, starttls_server):
    starttls_server.refuse("550 5.1.1 No such mailbox", stage="rcpt")
    _save_server(client_admin_a, starttls_server)
    assert press_test_email(client_admin_a) == (
        "The server refused the recipient admin@alpha.test (the server said: 550 5.1.1 No such "
        "mailbox)."
    )


def test_starttls_chosen_but_not_offered(client_admin_a, smtp_server):
    server = smtp_server()
    _save_server(client_admin_a, server, security="starttls", auth=None)
    assert press_test_email(client_admin_a).startswith(f"{server.server} does not offer STARTTLS")


def test_a_password_is_not_sent_over_a_plain_connection_unless_chosen(client_admin_a, smtp_server):
    server = smtp_server(auth=AUTH, auth_require_tls=False)  # offers AUTH without TLS
    _save_server(client_admin_a, server, security="auto")
    assert "the password would travel in plain text" in press_test_email(client_admin_a)
    assert server.logins == []
    _save_server(client_admin_a, server, security="none")
    assert press_test_email(client_admin_a).startswith("Test message sent")
    assert server.envelopes[0] == {
        "mail_from": "noc@alpha-mail.test",
        "rcpt_tos": ["admin@alpha.test"],
        "tls": False,
        "login": AUTH[0],
    }


def test_test_email_is_audited_with_its_result(client_admin_a, starttls_server):
    _save_server(client_admin_a, starttls_server, auth=(AUTH[0], "wrong"))
    press_test_email(client_admin_a)
    _save_server(client_admin_a, starttls_server)
    press_test_email(client_admin_a)
    entries = AuditEntry.objects.filter(event="smtp.test_email").order_by("id")
    assert [e.data["result"] for e in entries][1] == "sent"
    assert entries[0].data["result"].startswith("The server refused the login")
    assert {e.data["server"] for e in entries} == {starttls_server.server}
    assert {e.actor_label for e in entries} == {"admin@alpha.test"}


def test_the_test_email_dialog_asks_before_sending(client_admin_a, starttls_server):
    _save_server(client_admin_a, starttls_server)
    response = client_admin_a.get("/account/config/smtp/test-email/")
    assert "your server <strong>" + starttls_server.server in page(response)
    assert starttls_server.messages == []  # a GET sends nothing


# --- the one mail path -------------------------------------------------------------------------


def _mail_now(account, django_capture_on_commit_callbacks, subject="Hello"):
    with django_capture_on_commit_callbacks(execute=True):
        send_mail_later(account, subject, "Body line one.\nSee http://testserver/x", ["o@x.test"])


def test_account_mail_goes_through_its_own_server(
    client_admin_a, account_a, starttls_server, django_capture_on_commit_callbacks
):
    _save_server(client_admin_a, starttls_server)
    _mail_now(account_a, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    [message] = starttls_server.messages
    assert message["From"] == "Alpha NOC <noc@alpha-mail.test>"
    text, html = _text_and_html(message)
    assert text.startswith("Body line one.\nSee http://testserver/x\n")
    assert text.rstrip().endswith("-- \nAlpha Networks")
    # The HTML part is the text part rendered: every line of the text is in it, links linked.
    assert '<a href="http://testserver/x"' in html
    for line in ("Body line one.", "Alpha Networks"):
        assert line in html


def test_without_own_server_mail_goes_through_the_platform(
    account_a, django_capture_on_commit_callbacks
):
    _mail_now(account_a, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.from_email == "Alpha Networks <no-reply@localhost>"
    assert message.reply_to == []
    assert [a[1] for a in message.alternatives] == ["text/html"]


def test_platform_mail_keeps_the_platform_sender(db, django_capture_on_commit_callbacks):
    _mail_now(None, django_capture_on_commit_callbacks)
    assert mail.outbox[0].from_email == "VoIP Console <no-reply@localhost>"


def test_a_temporary_failure_is_retried_and_delivered_once(
    client_admin_a, account_a, starttls_server, django_capture_on_commit_callbacks
):
    _save_server(client_admin_a, starttls_server)
    starttls_server.fail_next("451 4.3.0 Try again later", stage="data")
    counts = {r: MAILS.value(result=r) for r in ("sent", "retried", "failed")}
    _mail_now(account_a, django_capture_on_commit_callbacks)
    assert starttls_server.refused_data == 1
    assert len(starttls_server.messages) == 1
    assert not AuditEntry.objects.filter(event="mail.not_delivered").exists()
    assert {r: MAILS.value(result=r) - n for r, n in counts.items()} == {
        "sent": 1,
        "retried": 1,
        "failed": 0,
    }


def test_a_temporary_failure_gives_up_after_the_retries(
    client_admin_a, account_a, starttls_server, settings, django_capture_on_commit_callbacks
):
    _save_server(client_admin_a, starttls_server)
    starttls_server.refuse("451 4.3.0 Try again later", stage="data")
    _mail_now(account_a, django_capture_on_commit_callbacks)
    attempts = len(settings.MAIL_RETRY_DELAYS) + 1
    assert starttls_server.refused_data == attempts
    [entry] = AuditEntry.objects.filter(event="mail.not_delivered")
    assert entry.account == account_a
    assert entry.target_label == "to o@x.test"
    assert entry.data == {
        "subject": "Hello",
        "reason": "The server refused the message (the server said: 451 4.3.0 Try again later).",
        "attempts": attempts,
    }


def test_a_permanent_failure_is_not_retried(
    client_admin_a, account_a, starttls_server, django_capture_on_commit_callbacks
):
    _save_server(client_admin_a, starttls_server)
    starttls_server.refuse("554 5.7.1 Message rejected as spam", stage="data")
    failed = MAILS.value(result="failed")
    _mail_now(account_a, django_capture_on_commit_callbacks)
    assert MAILS.value(result="failed") == failed + 1
    assert starttls_server.refused_data == 1
    [entry] = AuditEntry.objects.filter(event="mail.not_delivered")
    assert entry.data["attempts"] == 1
    assert "554 5.7.1 Message rejected as spam" in entry.data["reason"]


def test_the_database_backend_retries_after_the_back_off(
    client_admin_a, account_a, starttls_server, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from accounts.tasks import send_email

    _save_server(client_admin_a, starttls_server)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MAIL_RETRY_DELAYS = [60, 300]
    starttls_server.fail_next("421 4.7.0 Too busy, come back later", stage="data")
    send_email.call(account_id=account_a.pk, subject="Hi", body="Body", to=["o@x.test"])
    [retry] = DBTaskResult.objects.all()
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    wait = (retry.run_after - retry.enqueued_at).total_seconds()
    assert 59 <= wait <= 61
    assert starttls_server.messages == []


def test_a_failing_server_does_not_fail_the_request_that_sent_the_mail(
    world, settings, django_capture_on_commit_callbacks
):
    port = closed_port()
    allow_port(settings, port)
    SmtpSettings.objects.filter(pk=world["smtp_a"].pk).update(host="127.0.0.1", port=port)
    SecurityAddons.objects.create(
        account=world["a"], user=world["admin_a"], login_notifications=True
    )
    browser = Client(HTTP_HOST=PANEL_HOST)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/login/", {"email": "admin@alpha.test", "password": PASSWORD})
    assert response.status_code == 302
    [entry] = AuditEntry.objects.filter(event="mail.not_delivered")
    assert entry.data["reason"].startswith(f"Connection refused by 127.0.0.1:{port}")
    assert entry.data["attempts"] == len(settings.MAIL_RETRY_DELAYS) + 1


# --- the password stays secret -----------------------------------------------------------------


def test_the_password_is_in_no_page_audit_entry_or_log(
    client_admin_a, starttls_server, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    _save_server(client_admin_a, starttls_server)
    press_test_email(client_admin_a)
    _save_server(client_admin_a, starttls_server, auth=(AUTH[0], SMTP_PASSWORD + "-wrong"))
    press_test_email(client_admin_a)
    pages = [
        client_admin_a.get(url)
        for url in (
            "/account/config/",
            "/account/config/smtp/",
            "/account/config/smtp/test-email/",
            "/audit/",
            "/audit/export.csv",
        )
    ]
    bodies = [b"".join(r.streaming_content).decode() if r.streaming else page(r) for r in pages]
    assert "*******" in bodies[0]
    audit_text = repr(list(AuditEntry.objects.values()))
    captured = capsys.readouterr()
    logs = caplog.text + captured.out + captured.err
    for where in (*bodies, audit_text, logs):
        assert SMTP_PASSWORD not in where
    assert "smtp.updated" in audit_text and "********" in audit_text


def test_the_password_column_holds_no_plaintext(client_admin_a, account_a, starttls_server):
    from django.db import connection

    _save_server(client_admin_a, starttls_server)
    table = SmtpSettings._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT password FROM {table} WHERE account_id = %s", [account_a.pk])  # noqa: S608
        raw = cursor.fetchone()[0]
    assert raw.startswith("fernet:")
    assert SMTP_PASSWORD not in raw


def test_a_host_name_is_connected_at_the_address_dns_gave(
    client_admin_a, smtp_server, trusted_ca, dns_server, settings
):
    # The system resolver has never heard of this name: only the checked DNS answer (the local
    # DNS server) can lead to the server, and TLS is still verified against the name.
    server = smtp_server(tls="starttls", cert=trusted_ca.issue(["smtp.alpha-mail.test"]), auth=AUTH)
    dns_server.addresses("smtp.alpha-mail.test", "127.0.0.1")
    _save_server(client_admin_a, f"smtp.alpha-mail.test:{server.port}", security="starttls")
    assert press_test_email(client_admin_a) == (
        f"Test message sent to admin@alpha.test through smtp.alpha-mail.test:{server.port}."
    )
    assert server.envelopes[0]["tls"] is True


def test_each_account_uses_only_its_own_settings(
    account_a, account_b, admin_a, client_admin_a, starttls_server, settings
):
    # B's row is older (a lower id) than A's: a query that forgot the account would find it.
    port = closed_port()
    allow_port(settings, port)
    SmtpSettings.objects.create(
        account=account_b,
        from_address="noc@bravo-mail.test",
        host="127.0.0.1",
        port=port,
        username="bravo-mailer",
        password="bravo-secret",
        sms_from="BravoTel",
    )
    assert "noc@bravo-mail.test" not in page(client_admin_a.get("/account/config/"))
    assert "bravo" not in page(client_admin_a.get("/account/config/smtp/")).lower()
    assert "Test message sent" in press_test_email(client_admin_a)  # B has no settings for A
    _save_server(client_admin_a, starttls_server)
    assert press_test_email(client_admin_a).startswith("Test message sent")
    assert starttls_server.envelopes[0]["login"] == AUTH[0]
    row_b = SmtpSettings.objects.for_account(account_b).get()
    assert (row_b.from_address, row_b.username, row_b.password) == (
        "noc@bravo-mail.test",
        "bravo-mailer",
        "bravo-secret",
    )


def test_the_port_is_checked_again_at_connect(client_admin_a, starttls_server, settings):
    _save_server(client_admin_a, starttls_server)
    settings.SMTP_ALLOWED_PORTS = [587]  # the platform narrowed the ports after the save
    assert press_test_email(client_admin_a) == (
        f"Port {starttls_server.port} is not allowed for mail here; use one of 587."
    )
    assert starttls_server.messages == []
