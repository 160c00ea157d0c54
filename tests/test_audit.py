"""The audit log service: registered events only, before → after, secrets never written."""

import pytest
from django.test import RequestFactory

from accounts import audit, registry
from accounts.actors import Actor
from accounts.models import AuditEntry
from accounts.registry import AuditEvent
from accounts.requests import client_ip
from tests.support.models import SecretNote


def test_unregistered_event_is_refused(account_a):
    with pytest.raises(ValueError, match="unregistered"):
        audit.record("made.up", account=account_a)


def test_an_event_cannot_be_declared_twice():
    twice = [AuditEvent("login.succeeded", "Login", "Signed in")] * 2
    with pytest.raises(ValueError, match="twice"):
        registry._unique("audit event", iter(twice), lambda event: event.key)


def test_entry_carries_actor_ip_target_and_changes(account_a, admin_a):
    entry = audit.record(
        "user.created",
        account=account_a,
        actor=Actor(admin_a, "192.0.2.7"),
        target=admin_a,
        changes=audit.diff({"role": "user"}, {"role": "admin"}),
    )
    entry.refresh_from_db()
    assert entry.actor_label == "admin@alpha.test"
    assert entry.ip == "192.0.2.7"
    assert entry.target_type == "users.user"
    assert entry.target_id == str(admin_a.pk)
    assert entry.target_label == "Ada Alpha"
    assert entry.changes == {"role": ["user", "admin"]}
    assert entry.event_text == "User created"


def test_encrypted_fields_are_masked_in_snapshots(account_a):
    note = SecretNote(account=account_a, label="gw", secret="sk_live_topsecret")
    before = audit.snapshot(note, ["label", "secret"])
    note.secret = "sk_live_othersecret"
    after = audit.snapshot(note, ["label", "secret"])
    entry = audit.record("account.created", account=account_a, changes=audit.diff(before, after))
    stored = str(AuditEntry.objects.filter(pk=entry.pk).values_list("changes", flat=True)[0])
    assert "topsecret" not in stored
    assert "othersecret" not in stored
    assert entry.changes == {"secret": ["********", "********"]}  # changed, values masked
    # Saving the same secret again is no change at all.
    assert audit.diff(after, audit.snapshot(note, ["label", "secret"])) == {}


def test_secret_looking_keys_are_masked_as_a_second_line_of_defence(account_a):
    entry = audit.record(
        "account.created",
        account=account_a,
        data={"password": "hunter2", "nested": {"api_key": "abc", "name": "ok"}},
        changes={"client_secret": ["old", "new"]},
    )
    assert entry.data == {"password": "********", "nested": {"api_key": "********", "name": "ok"}}
    assert entry.changes == {"client_secret": ["********", "********"]}


def test_client_ip_trusts_forwarded_for_only_behind_configured_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.5"


def test_every_event_has_a_section_and_text():
    assert all(event.section and event.text for event in audit.EVENTS.values())
    assert "Login" in audit.sections()


def test_creation_does_not_list_fields_left_empty():
    assert audit.diff({}, {"name": "Finance", "Users": "", "Log": None, "tags": []}) == {
        "name": [None, "Finance"]
    }


def test_values_read_as_words():
    assert audit.field_label("footer_text") == "Footer text"
    assert [audit.value_text(v) for v in (None, "", True, ["USD", "EUR"], 5)] == [
        "—",
        "—",
        "Yes",
        "USD, EUR",
        "5",
    ]
