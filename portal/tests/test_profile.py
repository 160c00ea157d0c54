"""The portal's Profile: the company read-only, the contact's own name and phone, a new password
(the current one first; this session stays, the contact's other sessions end), TOTP on with a
QR code and a code, off with the password or a code; audited; CSRF on every form."""

import base64
import re
import time

import pytest
from django.db import connection
from django.test import Client
from django_otp.oath import hotp

from accounts.models import AuditEntry
from portal.models import Contact
from tests.fixtures import PASSWORD

HOST_A = "portal.alpha.test"
EMAIL = "carla@alpha-retail.test"
NEW_PASSWORD = "Fresh-Pass-2027!"


@pytest.fixture
def contact_client(world):
    return world["portal_sign_in"]("a")


def _contact(world):
    return Contact.objects.for_account(world["a"]).get(pk=world["contact_a"].pk)


def _events(world):
    return list(
        AuditEntry.objects.for_account(world["a"])
        .filter(event__startswith="portal.")
        .order_by("pk")
        .values_list("event", flat=True)
    )


def _code(key_hex, offset=0):
    return f"{hotp(bytes.fromhex(key_hex), int(time.time()) // 30 + offset, digits=6):06d}"


def test_profile_needs_a_signed_in_contact(world):
    visitor = Client(HTTP_HOST=HOST_A)
    for url in ("/profile/", "/profile/password/", "/profile/two-factor/"):
        assert visitor.get(url)["Location"] == "/login/"
    assert visitor.post("/profile/", {"name": "X"})["Location"] == "/login/"
    assert _contact(world).name == "Carla Contact"


def test_the_profile_shows_the_company_read_only_and_is_in_the_menu(world, contact_client):
    body = contact_client.get("/").content.decode()
    assert 'href="/profile/"' in body
    page = contact_client.get("/profile/").content.decode()
    assert "<dd>Alpha Retail Ltd</dd>" in page
    assert 'name="company"' not in page and 'name="email"' not in page
    assert 'value="Carla Contact"' in page


def test_name_and_phone_are_saved_and_audited(world, contact_client):
    response = contact_client.post(
        "/profile/", {"name": "  Carla  Changed ", "phone": "+44 20 7946 0000", "company": "Evil"}
    )
    assert response["Location"] == "/profile/?saved=details"
    contact = _contact(world)
    assert (contact.name, contact.phone) == ("Carla Changed", "+442079460000")
    assert contact.customer.name == "Alpha Retail Ltd"  # read-only: the post cannot change it
    assert "Your details are saved." in contact_client.get(response["Location"]).content.decode()
    entry = AuditEntry.objects.for_account(world["a"]).get(event="portal.profile_updated")
    assert entry.changes["name"] == ["Carla Contact", "Carla Changed"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "phone": ""}, "name"),
        ({"name": "x" * 500, "phone": ""}, "name"),
        ({"name": "Carla", "phone": "not a number"}, "phone"),
    ],
)
def test_bad_details_are_refused_next_to_the_field(world, contact_client, data, field):
    response = contact_client.post("/profile/", data)
    assert response.status_code == 400
    assert field in response.context["details"].errors
    assert _contact(world).name == "Carla Contact"


