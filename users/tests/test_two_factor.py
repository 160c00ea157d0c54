"""Setting two-factor login up, backup codes, turning it off, new codes, an Administrator's reset;
the key encrypted at rest and never in the audit log."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Account, AuditEntry
from tests.fixtures import signed_in_client
from users import two_factor
from users.models import BackupCode, TOTPDevice, User

from .totp import code_for, key_from_page
from .two_factor_helpers import KEY, turn_on

pytestmark = pytest.mark.django_db
SETUP = "/profile/two-factor/set-up/"


def _key_on(page) -> str:
    grouped = re.search(r'id="totp-key"><code>([A-Z2-7 ]+)</code>', page).group(1)
    return key_from_page(grouped)


def _codes_on(page) -> list[str]:
    area = re.search(r'<textarea id="backup-codes-text"[^>]*>(.*?)</textarea>', page, re.S)
    return area.group(1).split()


def _audit_text() -> str:
    return " ".join(f"{e.changes} {e.data} {e.target_label}" for e in AuditEntry.all_accounts.all())


def test_the_full_enable_flow_with_a_code_from_the_key_on_the_page(
    world, client_admin_a, django_capture_on_commit_callbacks
):
    page = client_admin_a.get(SETUP)
    assert page.status_code == 200
    body = page.content.decode()
    assert '<svg class="qr" role="img"' in body  # drawn on the server, inline
    assert "Alpha Networks" in body
    key = _key_on(body)
    # A reload shows the same candidate (the user may have scanned it already).
    assert _key_on(client_admin_a.get(SETUP).content.decode()) == key
    assert not TOTPDevice.objects.filter(user=world["admin_a"]).exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(SETUP, {"code": code_for(key)})
    assert response["Location"] == "/profile/two-factor/backup-codes/"
    admin = User.objects.get(pk=world["admin_a"].pk)
    assert admin.two_factor_enabled
    device = TOTPDevice.objects.get(user=admin)
    assert device.key == key and device.account == world["a"]
    assert [m.subject for m in mail.outbox] == ["Alpha Networks: Two-factor login is on"]

    codes_page = client_admin_a.get("/profile/two-factor/backup-codes/").content.decode()
    shown = _codes_on(codes_page)
    assert len(set(shown)) == 10
    download = client_admin_a.get("/profile/two-factor/backup-codes/download/")
    assert download["Content-Type"].startswith("text/plain")
    assert (
        download["Content-Disposition"] == 'attachment; filename="backup-codes-alpha-networks.txt"'
    )
    assert all(code in download.content.decode() for code in shown)
    # Stored as HMACs only.
    stored = set(BackupCode.objects.filter(device__user=admin).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not {c.replace("-", "") for c in shown} & stored

    # "I have saved them": never shown again.
    client_admin_a.post("/profile/two-factor/backup-codes/")
    response = client_admin_a.get("/profile/two-factor/backup-codes/")
    assert response["Location"] == "/profile/two-factor/"
    assert client_admin_a.get("/profile/two-factor/backup-codes/download/").status_code == 302

    # The Users list's 2FA column.
    users_page = client_admin_a.get("/account/users/").content.decode()
    row = re.search(r"<tr>(?:(?!</tr>).)*admin@alpha\.test(?:(?!</tr>).)*</tr>", users_page, re.S)
    assert ">On<" in row.group(0)

    # Neither the key nor a code is in the audit log, nor in the session's candidate.
    entry = AuditEntry.objects.get(event="two_factor.enabled", account=world["a"])
    assert entry.changes == {"two_factor_enabled": [False, True]}
    text = _audit_text()
    assert key not in text and two_factor.base32(key) not in text
    assert not any(code in text or code.replace("-", "") in text for code in shown)


def test_the_candidate_key_is_only_in_the_session_and_encrypted_there(client_admin_a):
    response = client_admin_a.get(SETUP)
    key = _key_on(response.content.decode())
    stored = client_admin_a.session["two_factor_candidate"]
    assert key not in stored and stored.startswith("fernet:")
    assert "no-store" in response["Cache-Control"]
    # The form carries no key: the POST is only the code.
    assert two_factor.base32(key) not in re.search(
        r"<form.*?</form>", response.content.decode(), re.S
    ).group(0)


def test_the_raw_database_column_is_not_the_key_and_rotation_covers_it(world, settings):
    turn_on(world["admin_a"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM users_totpdevice")
        (raw,) = cursor.fetchone()
    assert raw != KEY and KEY not in raw and raw.startswith("fernet:")
    old_id = raw.split(":")[1]

    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM users_totpdevice")
        (rotated,) = cursor.fetchone()
    assert rotated.split(":")[1] != old_id
    assert TOTPDevice.objects.get(user=world["admin_a"]).key == KEY


def test_a_forged_enable_post_without_a_candidate_changes_nothing(world, client_admin_a):
    response = client_admin_a.post(SETUP, {"code": "123456"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The set-up was not started in this browser" in body
    assert not TOTPDevice.objects.filter(user=world["admin_a"]).exists()
    assert not User.objects.get(pk=world["admin_a"].pk).two_factor_enabled
    # A fresh candidate is shown to start over.
    assert _key_on(body)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abcdef", "Type digits only"),
        ("12345", "this has 5"),
        ("1234567", "this has 7"),
    ],
)
def test_malformed_setup_codes(world, client_admin_a, typed, message):
    client_admin_a.get(SETUP)
    response = client_admin_a.post(SETUP, {"code": typed})
    assert response.status_code == 400 and message in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world["admin_a"]).exists()


def test_a_wrong_setup_code_changes_nothing(world, client_admin_a):
    key = _key_on(client_admin_a.get(SETUP).content.decode())
    wrong = f"{(int(code_for(key)) + 500_000) % 1_000_000:06d}"
    response = client_admin_a.post(SETUP, {"code": wrong})
    assert response.status_code == 400
    assert "That code does not match this key" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world["admin_a"]).exists()
    assert _key_on(response.content.decode()) == key  # the same candidate: try again


def test_setup_when_already_on_goes_back(world, client_admin_a):
    turn_on(world["admin_a"])
    assert client_admin_a.get(SETUP)["Location"] == "/profile/two-factor/"


def _status_post(client, url, code, prefix):
    return client.post(url, {f"{prefix}-code": code})


def test_new_backup_codes_need_a_current_code(world, django_capture_on_commit_callbacks):
    admin = world["admin_a"]
    old_codes = turn_on(admin)
    client = signed_in_client(admin)
    url = "/profile/two-factor/backup-codes/new/"
    response = _status_post(client, url, "000000", "new")
    assert response.status_code == 400 and "That code is not right" in response.content.decode()
    assert (
        AuditEntry.objects.get(event="two_factor.code_failed").data["doing"] == "new backup codes"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _status_post(client, url, code_for(KEY, at=time.time() + 30), "new")
    assert response["Location"] == "/profile/two-factor/backup-codes/"
    assert AuditEntry.objects.filter(event="two_factor.backup_codes_regenerated").count() == 1
    assert [m.subject for m in mail.outbox] == ["Alpha Networks: New backup codes"]
    # The old codes are gone; a new one works (as the "current code" of another change).
    assert _status_post(client, url, old_codes[0], "new").status_code == 400
    page = client.get("/profile/two-factor/backup-codes/").content.decode()
    new_code = _codes_on(page)[0]
    assert _status_post(client, url, new_code, "new").status_code == 302


def test_turning_off_needs_a_current_code(world, django_capture_on_commit_callbacks):
    admin = world["admin_a"]
    codes = turn_on(admin)
    client = signed_in_client(admin)
    url = "/profile/two-factor/turn-off/"
    for typed, message in [("12 34", "this has 4"), ("zzzzzzzzzz", "used already")]:
        response = _status_post(client, url, typed, "off")
        assert response.status_code == 400 and message in response.content.decode()
    assert User.objects.get(pk=admin.pk).two_factor_enabled
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _status_post(client, url, codes[3], "off")  # a backup code works too
    assert response["Location"] == "/profile/two-factor/"
    admin.refresh_from_db()
    assert not admin.two_factor_enabled
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert not BackupCode.objects.filter(device__user=admin).exists()
    entry = AuditEntry.objects.get(event="two_factor.disabled")
    assert entry.changes == {"two_factor_enabled": [True, False]}
    assert [m.subject for m in mail.outbox] == ["Alpha Networks: Two-factor login is off"]


def test_turning_off_is_refused_while_the_policy_requires_it(world):
    admin = world["admin_a"]
    turn_on(admin)
    Account.objects.filter(pk=world["a"].pk).update(two_factor_required="admins")
    client = signed_in_client(admin)
    assert (
        "requires two-factor login for you" in client.get("/profile/two-factor/").content.decode()
    )
    response = _status_post(
        client, "/profile/two-factor/turn-off/", code_for(KEY, at=time.time() + 30), "off"
    )
    assert response.status_code == 400
    assert "requires two-factor login for you" in response.content.decode()
    assert User.objects.get(pk=admin.pk).two_factor_enabled


def test_an_administrator_resets_a_lost_phone(
    world, client_admin_a, django_capture_on_commit_callbacks
):
    user = world["user_a"]
    turn_on(user)
    user_client = signed_in_client(user)
    assert user_client.get("/profile/").status_code == 200
    edit = client_admin_a.get(f"/account/users/{user.pk}/").content.decode()
    assert f"/account/users/{user.pk}/two-factor/reset/" in edit
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(f"/account/users/{user.pk}/two-factor/reset/")
    assert response["Location"] == "/account/users/"
    user.refresh_from_db()
    assert not user.two_factor_enabled
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert user_client.get("/profile/").status_code == 302  # their sessions ended
    entry = AuditEntry.objects.get(event="two_factor.reset")
    assert entry.actor == world["admin_a"] and entry.target_id == str(user.pk)
    assert mail.outbox[-1].to == ["user@alpha.test"]
    assert "reset the two-factor login" in mail.outbox[-1].body


def test_only_administrators_reset(world, client_user_a):
    from accounts.actors import PLATFORM
    from accounts.permissions import ALLOW
    from users.services import save_group

    group = world["group_a"]
    group.permissions = {"users": ALLOW}
    save_group(group, actor=PLATFORM)
    turn_on(world["admin_a"])
    response = client_user_a.post(f"/account/users/{world['admin_a'].pk}/two-factor/reset/")
    assert response.status_code == 403
    assert User.objects.get(pk=world["admin_a"].pk).two_factor_enabled


def test_fresh_codes_are_not_kept_for_long(world, client_admin_a):
    key = _key_on(client_admin_a.get(SETUP).content.decode())
    client_admin_a.post(SETUP, {"code": code_for(key)})
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client_admin_a.get("/profile/two-factor/backup-codes/")
    assert response["Location"] == "/profile/two-factor/"
