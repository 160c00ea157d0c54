"""Security & Add-ons: login notifications, new-device mail, known devices and revoking them."""

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from accounts.models import AuditEntry, DeviceSession, KnownDevice, SecurityAddons
from accounts.security import BROWSER_COOKIE, browser_label
from tests.conftest import PANEL_HOST, PASSWORD, signed_in_client

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SECURITY = "/account/config/security/"


def _browser(user_agent=CHROME, ip="198.51.100.7") -> Client:
    """A browser of its own: its own cookie jar, user agent and address."""
    return Client(HTTP_HOST=PANEL_HOST, HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)


def _sign_in(browser: Client, email="admin@alpha.test", password=PASSWORD):
    response = browser.post("/login/", {"email": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the mail task) as a real request's commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _switch(user, **flags):
    SecurityAddons.objects.update_or_create(
        user=user, defaults={"account_id": user.account_id, **flags}
    )


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (CHROME, "Chrome 131 on Linux"),
        (FIREFOX, "Firefox 133 on Windows 10"),
        ("", "Unknown browser"),
        ("curl/8.5.0", "curl 8"),
    ],
)
def test_browser_label(user_agent, label):
    assert browser_label(user_agent) == label


def test_login_notification_names_time_ip_and_browser(world, after_commit):
    _switch(world["admin_a"], login_notifications=True)
    with after_commit():
        _sign_in(_browser(ip="198.51.100.7"))
    # The first sign-in from a browser is also a new device, but Device management is off:
    # the plain login notification is the one mail.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@alpha.test"]
    assert message.subject == "Alpha Networks: You signed in"
    assert "IP address: 198.51.100.7" in message.body
    assert "Browser:    Chrome 131 on Linux" in message.body
    assert "(UTC)" in message.body and "Time:" in message.body


def test_no_login_notification_when_the_option_is_off(world, after_commit):
    with after_commit():
        _sign_in(_browser())
    assert mail.outbox == []


def test_new_device_mail_once_per_browser(world, after_commit):
    _switch(world["admin_a"], new_device_alerts=True)
    laptop = _browser(CHROME, "198.51.100.7")
    with after_commit():
        _sign_in(laptop)
    assert [m.subject for m in mail.outbox] == [
        "Alpha Networks: New sign-in from a browser not seen before"
    ]
    assert "Chrome 131 on Linux" in mail.outbox[0].body
    assert BROWSER_COOKIE in laptop.cookies

    # Same browser again (it keeps its cookie): no mail.
    laptop.post("/logout/")
    with after_commit():
        _sign_in(laptop)
    assert len(mail.outbox) == 1

    # Another browser: a new-device mail again.
    with after_commit():
        _sign_in(_browser(FIREFOX, "203.0.113.9"))
    assert len(mail.outbox) == 2
    assert "Firefox 133 on Windows 10" in mail.outbox[1].body
    assert "IP address: 203.0.113.9" in mail.outbox[1].body

    devices = KnownDevice.objects.filter(user=world["admin_a"]).order_by("first_seen")
    assert [d.browser for d in devices] == ["Chrome 131 on Linux", "Firefox 133 on Windows 10"]
    assert AuditEntry.objects.filter(event="device.added", actor=world["admin_a"]).count() == 2


def test_no_new_device_mail_when_device_management_is_off(world, after_commit):
    with after_commit():
        _sign_in(_browser())
    assert mail.outbox == []
    assert KnownDevice.objects.filter(user=world["admin_a"]).count() == 1  # still listed


def test_a_forged_browser_cookie_is_a_new_device(world, after_commit):
    _switch(world["admin_a"], new_device_alerts=True)
    laptop = _browser()
    _sign_in(laptop)
    known = KnownDevice.objects.get(user=world["admin_a"])
    forger = _browser()
    forger.cookies[BROWSER_COOKIE] = "made-up-value"  # not signed by the server
    with after_commit():
        _sign_in(forger)
    assert len(mail.outbox) == 1
    assert KnownDevice.objects.filter(user=world["admin_a"]).exclude(pk=known.pk).count() == 1


def test_a_broken_mail_server_does_not_break_the_sign_in(world, settings, after_commit):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    _switch(world["admin_a"], login_notifications=True, new_device_alerts=True)
    browser = _browser()
    with after_commit():
        _sign_in(browser)
    assert browser.get("/account/config/").status_code == 200


