"""Portal sign-in for contacts on a Verified domain: the same words for an unknown address and a
wrong password, throttled like the panel's, TOTP when on, audited in the account's log, a
session valid only on its own domain, sign-out, and password reset by mail on the portal host."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import hotp

from accounts.models import AuditEntry
from portal.models import Contact, Customer, CustomerStatus
from tests.fixtures import PASSWORD

HOST_A, HOST_B = "portal.alpha.test", "portal.bravo.test"
EMAIL = "carla@alpha-retail.test"
KEY = "3132333435363738393031323334353637383930"


def _visitor(host=HOST_A):
    return Client(HTTP_HOST=host)


def _sign_in(client, email=EMAIL, password=PASSWORD):
    return client.post("/login/", {"email": email, "password": password})


def _events(world, side="a"):
    return list(
        AuditEntry.objects.for_account(world[side])
        .filter(event__startswith="portal.")
        .values_list("event", flat=True)
    )


def test_a_contact_signs_in_and_sees_the_dashboard(world):
    client = _visitor()
    assert client.get("/")["Location"] == "/login/"
    response = _sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/"
    body = client.get("/").content.decode()
    assert "Carla Contact" in body and "Alpha Retail Ltd" in body
    assert 'id="balance">$0.00 USD<' in body  # the Balance area is on for A's domain
    assert "Sign out" in body
    assert _events(world) == ["portal.login_succeeded"]
    assert Contact.objects.for_account(world["a"]).get(email=EMAIL).last_login is not None


def test_unknown_email_and_wrong_password_get_the_same_answer(world):
    wrong = _sign_in(_visitor(), password="Wrong-Pass-2026!").content.decode()
    unknown = _sign_in(_visitor(), email="nobody@alpha-retail.test").content.decode()
    message = "That email and password do not match. Check both and try again."
    assert message in wrong and message in unknown
    assert _events(world) == ["portal.login_failed", "portal.login_failed"]


def test_a_contact_of_another_account_cannot_sign_in_here(world):
    body = _sign_in(_visitor(), email="bernd@bravo-wholesale.test").content.decode()
    assert "do not match" in body
    assert _events(world, "b") == []  # B's log learns nothing of A's portal


def test_failures_are_throttled_like_the_panel(world, settings):
    settings.LOGIN_FAILURES_PER_PAIR = 3
    client = _visitor()
    for _ in range(3):
        _sign_in(client, password="Wrong-Pass-2026!")
    body = _sign_in(client).content.decode()  # the right password, but locked
    assert "Too many failed sign-in attempts" in body
    assert "portal.login_locked" in _events(world)
    assert client.get("/")["Location"] == "/login/"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": CustomerStatus.SUSPENDED}, "is suspended, so its contacts cannot sign in"),
        ({"status": CustomerStatus.PENDING}, "Your account is waiting for approval by Alpha"),
        ({"portal_access": False}, "Portal access is turned off for Alpha Retail Ltd"),
    ],
)
def test_a_customer_who_may_not_use_the_portal_is_told_why(world, change, message):
    Customer.objects.for_account(world["a"]).filter(pk=world["customer_a"].pk).update(**change)
    client = _visitor()
    assert message in _sign_in(client).content.decode()
    assert client.get("/")["Location"] == "/login/"
    wrong = _sign_in(_visitor(), password="Wrong-Pass-2026!").content.decode()
    assert message not in wrong  # only the right password learns the status


def test_suspending_a_customer_ends_its_contacts_sessions(world):
    client = _visitor()
    _sign_in(client)
    assert client.get("/").status_code == 200
    Customer.objects.for_account(world["a"]).filter(pk=world["customer_a"].pk).update(
        status=CustomerStatus.SUSPENDED
    )
    assert client.get("/")["Location"] == "/login/"


def test_the_session_is_valid_only_on_its_own_domain(world):
    client = _visitor()
    _sign_in(client)
    cookie = client.cookies["sessionid"].value
    other = _visitor(HOST_B)
    other.cookies["sessionid"] = cookie
    assert other.get("/")["Location"] == "/login/"
    panel = Client(HTTP_HOST="testserver")
    panel.cookies["sessionid"] = cookie
    assert panel.get("/customers/").status_code == 302  # no staff user either


def _with_totp(world):
    Contact.objects.for_account(world["a"]).filter(email=EMAIL).update(
        totp_key=KEY, totp_enabled=True
    )


def _code(offset=0):
    return f"{hotp(bytes.fromhex(KEY), int(time.time()) // 30 + offset, digits=6):06d}"


def test_totp_is_asked_after_the_password_and_a_code_works_once(world):
    _with_totp(world)
    client = _visitor()
    response = _sign_in(client)
    assert response["Location"] == "/login/code/"
    assert client.get("/")["Location"] == "/login/"  # a half sign-in grants nothing
    wrong = client.post("/login/code/", {"code": "000000" if _code() != "000000" else "111111"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
    code = _code()
    assert client.post("/login/code/", {"code": code})["Location"] == "/"
    assert client.get("/").status_code == 200
    again = _visitor()
    _sign_in(again)
    assert (
        "not right, or was used already"
        in again.post("/login/code/", {"code": code}).content.decode()
    )
    events = _events(world)
    assert "portal.code_failed" in events and events.count("portal.login_succeeded") == 1


def test_the_code_step_without_a_password_step_goes_back(world):
    client = _visitor()
    assert client.get("/login/code/")["Location"] == "/login/"
    body = client.post("/login/code/", {"code": "123456"}).content.decode()
    assert "Enter your email and password first." in body


def test_sign_out_ends_the_session_and_is_audited(world):
    client = _visitor()
    _sign_in(client)
    assert client.get("/logout/")["Location"] == "/"  # a GET signs nobody out
    assert client.get("/").status_code == 200
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/")["Location"] == "/login/"
    assert "portal.logout" in _events(world)


def test_password_reset_mails_a_link_on_the_portal_host(world, django_capture_on_commit_callbacks):
    client = _visitor()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/reset-password/", {"email": "CARLA@alpha-retail.test"})
        unknown = client.post("/reset-password/", {"email": "ghost@alpha-retail.test"})
    same = "a mail with a link to choose a new password is on its way"
    assert same in sent.content.decode() and same in unknown.content.decode()
    (message,) = mail.outbox
    assert message.to == [EMAIL]
    link = re.search(r"^http://portal\.alpha\.test(/reset-password/\S+/)$", message.body, re.M)
    assert link, message.body
    signed_in = _visitor()
    _sign_in(signed_in)
    new = "Fresh-Portal-2026!"
    done = client.post(link.group(1), {"new_password1": new, "new_password2": new})
    assert "Your password is changed" in done.content.decode()
    assert signed_in.get("/")["Location"] == "/login/"  # other sessions ended
    assert _sign_in(_visitor(), password=new)["Location"] == "/"
    assert "has been used already" in client.get(link.group(1)).content.decode()
    events = _events(world)
    assert "portal.password_reset_requested" in events
    assert "portal.password_reset_completed" in events


def test_a_reset_link_of_another_portal_does_not_work_here(world):
    from portal.invitations import make_reset_token

    token = make_reset_token(world["contact_b"])
    body = _visitor().get(f"/reset-password/{token}/").content.decode()
    assert "used already" in body or "not valid" in body
    assert "bernd@" not in body
