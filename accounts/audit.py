"""The audit log: the events every app declares, and the one function (:func:`record`) every
write calls.

Secrets never enter it: values of encrypted fields are masked by :func:`snapshot`, and any key of
``changes`` or ``data`` that names a secret is masked by :func:`record` as a second line of defence.
"""

from django.db import models

from .actors import Actor
from .masking import MASK, jsonable, mask
from .models import AuditEntry
from .registry import LazyRegistry, audit_events

__all__ = ["MASK", "record"]


# Every event any app declares (``<app>/panel.py``), with its section and display text.
EVENTS = LazyRegistry(audit_events)


def sections() -> list[str]:
    return sorted({event.section for event in EVENTS.values()})


class _Secret:
    """A secret inside a snapshot: compares by value (so a change shows) and prints masked."""

    __slots__ = ("_value",)
    __hash__ = None

    def __init__(self, value):
        self._value = value

    def __eq__(self, other):
        return isinstance(other, _Secret) and other._value == self._value

    def __str__(self):
        return MASK if self._value else ""

    __repr__ = __str__


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The named fields of ``instance`` for :func:`diff`; encrypted fields are held masked."""
    from .fields import EncryptedTextField

    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        values[name] = _Secret(value) if isinstance(field, EncryptedTextField) else jsonable(value)
    return values


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def diff(before: dict, after: dict) -> dict:
    """``{field: [before, after]}`` for the fields whose value changed (empty to empty, e.g. a
    field left blank on creation, is no change)."""
    keys = list(dict.fromkeys([*before, *after]))
    return {
        k: [before.get(k), after.get(k)]
        for k in keys
        if before.get(k) != after.get(k) and not (_empty(before.get(k)) and _empty(after.get(k)))
    }


def field_label(key: str) -> str:
    """``footer_text`` → ``Footer text``; labels already readable stay as they are."""
    return key.replace("_", " ")[:1].upper() + key.replace("_", " ")[1:]


def value_text(value) -> str:
    """A before/after value as the log shows it: empty as —, lists joined, booleans as Yes/No."""
    if _empty(value):
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def record(
    event: str,
    *,
    account=None,
    actor: Actor | None = None,
    target: models.Model | None = None,
    target_label: str = "",
    changes: dict | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Write one audit entry. ``event`` must be declared; secrets in the payload are masked.
    ``actor`` says who and from where (None or PLATFORM: the platform itself)."""
    if event not in EVENTS:
        raise ValueError(f"unregistered audit event {event!r}")
    user = actor.user if actor is not None else None
    if actor is not None and actor.via:
        data = {**(data or {}), "via": actor.via}
    return AuditEntry.objects.create(
        account=account,
        actor=user,
        actor_label=(user.email if user is not None else ""),
        ip=actor.ip if actor is not None else None,
        event=event,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label or (str(target) if target is not None else ""))[:254],
        changes=mask({k: list(v) for k, v in (changes or {}).items()}),
        data=mask(data or {}),
    )
