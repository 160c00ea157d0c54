"""The encrypted field: nothing readable at rest, fails closed, keys rotate."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from accounts.fields import DecryptionError, KeyRing, key_id
from accounts.models import AuditEntry
from tests.support.models import SecretNote

KEY_ONE = "dGVzdC1rZXktb25lLWZvci1lbmNyeXB0ZWQtZmllbGQ="  # config/settings/test.py
KEY_TWO = "dGVzdC1rZXktdHdvLWZvci1lbmNyeXB0ZWQtZmllbGQ="
PLAINTEXT = "sk_test_VerySecretValue1234"


def _raw(note) -> str:
    table = SecretNote._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {table} WHERE id = %s", [note.pk])  # noqa: S608
        return cursor.fetchone()[0]


def _set_raw(note, value) -> None:
    table = SecretNote._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET secret = %s WHERE id = %s", [value, note.pk])  # noqa: S608


@pytest.fixture
def note(account_a):
    return SecretNote.objects.create(account=account_a, label="gateway", secret=PLAINTEXT)


def test_round_trip(note):
    assert SecretNote.objects.get(pk=note.pk).secret == PLAINTEXT


def test_the_column_holds_no_plaintext(note):
    raw = _raw(note)
    assert raw.startswith(f"fernet:{key_id(KEY_ONE)}:")
    assert PLAINTEXT not in raw
    assert "VerySecret" not in raw


def test_same_value_encrypts_differently_each_time(account_a):
    one = SecretNote.objects.create(account=account_a, label="one", secret=PLAINTEXT)
    two = SecretNote.objects.create(account=account_a, label="two", secret=PLAINTEXT)
    assert _raw(one) != _raw(two)


def test_empty_stays_empty(account_a):
    note = SecretNote.objects.create(account=account_a, label="blank", secret="")
    assert _raw(note) == ""
    assert SecretNote.objects.get(pk=note.pk).secret == ""


def test_plaintext_in_the_column_is_refused_not_returned(note):
    _set_raw(note, PLAINTEXT)
    with pytest.raises(DecryptionError, match="not an encrypted token"):
        SecretNote.objects.get(pk=note.pk)


def test_tampered_token_is_refused(note):
    raw = _raw(note)
    _set_raw(note, raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB"))
    with pytest.raises(DecryptionError, match="does not decrypt"):
        SecretNote.objects.get(pk=note.pk)


def test_value_under_a_removed_key_names_the_key(note):
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[KEY_TWO]),
        pytest.raises(DecryptionError, match=key_id(KEY_ONE)),
    ):
        SecretNote.objects.get(pk=note.pk)


def test_rotation_re_encrypts_everything_under_the_new_key(account_a, note):
    other = SecretNote.objects.create(account=account_a, label="smtp", secret="smtp-pass-9")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_TWO, KEY_ONE]):
        call_command("rotate_encryption_keys", stdout=io.StringIO())
        assert _raw(note).startswith(f"fernet:{key_id(KEY_TWO)}:")
        assert _raw(other).startswith(f"fernet:{key_id(KEY_TWO)}:")
    # The old key can now go: every value still reads under the new key alone.
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_TWO]):
        assert SecretNote.objects.get(pk=note.pk).secret == PLAINTEXT
        assert SecretNote.objects.get(pk=other.pk).secret == "smtp-pass-9"
    entry = AuditEntry.objects.get(event="encryption.rotated")
    assert entry.data["values"] == 2


def test_a_bad_or_missing_key_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        KeyRing(["not-a-key"])
    with pytest.raises(ImproperlyConfigured, match="empty"):
        KeyRing([])
