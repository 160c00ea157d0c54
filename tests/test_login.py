"""Sign-in, sign-out, throttling, password reset, and the audit entries they leave."""

import re
from datetime import timedelta

from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import AuditEntry
from users.models import LoginFailure

from .conftest import PANEL_HOST, PASSWORD


def _sign_in(email, password, ip="10.0.0.1", client=None, **extra):
    client = client or Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR=ip)
    return client, client.post("/login/", {"email": email, "password": password, **extra})


def test_sign_in_lands_on_the_panel_and_is_audited(world):
    client, response = _sign_in("ADMIN@alpha.test", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/account/config/").status_code == 200
    entry = AuditEntry.objects.get(event="login.succeeded")
    assert entry.account == world["a"]
    assert entry.actor == world["admin_a"]
    assert entry.ip == "10.0.0.1"


def test_wrong_password_is_refused_with_a_message_and_audited(world):
    _, response = _sign_in("admin@alpha.test", "nope")
    assert response.status_code == 200
    assert "do not match an active user" in response.content.decode()
    entry = AuditEntry.objects.get(event="login.failed")
    assert entry.account == world["a"]
    assert entry.actor is None
    assert entry.data == {"email": "admin@alpha.test"}
    assert "nope" not in str(entry.data)


def test_unknown_email_goes_to_the_platform_log_with_the_same_message(world):
    _, response = _sign_in("ghost@nowhere.test", "whatever")
    assert "do not match an active user" in response.content.decode()
    assert AuditEntry.objects.get(event="login.failed").account is None


def test_inactive_user_cannot_sign_in(world):
    world["user_a"].is_active = False
    world["user_a"].save()
    _, response = _sign_in("user@alpha.test", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session


def test_empty_form_gets_messages_next_to_the_fields(db):
    _, response = _sign_in("", "")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_errors"' in body
    assert 'aria-describedby="id_email_errors"' in body
    assert "This field is required." in body


def test_five_failures_lock_the_pair_with_a_clear_message(world):
    client = Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        _sign_in("admin@alpha.test", "wrong", client=client)
    _, response = _sign_in("admin@alpha.test", PASSWORD, client=client)
    body = response.content.decode()
    assert "Too many failed sign-in attempts" in body
    assert "locked for 15 minutes" in body
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(event="login.locked", account=world["a"]).count() == 1
    # Locked attempts are not counted again, so the lock does not grow.
    assert LoginFailure.objects.count() == 5


def test_lock_is_per_pair_another_ip_still_signs_in(world):
    for _ in range(5):
        _sign_in("admin@alpha.test", "wrong", ip="10.0.0.9")
    _, response = _sign_in("admin@alpha.test", PASSWORD, ip="10.0.0.10")
    assert response.status_code == 302


def test_lock_ends_when_the_window_has_passed(world):
    for _ in range(5):
        _sign_in("admin@alpha.test", "wrong")
    LoginFailure.objects.update(created=timezone.now() - timedelta(minutes=16))
    _, response = _sign_in("admin@alpha.test", PASSWORD)
    assert response.status_code == 302


def test_success_clears_earlier_failures(world):
    for _ in range(4):
        _sign_in("admin@alpha.test", "wrong")
    _sign_in("admin@alpha.test", PASSWORD)
    assert LoginFailure.objects.count() == 0


@override_settings(LOGIN_FAILURES_PER_IP=6)
def test_one_ip_trying_many_emails_is_locked(world):
    for n in range(6):
        _sign_in(f"guess{n}@alpha.test", "wrong", ip="10.6.6.6")
    _, response = _sign_in("user@alpha.test", PASSWORD, ip="10.6.6.6")
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_next_is_followed_only_on_this_host(world):
    _, response = _sign_in("admin@alpha.test", PASSWORD, next="/account/users/")
    assert response["Location"] == "/account/users/"
    _, response = _sign_in("admin@alpha.test", PASSWORD, ip="10.0.0.2", next="https://evil.test/")
    assert response["Location"] == "/"


def test_sign_out_needs_post_and_is_audited(world, client_admin_a):
    assert client_admin_a.get("/logout/").status_code == 405
    response = client_admin_a.post("/logout/")
    assert response["Location"] == "/login/"
    assert client_admin_a.get("/account/config/").status_code == 302
    assert AuditEntry.objects.filter(event="logout", actor=world["admin_a"]).exists()


def test_platform_superuser_lands_in_django_admin(db):
    from users.models import User

    User.objects.create_superuser("root@platform.test", PASSWORD)
    _, response = _sign_in("root@platform.test", PASSWORD)
    assert response["Location"] == "/admin/"


@override_settings(PANEL_BASE_URL="https://panel.example.com")
def test_a_forged_host_never_reaches_the_reset_link(world, django_capture_on_commit_callbacks):
    """Reproduction: ``Host: localhost:6666`` used to mail http://localhost:6666/password-reset/…"""
    client = Client(HTTP_HOST="localhost:6666")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password-reset/", {"email": "admin@alpha.test"})
    assert response["Location"] == "/password-reset/sent/"
    (message,) = mail.outbox
    assert "localhost:6666" not in message.body
    assert re.search(r"^https://panel\.example\.com/password-reset/\S+/$", message.body, re.M)


def test_password_reset_mails_a_single_use_link(world, django_capture_on_commit_callbacks):
    client = Client(HTTP_HOST=PANEL_HOST)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password-reset/", {"email": "Admin@Alpha.test"})
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@alpha.test"]
    link = re.search(r"http://testserver(/password-reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    new_password = "Brand-New-Secret-77!"
    response = client.post(set_url, {"new_password1": new_password, "new_password2": new_password})
    assert response["Location"] == "/password-reset/done/"
    world["admin_a"].refresh_from_db()
    assert world["admin_a"].check_password(new_password)
    assert "does not work any more" in client.get(link, follow=True).content.decode()
    events = list(AuditEntry.objects.filter(account=world["a"]).values_list("event", flat=True))
    assert "password.reset_requested" in events
    assert "password.reset_completed" in events


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(db):
    client = Client(HTTP_HOST=PANEL_HOST)
    response = client.post("/password-reset/", {"email": "ghost@nowhere.test"})
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_django_admin_sign_in_goes_through_the_panel_sign_in(db):
    from users.models import User

    User.objects.create_superuser("root@platform.test", PASSWORD)
    client = Client(HTTP_HOST=PANEL_HOST)
    response = client.get("/admin/login/?next=/admin/accounts/account/")
    assert response["Location"] == "/login/?next=%2Fadmin%2Faccounts%2Faccount%2F"
    # Django's own form is not reachable: a POST there is redirected the same way, unchecked.
    response = client.post("/admin/login/", {"username": "root@platform.test", "password": "x"})
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    for _ in range(5):
        client.post("/login/", {"email": "root@platform.test", "password": "wrong"})
    response = client.post("/login/", {"email": "root@platform.test", "password": PASSWORD})
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_an_ipv6_caller_is_counted_by_their_slash_64(world):
    for n in range(5):
        _sign_in("admin@alpha.test", "wrong", ip=f"2001:db8:1:2::{n + 1}")
    _, response = _sign_in("admin@alpha.test", PASSWORD, ip="2001:db8:1:2:ffff::9")
    assert "Too many failed sign-in attempts" in response.content.decode()
    _, response = _sign_in("admin@alpha.test", PASSWORD, ip="2001:db8:1:3::1")
    assert response.status_code == 302  # another line


@override_settings(LOGIN_FAILURES_PER_EMAIL=8)
def test_many_addresses_guessing_one_email_lock_it(world):
    for n in range(8):
        _sign_in("admin@alpha.test", "wrong", ip=f"198.51.100.{n + 1}")
    _, response = _sign_in("admin@alpha.test", PASSWORD, ip="198.51.100.200")
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_password_reset_mails_are_limited(world, django_capture_on_commit_callbacks):
    client = Client(HTTP_HOST=PANEL_HOST)
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/password-reset/", {"email": "admin@alpha.test"})
        assert response["Location"] == "/password-reset/sent/"  # the same answer every time
    assert len(mail.outbox) == 3
    assert AuditEntry.objects.filter(event="password.reset_throttled").count() == 2
