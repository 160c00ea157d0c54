"""Personal profile (name, e-mail with a confirmation link, mobile with an SMS code, time zone)
and Change password."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import sms
from accounts.models import AuditEntry
from tests.fixtures import PANEL_HOST, PASSWORD, signed_in_client
from users.models import User

pytestmark = pytest.mark.django_db
NEW = "Fresh-Pass-2026!"


def _profile_data(user, **overrides):
    data = {"name": user.name, "email": user.email, "mobile": "", "time_zone": ""}
    data.update(overrides)
    return data


def _errors(response, field) -> list[str]:
    body = response.content.decode()
    found = re.search(
        rf'<ul class="form-row__errors" id="id_{field}_errors">(.*?)</ul>', body, re.S
    )
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


# --- Profile ---


def test_profile_page_shows_the_users_own_details(world, client_user_a):
    body = client_user_a.get("/profile/").content.decode()
    assert "Uma Alpha" in body and "user@alpha.test" in body
    assert "Enable" in body and "/profile/two-factor/set-up/" in body
    assert "admin@alpha.test" not in body


def test_editing_name_mobile_and_time_zone(world, client_user_a):
    user = world["user_a"]
    response = client_user_a.post(
        "/profile/edit/",
        _profile_data(
            user, name="  Uma   Updated ", mobile="07911 123456", time_zone="Europe/Paris"
        ),
    )
    assert response["Location"] == "/profile/"
    user.refresh_from_db()
    assert (user.name, user.mobile, user.time_zone) == (
        "Uma Updated",
        "+447911123456",
        "Europe/Paris",
    )
    assert not user.mobile_verified
    entry = AuditEntry.objects.get(event="profile.updated")
    assert entry.changes["mobile"] == ["", "+447911123456"]
    body = client_user_a.get("/profile/").content.decode()
    assert "+44 7911 123456" in body and "Unverified" in body and "Confirm by SMS" in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"mobile": "02079460000"}, "mobile", "This is a landline number"),
        ({"mobile": "+44 12"}, "mobile", "Too short"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Choose a time zone from the list."),
        ({"email": "admin@bravo.test"}, "email", "This e-mail address cannot be used."),
    ],
)
def test_profile_bad_input(world, client_user_a, overrides, field, message):
    user = world["user_a"]
    response = client_user_a.post(
        "/profile/edit/", _profile_data(user, **{"name": "Changed", **overrides})
    )
    assert response.status_code == 400
    assert any(message in error for error in _errors(response, field)), _errors(response, field)
    user.refresh_from_db()
    assert user.name == "Uma Alpha" and user.pending_email == ""  # nothing saved
    if field != "name":
        assert 'value="Changed"' in response.content.decode()  # nothing lost


def test_an_email_change_waits_for_the_link(
    world, client_user_a, django_capture_on_commit_callbacks
):
    user = world["user_a"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_user_a.post(
            "/profile/edit/", _profile_data(user, email="Uma.New@Alpha.test")
        )
    assert response["Location"] == "/profile/"
    user.refresh_from_db()
    assert user.email == "user@alpha.test" and user.pending_email == "uma.new@alpha.test"
    to_new = next(m for m in mail.outbox if m.to == ["uma.new@alpha.test"])
    to_old = next(m for m in mail.outbox if m.to == ["user@alpha.test"])
    assert (
        "uma.new@alpha.test" in to_old.body
        and "keep signing in with user@alpha.test" in to_old.body
    )
    link = re.search(r"http://testserver(/profile/email/confirm/\S+/)", to_new.body).group(1)
    body = client_user_a.get("/profile/").content.decode()
    assert "uma.new@alpha.test" in body and "Unverified" in body

    # Sign-in keeps the old address until the link is opened.
    anonymous = Client(HTTP_HOST=PANEL_HOST)
    assert (
        anonymous.post("/login/", {"email": "uma.new@alpha.test", "password": PASSWORD}).status_code
        == 200
    )
    assert (
        anonymous.post("/login/", {"email": "user@alpha.test", "password": PASSWORD}).status_code
        == 302
    )

    visitor = Client(HTTP_HOST=PANEL_HOST)
    page = visitor.get(link)
    assert page.status_code == 200 and "Confirm uma.new@alpha.test" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert visitor.post(link)["Location"] == "/login/"
    user.refresh_from_db()
    assert user.email == "uma.new@alpha.test" and user.pending_email == ""
    assert AuditEntry.objects.get(event="profile.email_changed").changes == {
        "email": ["user@alpha.test", "uma.new@alpha.test"]
    }
    assert mail.outbox[-1].to == ["user@alpha.test"]  # the old address is told it happened
    # The link works once.
    assert visitor.get(link).status_code == 404
    assert "used already" in visitor.post(link).content.decode()
    assert (
        Client(HTTP_HOST=PANEL_HOST)
        .post("/login/", {"email": "uma.new@alpha.test", "password": PASSWORD})
        .status_code
        == 302
    )


def _request_change(client, user, email, capture):
    with capture(execute=True):
        client.post("/profile/edit/", _profile_data(user, email=email))
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    return re.search(r"http://testserver(/profile/email/confirm/\S+/)", message.body).group(1)


def test_an_email_link_expires(world, client_user_a, django_capture_on_commit_callbacks):
    link = _request_change(
        client_user_a, world["user_a"], "late@alpha.test", django_capture_on_commit_callbacks
    )
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        response = Client(HTTP_HOST=PANEL_HOST).get(link)
    assert response.status_code == 404 and "expired" in response.content.decode()


def test_a_newer_request_or_a_cancel_voids_the_link(
    world, client_user_a, django_capture_on_commit_callbacks
):
    user = world["user_a"]
    first = _request_change(
        client_user_a, user, "one@alpha.test", django_capture_on_commit_callbacks
    )
    second = _request_change(
        client_user_a, user, "two@alpha.test", django_capture_on_commit_callbacks
    )
    assert Client(HTTP_HOST=PANEL_HOST).get(first).status_code == 404
    client_user_a.post("/profile/email/cancel/")
    assert Client(HTTP_HOST=PANEL_HOST).get(second).status_code == 404
    user.refresh_from_db()
    assert user.pending_email == "" and user.email == "user@alpha.test"


def test_an_address_taken_meanwhile_is_refused_at_confirmation(
    world, client_user_a, django_capture_on_commit_callbacks
):
    link = _request_change(
        client_user_a, world["user_a"], "race@alpha.test", django_capture_on_commit_callbacks
    )
    User.objects.filter(pk=world["admin_a"].pk).update(email="race@alpha.test")
    response = Client(HTTP_HOST=PANEL_HOST).post(link)
    assert response.status_code == 409 and "cannot be used" in response.content.decode()
    assert User.objects.get(pk=world["user_a"].pk).email == "user@alpha.test"


def test_a_bad_confirmation_token(db):
    response = Client(HTTP_HOST=PANEL_HOST).get("/profile/email/confirm/garbage/")
    assert response.status_code == 404 and "not valid" in response.content.decode()


# --- Mobile ---


def _with_mobile(user, number="+447911123456"):
    User.objects.filter(pk=user.pk).update(mobile=number, mobile_verified=False)


def _sent_code() -> str:
    return re.match(r"(\d{6}) is your", sms.outbox[-1].text).group(1)


def test_mobile_confirmation_by_sms_code(world, client_user_a, django_capture_on_commit_callbacks):
    _with_mobile(world["user_a"])
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_user_a.post("/profile/mobile/send/")
    assert response["Location"] == "/profile/mobile/confirm/"
    assert sms.outbox[-1].to == "+447911123456"
    code = _sent_code()
    assert code not in str(AuditEntry.objects.get(event="profile.mobile_code_sent").data)
    response = client_user_a.post("/profile/mobile/confirm/", {"code": f"{code[:3]} {code[3:]}"})
    assert response["Location"] == "/profile/"
    assert User.objects.get(pk=world["user_a"].pk).mobile_verified
    assert "Confirmed" in client_user_a.get("/profile/").content.decode()


@pytest.mark.parametrize(
    ("typed", "message"), [("12a456", "Type the 6 digits"), ("12345", "Type the 6 digits")]
)
def test_mobile_code_bad_input(world, client_user_a, typed, message):
    _with_mobile(world["user_a"])
    client_user_a.post("/profile/mobile/send/")
    response = client_user_a.post("/profile/mobile/confirm/", {"code": typed})
    assert response.status_code == 400 and message in _errors(response, "code")[0]


def test_five_wrong_mobile_codes_use_the_code_up(
    world, client_user_a, django_capture_on_commit_callbacks
):
    _with_mobile(world["user_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client_user_a.post("/profile/mobile/send/")
    code = _sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        response = client_user_a.post("/profile/mobile/confirm/", {"code": wrong})
        assert _errors(response, "code") == [f"That code is not right; {left} tries left."]
    response = client_user_a.post("/profile/mobile/confirm/", {"code": wrong})
    assert "that was the last try" in _errors(response, "code")[0]
    response = client_user_a.post("/profile/mobile/confirm/", {"code": code})
    assert "No code is waiting" in _errors(response, "code")[0]
    assert not User.objects.get(pk=world["user_a"].pk).mobile_verified


def test_a_mobile_code_expires_and_sending_is_limited(
    world, client_user_a, django_capture_on_commit_callbacks
):
    _with_mobile(world["user_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client_user_a.post("/profile/mobile/send/")
    code = _sent_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        client = signed_in_client(world["user_a"])
        response = client.post("/profile/mobile/confirm/", {"code": code})
        assert "expired" in _errors(response, "code")[0]
    for _ in range(4):
        client_user_a.post("/profile/mobile/send/")
    response = client_user_a.post("/profile/mobile/send/", follow=True)
    assert "codes were sent in the last hour" in response.content.decode()
    assert AuditEntry.objects.filter(event="profile.mobile_code_sent").count() == 5


def test_no_mobile_no_sms(world, client_user_a):
    response = client_user_a.post("/profile/mobile/send/", follow=True)
    assert "Add your mobile number to your profile first." in response.content.decode()


# --- Change password ---


def _change(client, old=PASSWORD, new=NEW, again=None):
    return client.post(
        "/profile/password/",
        {
            "old_password": old,
            "new_password1": new,
            "new_password2": new if again is None else again,
        },
    )


def test_change_password_keeps_this_session_and_ends_the_others(
    world, django_capture_on_commit_callbacks
):
    user = world["user_a"]
    this, other = signed_in_client(user), signed_in_client(user)
    assert other.get("/profile/").status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _change(this)
    assert response["Location"] == "/profile/"
    assert this.get("/profile/").status_code == 200
    assert other.get("/profile/").status_code == 302  # signed out
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert [m.subject for m in mail.outbox] == ["Alpha Networks: Your password was changed"]
    entry = AuditEntry.objects.get(event="password.changed")
    assert NEW not in str(entry.changes) + str(entry.data)


def test_wrong_old_password(world, client_user_a):
    response = _change(client_user_a, old="Not-My-Pass-1!")
    assert _errors(response, "old_password") == ["That is not your current password."]
    assert AuditEntry.objects.filter(event="password.change_failed").count() == 1
    assert User.objects.get(pk=world["user_a"].pk).check_password(PASSWORD)


def test_wrong_old_passwords_count_towards_the_sign_in_lock(world, client_user_a):
    for _ in range(5):
        _change(client_user_a, old="Not-My-Pass-1!")
    response = _change(client_user_a)
    assert "Too many failed sign-in attempts" in _errors(response, "old_password")[0]


def test_mismatched_confirmation(world, client_user_a):
    response = _change(client_user_a, again="Fresh-Pass-2027!")
    assert _errors(response, "new_password2") == ["The two new passwords differ."]


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Sh0rt!", "be 8 to 64 characters long"),
        ("A" * 60 + "a1!xxxx", "be 8 to 64 characters long"),
        ("lower-case-only-1!", "contain an upper-case letter"),
        ("UPPER-CASE-ONLY-1!", "contain a lower-case letter"),
        ("No-Digits-Here!", "contain a digit"),
        ("NoSpecials12345", "contain one of @$!%*#?&"),
        ("Password1!", "This password is too common."),
        ("UmaAlpha1!", "too similar to the name"),
        ("user@alpha.TEST1", "too similar to the email address"),
        ("Correct-Horse-42!", "The new password is your current one."),
    ],
)
def test_each_password_rule_is_named(world, client_user_a, new, message):
    response = _change(client_user_a, new=new)
    assert response.status_code == 400
    errors = _errors(response, "new_password1")
    assert any(message in e for e in errors), errors
    assert User.objects.get(pk=world["user_a"].pk).check_password(PASSWORD)
