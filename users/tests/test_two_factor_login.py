"""Sign-in with two-factor login: the password step, then the code step (TOTP or a backup code),
the half sign-in's limits (nothing granted, 10 minutes, this browser only), replay, throttling
and the audit entries and mails."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from accounts.metrics import SIGN_INS, TWO_FACTOR_FAILURES
from accounts.models import AuditEntry, KnownDevice, SecurityAddons
from tests.fixtures import PANEL_HOST
from users.models import CodeFailure

from .totp import code_for
from .two_factor_helpers import KEY, code_step, password_step, turn_on

pytestmark = pytest.mark.django_db


def _next_code(at=None):
    """The code of the next time step: the set-up just used the current one."""
    return code_for(KEY, at=(at or time.time()) + 30)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_password_step_alone_grants_nothing(world):
    turn_on(world["admin_a"])
    client, response = password_step("admin@alpha.test")
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    assert not _signed_in(client)
    for url in ("/", "/account/config/", "/profile/", "/profile/two-factor/", "/account/users/"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url
    assert not AuditEntry.objects.filter(event="login.succeeded").exists()


def test_sign_in_with_a_totp_code(world, django_capture_on_commit_callbacks):
    admin = world["admin_a"]
    turn_on(admin)
    SecurityAddons.objects.create(account=world["a"], user=admin, login_notifications=True)
    client, _ = password_step("admin@alpha.test", ip="10.0.0.7")
    assert client.get("/login/code/").status_code == 200
    # The login mail and the known device wait for the second factor.
    assert not KnownDevice.objects.filter(user=admin).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = code_step(client, _next_code())
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in(client)
    assert client.get("/account/config/").status_code == 200
    assert KnownDevice.objects.filter(user=admin).count() == 1
    assert [m.subject for m in mail.outbox] == ["Alpha Networks: You signed in"]
    entry = AuditEntry.objects.get(event="login.succeeded")
    assert entry.actor == admin and entry.ip == "10.0.0.7"
    assert entry.data == {"second_factor": "authenticator app"}


def test_next_survives_the_code_step(world):
    turn_on(world["admin_a"])
    client = Client(HTTP_HOST=PANEL_HOST)
    response = client.post(
        "/login/", {"email": "admin@alpha.test", "password": "Correct-Horse-42!", "next": "/audit/"}
    )
    assert response["Location"] == "/login/code/?next=%2Faudit%2F"
    response = code_step(client, _next_code(), next="/audit/")
    assert response["Location"] == "/audit/"


def test_spaces_in_the_code_are_accepted(world):
    turn_on(world["admin_a"])
    client, _ = password_step("admin@alpha.test")
    code = _next_code()
    assert code_step(client, f" {code[:3]} {code[3:]} ").status_code == 302
    assert _signed_in(client)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12a456", "Type digits only"),
        ("12345", "The code has 6 digits; this has 5."),
        ("1234567", "The code has 6 digits; this has 7."),
        ("", "This field is required."),
        ("١٢٣٤٥٦", "Type digits only"),  # Arabic-Indic digits are digits, not ASCII ones
    ],
)
def test_malformed_codes_get_a_message_next_to_the_field(world, typed, message):
    turn_on(world["admin_a"])
    client, _ = password_step("admin@alpha.test")
    response = code_step(client, typed)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_code_errors"' in body and message in body
    assert not _signed_in(client)
    assert CodeFailure.objects.count() == 0  # not a guess: nothing was checked


def test_wrong_code_is_refused_audited_and_counted(world):
    turn_on(world["admin_a"])
    client, _ = password_step("admin@alpha.test", ip="10.0.0.8")
    wrong = f"{(int(_next_code()) + 1) % 1_000_000:06d}"
    failures, succeeded = (
        TWO_FACTOR_FAILURES.value(result="failed"),
        SIGN_INS.value(result="succeeded"),
    )
    response = code_step(client, wrong)
    assert response.status_code == 400
    assert TWO_FACTOR_FAILURES.value(result="failed") == failures + 1
    assert "That code is not right" in response.content.decode()
    assert not _signed_in(client)
    entry = AuditEntry.objects.get(event="login.code_failed")
    assert entry.account == world["a"] and entry.ip == "10.0.0.8"
    assert entry.data == {"method": "authenticator app"}
    assert wrong not in str(entry.data) + str(entry.changes)
    # The half sign-in stays: the right code still works.
    assert code_step(client, _next_code()).status_code == 302
    assert SIGN_INS.value(result="succeeded") == succeeded + 1  # counted once both steps passed


def test_a_replayed_totp_code_is_refused_within_its_window(world):
    turn_on(world["admin_a"])
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        code = code_for(KEY)
        client, _ = password_step("admin@alpha.test")
        assert code_step(client, code).status_code == 302
        client.post("/logout/")
        other, _ = password_step("admin@alpha.test", ip="10.0.0.99")
        response = code_step(other, code)
        assert response.status_code == 400
        assert "each code works once" in response.content.decode()
        assert not _signed_in(other)


def test_the_setup_code_cannot_sign_in(world):
    """enable() records the step of the code that proved the app; that code is used up."""
    with time_machine.travel(timezone.now(), tick=False):
        turn_on(world["admin_a"])
        client, _ = password_step("admin@alpha.test")
        assert code_step(client, code_for(KEY)).status_code == 400


def test_sign_in_with_a_backup_code_once(world, django_capture_on_commit_callbacks):
    codes = turn_on(world["admin_a"])
    client, _ = password_step("admin@alpha.test")
    page = client.get("/login/code/?method=backup").content.decode()
    assert "Backup code" in page and "Use your authenticator app" in page
    typed = f"{codes[0][:5].upper()} - {codes[0][5:]}"  # case, spaces and the dash forgiven
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = code_step(client, typed, backup=True)
    assert response.status_code == 302 and _signed_in(client)
    assert AuditEntry.objects.get(event="login.succeeded").data == {"second_factor": "backup code"}
    assert any("backup code was used" in m.subject and "9 of them" in m.body for m in mail.outbox)

    client.post("/logout/")
    again, _ = password_step("admin@alpha.test")
    response = code_step(again, codes[0], backup=True)
    assert response.status_code == 400
    assert "used already" in response.content.decode()
    assert not _signed_in(again)
    assert code_step(again, codes[1], backup=True).status_code == 302


def test_a_malformed_backup_code_gets_a_message(world):
    turn_on(world["admin_a"])
    client, _ = password_step("admin@alpha.test")
    response = code_step(client, "abc", backup=True)
    assert response.status_code == 400
    assert "A backup code has 10 letters and digits" in response.content.decode()


def test_wrong_codes_lock_the_user_whatever_the_address(world):
    turn_on(world["admin_a"])
    for n in range(5):
        client, _ = password_step("admin@alpha.test", ip=f"198.51.100.{n + 1}")
        code_step(client, "000000")
    client, _ = password_step("admin@alpha.test", ip="198.51.100.200")
    response = code_step(client, _next_code())
    body = response.content.decode()
    assert "Too many wrong codes" in body and "15 minutes" in body
    assert not _signed_in(client)
    assert AuditEntry.objects.filter(event="login.code_locked").count() == 1
    assert CodeFailure.objects.count() == 5  # a locked attempt is not checked nor counted


def test_the_lock_ends_with_the_window(world):
    turn_on(world["admin_a"])
    for _ in range(5):
        client, _ = password_step("admin@alpha.test")
        code_step(client, "000000")
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=30), tick=False):
        client, _ = password_step("admin@alpha.test")
        assert code_step(client, code_for(KEY)).status_code == 302


@override_settings(CODE_FAILURES_PER_IP=3, CODE_FAILURES_PER_USER=50)
def test_one_address_guessing_codes_of_many_users_is_locked(world):
    turn_on(world["admin_a"])
    turn_on(world["user_a"])
    for email in ("admin@alpha.test", "user@alpha.test", "admin@alpha.test"):
        client, _ = password_step(email, ip="203.0.113.66")
        code_step(client, "000000")
    client, _ = password_step("user@alpha.test", ip="203.0.113.66")
    assert "Too many wrong codes" in code_step(client, _next_code()).content.decode()
    client, _ = password_step("user@alpha.test", ip="203.0.113.67")
    assert code_step(client, _next_code()).status_code == 302


def test_the_half_sign_in_expires_after_ten_minutes(world):
    turn_on(world["admin_a"])
    start = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        client, _ = password_step("admin@alpha.test")
    with time_machine.travel(start + timedelta(minutes=9, seconds=50), tick=False):
        assert client.get("/login/code/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=10, seconds=5), tick=False):
        response = code_step(client, code_for(KEY))
        assert response.status_code == 302 and response["Location"] == "/login/"
        assert not _signed_in(client)
        page = client.get("/login/").content.decode()
        assert "Your sign-in took more than 10 minutes" in page
        # Gone for good: even the right code now needs the password again.
        assert code_step(client, code_for(KEY))["Location"] == "/login/"


def test_the_half_sign_in_cookie_moved_to_another_client_grants_nothing(world):
    turn_on(world["admin_a"])
    client, _ = password_step("admin@alpha.test", agent="Browser A")
    session_cookie = client.cookies["sessionid"].value

    # The session cookie alone, in another browser.
    thief = Client(HTTP_HOST=PANEL_HOST, HTTP_USER_AGENT="Browser A")
    thief.cookies["sessionid"] = session_cookie
    response = code_step(thief, _next_code())
    assert response["Location"] == "/login/" and not _signed_in(thief)

    # Both cookies, but another browser (User-Agent).
    thief = Client(HTTP_HOST=PANEL_HOST, HTTP_USER_AGENT="Browser B")
    thief.cookies["sessionid"] = session_cookie
    thief.cookies["half_login"] = client.cookies["half_login"].value
    response = code_step(thief, _next_code())
    assert response["Location"] == "/login/" and not _signed_in(thief)

    # The browser that did the password step still finishes.
    assert code_step(client, _next_code()).status_code == 302
    assert _signed_in(client)


def test_code_step_without_a_password_step(db):
    client = Client(HTTP_HOST=PANEL_HOST)
    assert client.get("/login/code/")["Location"] == "/login/"
    response = client.post("/login/code/", {"code": "123456"})
    assert response["Location"] == "/login/"
    assert "Enter your email and password first." in client.get("/login/").content.decode()


def test_a_password_change_voids_a_pending_half_sign_in(world):
    admin = world["admin_a"]
    turn_on(admin)
    client, _ = password_step("admin@alpha.test")
    admin.set_password("Another-Secret-99!")
    admin.save()
    response = code_step(client, _next_code())
    assert response["Location"] == "/login/" and not _signed_in(client)


def test_a_user_without_two_factor_signs_in_with_the_password(world):
    client, response = password_step("admin@alpha.test")
    assert response["Location"] == "/" and _signed_in(client)