def test_the_switches_are_saved_and_audited(world, client_admin_a):
    response = client_admin_a.post(
        SECURITY, {"login_notifications": "on", "new_device_alerts": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/config/"
    addons = SecurityAddons.objects.get(user=world["admin_a"])
    assert addons.login_notifications and addons.new_device_alerts
    entry = AuditEntry.objects.get(event="user.security_updated")
    assert entry.actor == world["admin_a"]
    assert entry.changes == {
        "login_notifications": [False, True],
        "new_device_alerts": [False, True],
    }

    client_admin_a.post(SECURITY, {"new_device_alerts": "on"})
    addons.refresh_from_db()
    assert not addons.login_notifications and addons.new_device_alerts
    assert AuditEntry.objects.filter(event="user.security_updated").count() == 2
    page = client_admin_a.get("/account/config/").content.decode()
    assert "Security &amp; Add-ons saved." in page


def test_a_user_without_config_still_manages_their_own_switches(world, client_user_a):
    assert client_user_a.get("/account/config/").status_code == 403
    response = client_user_a.post(SECURITY, {"login_notifications": "on"})
    assert response["Location"] == SECURITY  # back to the page they may open
    assert SecurityAddons.objects.get(user=world["user_a"]).login_notifications
    page = client_user_a.get(SECURITY).content.decode()
    assert "Known devices" in page and "Firefox 128 on Windows 10" in page  # their own device


def test_known_devices_are_listed_with_first_and_last_seen_and_ip(world):
    browser = _browser(CHROME, "198.51.100.23")
    _sign_in(browser)
    page = browser.get("/account/config/").content.decode()
    assert "Known devices" in page
    assert "Chrome 131 on Linux" in page
    assert "198.51.100.23" in page
    assert "This browser" in page
    assert "Firefox 128 on Windows 10" not in page  # user_a's device is not admin_a's list


def test_revoking_a_device_ends_its_sessions(world, after_commit):
    laptop, phone = _browser(CHROME), _browser(FIREFOX)
    _sign_in(laptop)
    _sign_in(phone)
    assert phone.get("/account/config/").status_code == 200
    phone_device = KnownDevice.objects.get(user=world["admin_a"], browser__startswith="Firefox")
    session_key = phone.session.session_key
    assert DeviceSession.objects.filter(device=phone_device, session_key=session_key).exists()

    confirm = laptop.get(f"/account/config/devices/{phone_device.pk}/revoke/")
    assert "Revoke Firefox 133 on Windows 10?" in confirm.content.decode()
    response = laptop.post(f"/account/config/devices/{phone_device.pk}/revoke/")
    assert response.status_code == 302

    # The phone's session is gone: its next request is sent to sign in. The laptop's is not.
    assert not Session.objects.filter(session_key=session_key).exists()
    after = phone.get("/account/config/")
    assert after.status_code == 302 and after["Location"].startswith("/login/")
    assert laptop.get("/account/config/").status_code == 200
    assert not KnownDevice.objects.filter(pk=phone_device.pk).exists()
    entry = AuditEntry.objects.get(event="device.revoked")
    assert entry.actor == world["admin_a"]
    assert entry.data["browser"] == "Firefox 133 on Windows 10"
    assert entry.data["sessions_ended"] == 1

    # Signing in again from the revoked browser counts as a new device.
    _switch(world["admin_a"], new_device_alerts=True)
    with after_commit():
        _sign_in(phone)
    assert [m.subject for m in mail.outbox] == [
        "Alpha Networks: New sign-in from a browser not seen before"
    ]


def test_revoke_needs_a_post_and_get_only_confirms(world, client_admin_a):
    device = world["device_a"]
    assert client_admin_a.get(f"/account/config/devices/{device.pk}/revoke/").status_code == 200
    assert KnownDevice.objects.filter(pk=device.pk).exists()


def test_a_user_cannot_revoke_a_colleagues_device(world, client_user_a):
    admins_device = KnownDevice.objects.create(
        account=world["a"],
        user=world["admin_a"],
        token_hash="c" * 64,
        browser="Safari 18 on Mac OS X 14",
        first_seen=world["device_a"].first_seen,
        last_seen=world["device_a"].last_seen,
    )
    url = f"/account/config/devices/{admins_device.pk}/revoke/"
    assert client_user_a.get(url).status_code == 404
    assert client_user_a.post(url).status_code == 404
    assert KnownDevice.objects.filter(pk=admins_device.pk).exists()


def test_an_administrator_may_revoke_a_users_device(world, client_admin_a):
    url = f"/account/config/devices/{world['device_a'].pk}/revoke/"
    assert "user@alpha.test" in client_admin_a.get(url).content.decode()
    assert client_admin_a.post(url).status_code == 302
    assert not KnownDevice.objects.filter(pk=world["device_a"].pk).exists()


def test_a_read_only_administrator_cannot_revoke_someone_elses_device(world, admin_a):
    admin_a.read_only = True
    admin_a.save()
    url = f"/account/config/devices/{world['device_a'].pk}/revoke/"
    assert signed_in_client(admin_a).post(url).status_code == 403
    assert KnownDevice.objects.filter(pk=world["device_a"].pk).exists()


def test_another_accounts_device_is_404(world, client_admin_a):
    url = f"/account/config/devices/{world['device_b'].pk}/revoke/"
    assert client_admin_a.get(url).status_code == 404
    assert client_admin_a.post(url).status_code == 404
    assert KnownDevice.objects.filter(pk=world["device_b"].pk).exists()
