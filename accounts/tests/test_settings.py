"""The Settings tab (the account's security policy) and its enforcement: required two-factor
login, the idle timeout, the allowed IP ranges and the login-notification default."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.actors import PLATFORM
from accounts.models import Account, AuditEntry, SecurityAddons
from tests.fixtures import PANEL_HOST, PASSWORD, signed_in_client
from users.services import create_user
from users.tests.totp import code_for, key_from_page

pytestmark = pytest.mark.django_db
EDIT = "/account/settings/edit/"


def _policy(**overrides):
    data = {
        "two_factor_required": "nobody",
        "idle_timeout_minutes": "60",
        "allowed_ip_ranges": "",
        "login_notifications_default": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def _errors(response, field) -> list[str]:
    body = response.content.decode()
    found = re.search(
        rf'<ul class="form-row__errors" id="id_{field}_errors">(.*?)</ul>', body, re.S
    )
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def _set(account, **fields):
    Account.objects.filter(pk=account.pk).update(**fields)


def test_settings_page_is_for_administrators(world, client_admin_a, client_user_a):
    body = client_admin_a.get("/account/settings/").content.decode()
    assert "Security policy" in body and "60 minutes" in body and "Any address" in body
    assert client_user_a.get("/account/settings/").status_code == 403
    assert client_user_a.post(EDIT, _policy()).status_code == 403


def test_saving_the_policy_audits_before_and_after(world):
    client = Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR="203.0.113.9")
    client.force_login(world["admin_a"])
    session = client.session
    session["bound_host"] = PANEL_HOST
    session.save()
    response = client.post(
        EDIT,
        _policy(
            two_factor_required="admins",
            idle_timeout_minutes="30",
            allowed_ip_ranges="203.0.113.0/24, 2001:db8::/48",
            login_notifications_default="on",
        ),
    )
    assert response["Location"] == "/account/settings/"
    account = Account.objects.get(pk=world["a"].pk)
    assert account.two_factor_required == "admins" and account.idle_timeout_minutes == 30
    assert account.allowed_ip_ranges == "203.0.113.0/24\n2001:db8::/48"
    assert account.login_notifications_default
    entry = AuditEntry.objects.get(event="account.security_policy_updated")
    assert entry.changes == {
        "two_factor_required": ["nobody", "admins"],
        "idle_timeout_minutes": [60, 30],
        "allowed_ip_ranges": ["", "203.0.113.0/24\n2001:db8::/48"],
        "login_notifications_default": [False, True],
    }
    assert Account.objects.get(pk=world["b"].pk).idle_timeout_minutes == 60


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"idle_timeout_minutes": "4"}, "idle_timeout_minutes", "At least 5 minutes."),
        ({"idle_timeout_minutes": "1441"}, "idle_timeout_minutes", "At most 1440 minutes"),
        ({"idle_timeout_minutes": "ten"}, "idle_timeout_minutes", "Enter a whole number"),
        ({"idle_timeout_minutes": ""}, "idle_timeout_minutes", "This field is required."),
        ({"allowed_ip_ranges": "10.0.0.0/33"}, "allowed_ip_ranges", "is not an IP network"),
        ({"allowed_ip_ranges": "example.com"}, "allowed_ip_ranges", "is not an IP network"),
        ({"allowed_ip_ranges": "10.1.2.3/24"}, "allowed_ip_ranges", "the network is 10.1.2.0/24"),
        (
            {"allowed_ip_ranges": "2001:db8::1/32"},
            "allowed_ip_ranges",
            "the network is 2001:db8::/32",
        ),
        (
            {"allowed_ip_ranges": "192.0.2.0/24"},
            "allowed_ip_ranges",
            "Your own address (127.0.0.1)",
        ),
        ({"two_factor_required": "martians"}, "two_factor_required", "Select a valid choice"),
    ],
)
def test_bad_policy_input(world, client_admin_a, overrides, field, message):
    response = client_admin_a.post(
        EDIT, _policy(**{"two_factor_required": "everyone", **overrides})
    )
    assert response.status_code == 400
    assert any(message in e for e in _errors(response, field)), _errors(response, field)
    assert Account.objects.get(pk=world["a"].pk).two_factor_required == "nobody"
    assert not AuditEntry.objects.filter(event="account.security_policy_updated").exists()


# --- Allowed IP ranges ---


def _sign_in(email, ip):
    client = Client(HTTP_HOST=PANEL_HOST, REMOTE_ADDR=ip)
    return client, client.post("/login/", {"email": email, "password": PASSWORD})


def test_a_sign_in_from_outside_the_ranges_is_refused_and_audited(world):
    _set(world["a"], allowed_ip_ranges="203.0.113.0/24\n2001:db8:1::/48")
    client, response = _sign_in("user@alpha.test", "198.51.100.4")
    body = response.content.decode()
    assert response.status_code == 200 and "allows sign-in only from its own networks" in body
    assert "198.51.100.4" in body
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(event="login.account_ip_refused")
    assert entry.account == world["a"] and entry.ip == "198.51.100.4"
    for ip in ("203.0.113.200", "2001:db8:1:ffff::5", "::ffff:203.0.113.7"):
        assert _sign_in("user@alpha.test", ip)[1].status_code == 302, ip
    assert _sign_in("user@alpha.test", "2001:db8:2::1")[1].status_code == 200
    # Another account's ranges are its own.
    assert _sign_in("admin@bravo.test", "198.51.100.4")[1].status_code == 302


def test_a_session_used_from_outside_the_ranges_is_anonymous(world):
    client, _ = _sign_in("user@alpha.test", "203.0.113.5")
    _set(world["a"], allowed_ip_ranges="203.0.113.0/24")
    assert client.get("/profile/").status_code == 200
    assert client.get("/profile/", REMOTE_ADDR="198.51.100.1").status_code == 302


# --- Idle timeout ---


def test_an_idle_session_ends_with_a_message(world):
    _set(world["a"], idle_timeout_minutes=15)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client, _ = _sign_in("user@alpha.test", "10.0.0.1")
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert client.get("/profile/").status_code == 200  # activity: the clock starts again
    with time_machine.travel(start + timedelta(minutes=28), tick=False):
        assert client.get("/profile/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=43, seconds=30), tick=False):
        response = client.get("/profile/")
        assert response["Location"].startswith("/login/")
        assert "_auth_user_id" not in client.session
        page = client.get("/login/").content.decode()
        assert "signed out after 15 minutes without activity" in page
    entry = AuditEntry.objects.get(event="logout.idle")
    assert entry.actor == world["user_a"] and entry.data == {"idle_timeout_minutes": 15}


def test_the_timeout_applies_to_sessions_already_open(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in_client(world["user_a"])
    _set(world["a"], idle_timeout_minutes=5)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert client.get("/profile/").status_code == 302


# --- Required two-factor login ---


def test_required_two_factor_sends_to_set_up_and_allows_only_it(world):
    _set(world["a"], two_factor_required="everyone")
    client, response = _sign_in("user@alpha.test", "10.0.0.1")
    assert response.status_code == 302
    for url in ("/", "/profile/", "/account/config/", "/account/users/", "/audit/", "/help/"):
        assert client.get(url)["Location"] == "/profile/two-factor/set-up/", url
    page = client.get("/profile/two-factor/set-up/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "requires two-factor login for you" in body
    assert client.get("/profile/two-factor/").status_code == 200
    grouped = re.search(r'id="totp-key"><code>([A-Z2-7 ]+)</code>', body).group(1)
    response = client.post(
        "/profile/two-factor/set-up/", {"code": code_for(key_from_page(grouped))}
    )
    assert response["Location"] == "/profile/two-factor/backup-codes/"
    assert client.get("/profile/two-factor/backup-codes/").status_code == 200
    assert client.get("/account/config/").status_code != 302  # everything else opens again
    # Signing out works at any point.
    other, _ = _sign_in("admin@alpha.test", "10.0.0.2")
    assert other.post("/logout/")["Location"] == "/login/"


def test_administrators_only_rule(world):
    _set(world["a"], two_factor_required="admins")
    user, _ = _sign_in("user@alpha.test", "10.0.0.1")
    admin, _ = _sign_in("admin@alpha.test", "10.0.0.2")
    assert user.get("/profile/").status_code == 200
    assert admin.get("/profile/")["Location"] == "/profile/two-factor/set-up/"
    # Another account's rule is its own.
    bravo, _ = _sign_in("admin@bravo.test", "10.0.0.3")
    assert bravo.get("/account/config/").status_code == 200


# --- Login notifications default ---


def test_new_users_get_the_login_notification_default(world):
    new = create_user(actor=PLATFORM, account=world["a"], email="n1@alpha.test", password=PASSWORD)
    assert not SecurityAddons.of(new).login_notifications
    _set(world["a"], login_notifications_default=True)
    world["a"].refresh_from_db()
    new = create_user(actor=PLATFORM, account=world["a"], email="n2@alpha.test", password=PASSWORD)
    assert SecurityAddons.of(new).login_notifications
    assert not SecurityAddons.of(world["user_a"]).login_notifications  # existing users keep theirs


def test_the_service_refuses_ranges_without_the_actors_own_address(world):
    from accounts.actors import Actor
    from accounts.errors import Refused
    from accounts.services import update_security_policy

    with pytest.raises(Refused) as refused:
        update_security_policy(
            actor=Actor(world["admin_a"], "198.51.100.7"),
            account=world["a"],
            values={"allowed_ip_ranges": "203.0.113.0/24"},
        )
    assert refused.value.field == "allowed_ip_ranges"
    assert Account.objects.get(pk=world["a"].pk).allowed_ip_ranges == ""
