"""Passkey (WebAuthn) pieces that are not writes: the options handed to the browser, the
challenge each one carries, and reading what the browser sends back. Verification is
py_webauthn's (users/services_passkeys.py).

A challenge lives only in the session of the browser it was given to, for one purpose
("register", "login", "second", "confirm"), at most CHALLENGE_MAX_AGE seconds, and is taken out
of the session the first time an answer to it is checked: an answer replayed, or made for another
session's challenge, or late, has nothing to match and is refused.
"""

import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

SESSION_KEY = "passkey_challenges"
CHALLENGE_MAX_AGE = 5 * 60
TIMEOUT_MS = 120_000
PURPOSES = ("register", "login", "second", "confirm")
# ES256 (every platform authenticator and security key), EdDSA, RS256 (Windows Hello).
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
MAX_CREDENTIAL_JSON = 64 * 1024


class NoChallenge(Exception):
    """No live challenge of this purpose in this session (never given, used, or expired)."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "none")
        self.expired = expired


def rp_id() -> str:
    return settings.WEBAUTHN_RP_ID


def origins() -> list[str]:
    return list(settings.WEBAUTHN_ORIGINS)


def user_handle(user) -> bytes:
    """The WebAuthn user ID of ``user``: stable, opaque (no email, no database id in the clear)."""
    return salted_hmac("users.passkeys.user_handle", str(user.pk), algorithm="sha256").digest()


def _descriptors(passkeys) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in passkeys]


def _remember(request, purpose: str, challenge: bytes, user_id: int | None) -> None:
    stored = dict(request.session.get(SESSION_KEY) or {})
    stored[purpose] = {
        "challenge": bytes_to_base64url(challenge),
        "at": int(time.time()),
        "user": user_id,
    }
    request.session[SESSION_KEY] = stored


@dataclass(frozen=True)
class Challenge:
    challenge: bytes
    user_id: int | None


def take_challenge(request, purpose: str) -> Challenge:
    """The live challenge of ``purpose`` in this session, removed from it (single use)."""
    stored = dict(request.session.get(SESSION_KEY) or {})
    entry = stored.pop(purpose, None)
    request.session[SESSION_KEY] = stored
    if not isinstance(entry, dict):
        raise NoChallenge
    if time.time() - entry.get("at", 0) > CHALLENGE_MAX_AGE:
        raise NoChallenge(expired=True)
    return Challenge(base64url_to_bytes(entry["challenge"]), entry.get("user"))


def registration_options(request, user, existing) -> str:
    """Options for ``navigator.credentials.create()`` (JSON): a discoverable credential, user
    verification preferred, none of the user's current passkeys again."""
    options = generate_registration_options(
        rp_id=rp_id(),
        rp_name=settings.WEBAUTHN_RP_NAME,
        user_id=user_handle(user),
        user_name=user.email,
        user_display_name=user.name or user.email,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(existing),
        supported_pub_key_algs=ALGORITHMS,
    )
    _remember(request, "register", options.challenge, user.pk)
    return options_to_json(options)


def authentication_options(request, purpose: str, *, user=None, passkeys=()) -> str:
    """Options for ``navigator.credentials.get()`` (JSON). With ``passkeys``: only those may
    answer (the second factor, a confirmation); without: any discoverable credential of this
    RP (passwordless sign-in), user verification required."""
    options = generate_authentication_options(
        rp_id=rp_id(),
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(passkeys),
        user_verification=UserVerificationRequirement.PREFERRED
        if passkeys
        else UserVerificationRequirement.REQUIRED,
    )
    _remember(request, purpose, options.challenge, user.pk if user else None)
    return options_to_json(options)


def credential_id_of(credential_json: str) -> str | None:
    """The ``id`` (base64url) the browser's answer names, or None when it is not such JSON."""
    if not credential_json or len(credential_json) > MAX_CREDENTIAL_JSON:
        return None
    try:
        data = json.loads(credential_json)
    except ValueError:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    if not isinstance(value, str) or not value or len(value) > 1400:
        return None
    try:
        return bytes_to_base64url(base64url_to_bytes(value))
    except (ValueError, TypeError):
        return None


def user_handle_of(credential_json: str) -> bytes | None:
    """The ``response.userHandle`` of an assertion (a discoverable credential returns it)."""
    try:
        value = json.loads(credential_json)["response"].get("userHandle")
        return base64url_to_bytes(value) if value else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
