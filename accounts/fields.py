"""Encrypted model field: Fernet tokens under a key ring from FIELD_ENCRYPTION_KEYS.

Stored form: ``fernet:<key id>:<token>``. The key id (first 8 hex characters of the key's SHA-256)
says which key wrote the value: decryption uses exactly that key (rather than MultiFernet trying
each), rotation finds stale rows without decrypting, and a missing key is reported by its id.
It fails closed: a value that is not in this form, or does not decrypt, raises
:class:`DecryptionError`; it never falls back to treating the column as plaintext.
"""

import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet"


class DecryptionError(Exception):
    pass


class KeyRing:
    def __init__(self, keys: list[str]):
        if not keys:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS is empty: encrypted fields need a key."
            )
        try:
            self._fernets = [(key_id(key), Fernet(key.encode())) for key in keys]
        except ValueError as exc:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe "
                "base64-encoded bytes); .env.example shows how to make one."
            ) from exc
        self.primary_id = self._fernets[0][0]
        self._by_id = dict(self._fernets)

    def encrypt(self, plaintext: str) -> str:
        token = self._by_id[self.primary_id].encrypt(plaintext.encode())
        return f"{PREFIX}:{self.primary_id}:{token.decode()}"

    def decrypt(self, stored: str) -> str:
        prefix, _, rest = stored.partition(":")
        kid, _, token = rest.partition(":")
        if prefix != PREFIX or not token:
            raise DecryptionError("stored value is not an encrypted token")
        fernet = self._by_id.get(kid)
        if fernet is None:
            raise DecryptionError(f"no key with id {kid} in FIELD_ENCRYPTION_KEYS")
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionError(f"value does not decrypt under key {kid}") from exc

    @staticmethod
    def stored_key_id(stored: str) -> str:
        return stored.split(":", 2)[1] if stored.count(":") >= 2 else ""


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


@cache
def _ring_for(keys: tuple[str, ...]) -> KeyRing:
    return KeyRing(list(keys))


def key_ring() -> KeyRing:
    return _ring_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


class EncryptedTextField(models.TextField):
    """A text value stored encrypted. Empty stays empty (there is nothing to hide).

    Not usable in lookups other than ``isnull`` / empty: the ciphertext differs every time.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return key_ring().decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return key_ring().encrypt(value)


def encrypted_fields():
    """Every (model, field) pair that stores an encrypted value, across installed apps."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
