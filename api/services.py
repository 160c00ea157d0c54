"""Writes about API tokens (create, revoke), each audited, and the one place a presented token is
turned into the actor it acts as."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.actors import Actor
from accounts.errors import Refused
from accounts.ipnets import ip_allowed
from accounts.permissions import MODULES, require_write
from accounts.policy import address_allowed
from accounts.scopes import SCOPE_LEVELS, grantable_scopes

from .models import SHOWN_PREFIX_LENGTH, TOKEN_PREFIX, ApiToken

# The panel updates "last used" at most this often per token (one write a minute, not one a call).
LAST_USED_EVERY_SECONDS = 60


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _scope_text(scopes: dict) -> list[str]:
    return [f"{key}:{level}" for key, level in sorted(scopes.items())]


@transaction.atomic
def create_token(
    *, actor: Actor, name: str, scopes: dict[str, str], expires=None, ip_allowlist: str = ""
) -> tuple[ApiToken, str]:
    """A new token of the actor's account acting as the actor; returns it and the token text,
    shown once. Scopes beyond what the actor holds now are refused (field ``scopes``)."""
    require_write(actor, "config")
    name = " ".join(name.split())
    if not name:
        raise Refused("Give the token a name.", "name")
    unknown = sorted(set(scopes) - set(MODULES))
    if unknown or any(level not in SCOPE_LEVELS for level in scopes.values()):
        raise Refused("Unknown scope: " + ", ".join(unknown or _scope_text(scopes)), "scopes")
    if not scopes:
        raise Refused("Choose at least one scope.", "scopes")
    holdable = grantable_scopes(actor.access)
    beyond = [
        f"{MODULES[key].label} {level}"
        for key, level in sorted(scopes.items())
        if level not in holdable.get(key, ())
    ]
    if beyond:
        raise Refused(
            "A token cannot hold more than you may do yourself: " + ", ".join(beyond) + ".",
            "scopes",
        )
    if expires is not None and expires <= timezone.now():
        raise Refused("The expiry is in the past.", "expires")
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        account=actor.account,
        created_by=actor.user,
        name=name,
        scopes=dict(scopes),
        prefix=text[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_token(text),
        expires=expires,
        ip_allowlist=ip_allowlist.strip(),
    )
    token.full_clean()
    token.save()
    audit.record(
        "api_token.created",
        account=actor.account,
        actor=actor,
        target=token,
        changes=audit.diff(
            {},
            {
                "name": token.name,
                "scopes": _scope_text(token.scopes),
                "expires": audit.jsonable(token.expires),
                "ip_allowlist": token.ip_allowlist,
            },
        ),
    )
    return token, text


@transaction.atomic
def revoke_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    require_write(actor, "config")
    token = ApiToken.objects.for_account(actor.account).select_for_update().get(pk=token.pk)
    if token.revoked:
        raise Refused("This token is already revoked.")
    token.revoked = timezone.now()
    token.save(update_fields=["revoked"])
    audit.record("api_token.revoked", account=token.account, actor=actor, target=token)
    return token


@dataclass(frozen=True)
class Refusal:
    status: int  # 401: no such usable token; 403: not from here
    code: str
    message: str


def authenticate(presented: str, ip: str | None) -> tuple[Actor | None, ApiToken | None, Refusal]:
    """The actor a presented token acts as (its user now, narrowed to its scopes), or why not.
    Unknown, revoked and expired tokens and inactive or deleted users are all a 401."""
    unusable = Refusal(401, "invalid_token", "The API token is unknown, revoked or expired.")
    if not presented.startswith(TOKEN_PREFIX) or len(presented) > 200:
        return None, None, unusable
    token = (
        ApiToken.all_accounts.select_related("created_by__account", "account")  # by its hash
        .filter(token_hash=hash_token(presented))
        .first()
    )
    if token is None or token.revoked or token.is_expired:
        return None, None, unusable
    user = token.created_by
    if not user.is_active or user.account_id != token.account_id:
        return None, None, unusable
    if not ip_allowed(ip, token.ip_allowlist):
        return None, token, Refusal(403, "ip_refused", f"This token may not be used from {ip}.")
    if not ip_allowed(ip, user.ip_whitelist) or not address_allowed(user.account, ip):
        message = f"The token's user may not act from {ip} (their IP whitelist, or the account's)."
        return None, token, Refusal(403, "ip_refused", message)
    actor = Actor(user=user, ip=ip, via=f"API token “{token.name}”", scopes=token.scope_items())
    _touch(token, ip)
    return actor, token, Refusal(200, "", "")


def _touch(token: ApiToken, ip: str | None) -> None:
    now = timezone.now()
    fresh = token.last_used and (now - token.last_used).total_seconds() < LAST_USED_EVERY_SECONDS
    if fresh and token.last_used_ip == ip:
        return
    ApiToken.objects.for_account(token.account).filter(pk=token.pk).update(
        last_used=now, last_used_ip=ip
    )