def test_a_wrong_current_password_is_refused(world, contact_client):
    response = contact_client.post(
        "/profile/password/",
        {
            "current_password": "Wrong-Pass-2026!",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    errors = response.context["password_form"].errors
    assert errors["current_password"] == ["That is not your current password."]
    assert _contact(world).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("new1", "new2", "field", "message"),
    [
        (NEW_PASSWORD, "Other-Pass-2027!", "new_password2", "do not match"),
        ("weak", "weak", "new_password1", "The password must"),
    ],
)
def test_a_bad_new_password_is_refused(world, contact_client, new1, new2, field, message):
    response = contact_client.post(
        "/profile/password/",
        {"current_password": PASSWORD, "new_password1": new1, "new_password2": new2},
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["password_form"].errors[field])
    assert _contact(world).check_password(PASSWORD)


def test_a_new_password_keeps_this_session_and_ends_the_others(world, contact_client):
    other = world["portal_sign_in"]("a")
    response = contact_client.post(
        "/profile/password/",
        {
            "current_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response["Location"] == "/profile/?saved=password"
    assert _contact(world).check_password(NEW_PASSWORD)
    assert contact_client.get("/").status_code == 200  # still signed in
    assert other.get("/")["Location"] == "/login/"  # the other session ended
    assert "portal.password_changed" in _events(world)
    fresh = Client(HTTP_HOST=HOST_A)
    assert fresh.post("/login/", {"email": EMAIL, "password": NEW_PASSWORD})["Location"] == "/"


def _setup_key(client) -> str:
    page = client.get("/profile/two-factor/").content.decode()
    assert "<svg" in page and 'class="qr"' in page
    text = re.search(r'id="totp-key"><code>([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8)).hex()


def test_totp_enrolment_refuses_a_wrong_code_and_a_right_one_turns_it_on(world, contact_client):
    key = _setup_key(contact_client)
    assert _setup_key(contact_client) == key  # the same candidate while setting up
    wrong = f"{(int(_code(key)) + 1) % 1000000:06d}"
    refused = contact_client.post("/profile/two-factor/", {"code": wrong})
    assert refused.status_code == 400 and "That code is not right" in refused.content.decode()
    assert not _contact(world).totp_enabled

    done = contact_client.post("/profile/two-factor/", {"code": _code(key)})
    assert done["Location"] == "/profile/?saved=two_factor"
    contact = _contact(world)
    assert contact.totp_enabled and contact.totp_key == key
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT totp_key FROM portal_contact WHERE id = %s", [contact.pk])
        assert key not in cursor.fetchone()[0]
    assert "portal.two_factor_enabled" in _events(world)
    assert key not in contact_client.get("/profile/").content.decode()

    # The next sign-in asks for the code; the enrolment's code does not work twice.
    fresh = Client(HTTP_HOST=HOST_A)
    assert fresh.post("/login/", {"email": EMAIL, "password": PASSWORD})["Location"] == (
        "/login/code/"
    )
    assert fresh.get("/")["Location"] == "/login/"
    assert fresh.post("/login/code/", {"code": _code(key)}).status_code == 400
    assert fresh.post("/login/code/", {"code": _code(key, 1)})["Location"] == "/"


def _with_totp(world, contact_client):
    key = _setup_key(contact_client)
    contact_client.post("/profile/two-factor/", {"code": _code(key)})
    assert _contact(world).totp_enabled
    return key


def test_disabling_needs_the_password_or_a_code(world, contact_client):
    key = _with_totp(world, contact_client)
    assert "Turn two-factor sign-in off" in contact_client.get("/profile/").content.decode()
    for data, field in (
        ({}, "password"),
        ({"password": "Wrong-Pass-2026!"}, "password"),
        ({"code": "000000"}, "code"),
    ):
        response = contact_client.post("/profile/two-factor/disable/", data)
        assert response.status_code == 400
        assert field in response.context["disable_form"].errors
    assert _contact(world).totp_enabled
    done = contact_client.post("/profile/two-factor/disable/", {"code": _code(key, 1)})
    assert done["Location"] == "/profile/?saved=two_factor_off"
    contact = _contact(world)
    assert not contact.totp_enabled and contact.totp_key == ""
    assert "portal.two_factor_disabled" in _events(world)


def test_disabling_with_the_password(world, contact_client):
    _with_totp(world, contact_client)
    response = contact_client.post("/profile/two-factor/disable/", {"password": PASSWORD})
    assert response.status_code == 302 and not _contact(world).totp_enabled


def test_wrong_passwords_are_limited(world, contact_client, monkeypatch):
    from portal import profile

    monkeypatch.setattr(profile, "WRONG_LIMIT", 2)
    data = {"current_password": "Wrong-Pass-2026!", "new_password1": NEW_PASSWORD}
    data["new_password2"] = NEW_PASSWORD
    for _ in range(2):
        contact_client.post("/profile/password/", data)
    locked = contact_client.post("/profile/password/", {**data, "current_password": PASSWORD})
    assert locked.status_code == 400 and "Too many wrong passwords" in locked.content.decode()
    assert _contact(world).check_password(PASSWORD)


def test_every_profile_form_needs_its_csrf_token(world):
    client = world["portal_sign_in"]("a")
    client.handler.enforce_csrf_checks = True
    for url, data in (
        ("/profile/", {"name": "Mallory"}),
        ("/profile/password/", {"current_password": PASSWORD}),
        ("/profile/two-factor/", {"code": "123456"}),
        ("/profile/two-factor/disable/", {"password": PASSWORD}),
    ):
        assert client.post(url, data).status_code == 403, url
    assert _contact(world).name == "Carla Contact"
