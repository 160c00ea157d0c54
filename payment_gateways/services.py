"""Every write about payment gateways: add, change, delete, and recording a credentials check.

A check talks to the gateway, so it never runs inside a transaction (DESIGN: no transaction is
held open across a network call): :func:`verify_gateways` makes the calls first, in parallel,
then records each result in a short transaction of its own.
"""

import logging
import traceback

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from accounts.actors import Actor
from accounts.errors import Refused
from accounts.metrics import GATEWAY_CHECKS
from accounts.parallel import check_in_parallel
from accounts.permissions import require_write

from .models import Gateway, last4
from .providers import CheckResult, client_for

# What the audit log shows of a gateway (secrets are masked by audit.snapshot).
AUDITED_FIELDS = [
    "name",
    "type",
    "mode",
    "currencies",
    "public_key",
    "secret_key",
    "webhook_secret",
    "receiver_email",
    "webhook_id",
]
SECRET_FIELDS = ("secret_key", "webhook_secret")
DUPLICATE_NAME = "You already have a gateway with this name."
logger = logging.getLogger(__name__)


def _snapshot(gateway: Gateway) -> dict:
    values = audit.snapshot(gateway, AUDITED_FIELDS)
    values["public_key"] = last4(gateway.public_key)  # the list shows no more than this
    return values


def _apply(gateway: Gateway, data: dict) -> None:
    for name, value in data.items():
        if name in SECRET_FIELDS and not value:
            continue  # blank keeps the stored secret
        setattr(gateway, name, value)


def _save(gateway: Gateway) -> None:
    try:
        with transaction.atomic():
            gateway.save()
    except IntegrityError as exc:
        if Gateway.objects.for_account(gateway.account).filter(name__iexact=gateway.name).exists():
            raise Refused(DUPLICATE_NAME, "name") from exc
        raise


@transaction.atomic
def create_gateway(*, actor: Actor, account, gateway_type: str, data: dict) -> Gateway:
    """Add a gateway from a form's cleaned data; its status starts as Not checked."""
    require_write(actor, "api")
    gateway = Gateway(account=account, type=gateway_type)
    _apply(gateway, data)
    _save(gateway)
    audit.record(
        "gateway.created",
        account=account,
        actor=actor,
        target=gateway,
        changes=audit.diff({}, _snapshot(gateway)),
    )
    return gateway


@transaction.atomic
def update_gateway(*, actor: Actor, gateway: Gateway, data: dict) -> Gateway:
    """Change a gateway; blank secrets keep the stored ones. Changed credentials are unchecked
    until the next check (the view runs one straight after)."""
    require_write(actor, "api")
    before = _snapshot(gateway)
    _apply(gateway, data)
    after = _snapshot(gateway)
    changes = audit.diff(before, after)
    if changes.keys() & {"mode", "public_key", "secret_key"}:
        gateway.status, gateway.status_reason, gateway.checked_at = (
            Gateway.Status.NOT_CHECKED,
            "",
            None,
        )
    _save(gateway)
    if changes:
        audit.record(
            "gateway.updated",
            account=gateway.account,
            actor=actor,
            target=gateway,
            changes=changes,
        )
    return gateway


@transaction.atomic
def delete_gateways(actor: Actor, ids) -> list[str]:
    """Delete the account's gateways among ``ids`` (others' ids match nothing); their names."""
    require_write(actor, "api")
    gateways = list(Gateway.objects.for_account(actor.account).filter(pk__in=ids).order_by("name"))
    for gateway in gateways:
        audit.record(
            "gateway.deleted",
            account=gateway.account,
            actor=actor,
            target=gateway,
            changes=audit.diff(_snapshot(gateway), {}),
        )
        gateway.delete()
    return [gateway.name for gateway in gateways]


def verify_gateways(*, actor: Actor, gateways: list[Gateway]) -> list[Gateway]:
    """Check each gateway's credentials with the gateway and record Verified or Failed.

    The calls run side by side (network only, no database), each bounded by
    GATEWAY_TIMEOUT_SECONDS, so a page checking several gateways waits about one timeout.
    """
    require_write(actor, "api")
    clients = [client_for(gateway) for gateway in gateways]
    results = check_in_parallel(
        clients,
        lambda client: client.verify(),
        timeout=settings.GATEWAY_TIMEOUT_SECONDS,
        failed=_check_failed,
    )
    for gateway, result in zip(gateways, results, strict=True):
        GATEWAY_CHECKS.inc(provider=gateway.type, result="verified" if result.ok else "failed")
    return [
        _record_check(actor, gateway, result)
        for gateway, result in zip(gateways, results, strict=True)
    ]


NOT_UNDERSTOOD = "The gateway answered in a way the panel did not understand."


def _check_failed(client, exc) -> CheckResult:
    """A check that raised or did not answer in time (check_in_parallel): the operator gets a
    plain sentence; the detail (secrets cut) goes to the log."""
    if exc is None:
        return CheckResult(False, "The gateway did not answer in time.")
    detail = "".join(traceback.format_exception(exc))
    logger.error("%s check failed unexpectedly:\n%s", client.label, client.redact(detail))
    return CheckResult(False, NOT_UNDERSTOOD)


def _record_check(actor: Actor, gateway: Gateway, result: CheckResult) -> Gateway:
    # durable: recording must not join a caller's transaction, which would then have been open
    # across the network call just made.
    with transaction.atomic(durable=True):
        # Only if the credentials are still those checked (an edit meanwhile moves `updated`;
        # update() below does not): a slow, stale check must not mark new keys Verified.
        locked = Gateway.objects.for_account(gateway.account).filter(
            pk=gateway.pk, updated=gateway.updated
        )
        status = Gateway.Status.VERIFIED if result.ok else Gateway.Status.FAILED
        before = {"status": gateway.get_status_display(), "reason": gateway.status_reason}
        now = timezone.now()
        if not locked.update(status=status, status_reason=result.message, checked_at=now):
            return gateway  # deleted or changed meanwhile: nothing to record
        gateway.status, gateway.status_reason, gateway.checked_at = status, result.message, now
        audit.record(
            "gateway.checked",
            account=gateway.account,
            actor=actor,
            target=gateway,
            changes=audit.diff(
                before, {"status": gateway.get_status_display(), "reason": result.message}
            ),
            data={"result": gateway.get_status_display(), "message": result.message},
        )
    return gateway
