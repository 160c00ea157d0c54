"""Every write about servers: the config an account edits, the operations it asks for, and the
health checks it runs.

Each write runs in a transaction and leaves an audit entry. Operations are carried out by a task
(tasks.run_operation, enqueued on commit) that calls the pluggable executor outside any
transaction; health checks send SIP OPTIONS before any transaction opens and are recorded after.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.timesince import timesince

from accounts import audit
from accounts.actors import PLATFORM, Actor
from accounts.errors import Refused
from accounts.metrics import SIP_HEALTH_CHECKS
from accounts.models import Account
from accounts.parallel import check_in_parallel
from accounts.permissions import require_write

from . import health, sip
from .actions import ACTIONS, refusal
from .executors import Outcome, executor
from .models import FLAGS, HealthCheck, Operation, OperationStatus, Server, ServerStatus

log = logging.getLogger(__name__)

EXECUTOR_FAILED = "The platform could not carry out the action. Try again later."
CONFIG_FIELDS = ["udp_ports", "tcp_ports", *(name for name, _label in FLAGS)]
HISTORY_KEPT = 50  # health checks kept per server; older ones are deleted as new ones arrive
RESTARTS_APPLY_CONFIG = {"start", "restart", "reactivate"}


# --- config ----------------------------------------------------------------------------------


@transaction.atomic
def update_config(*, actor: Actor, server: Server, data: dict) -> tuple[Server, dict]:
    """Change the server's ports and flags; returns the server and the changes (before → after).

    A change to a running server is applied by its next Restart: the server is marked
    ``restart_needed`` until a Start, Restart or Reactivate is done.
    """
    require_write(actor, "servers")
    server = _locked(server)
    before = audit.snapshot(server, CONFIG_FIELDS)
    for field in CONFIG_FIELDS:
        setattr(server, field, data[field])
    server.full_clean(validate_unique=False, validate_constraints=False)
    changes = audit.diff(before, audit.snapshot(server, CONFIG_FIELDS))
    if not changes:
        return server, {}
    if server.status == ServerStatus.ACTIVE:
        server.restart_needed = True
    server.save(update_fields=[*CONFIG_FIELDS, "restart_needed"])
    audit.record(
        "server.config_updated", account=server.account, actor=actor, target=server, changes=changes
    )
    return server, changes


# --- operations ------------------------------------------------------------------------------


def running_operation_text(operation: Operation) -> str:
    age = timezone.now() - operation.requested_at
    when = "just now" if age.total_seconds() < 60 else f"{timesince(operation.requested_at)} ago"
    return (
        f"Another action is still running on this server ({operation.get_action_display()}, "
        f"requested {when}). Wait until it finishes."
    )


@transaction.atomic
def request_operation(*, actor: Actor, server: Server, action: str) -> Operation:
    """Ask for ``action`` on ``server``. Refused (with the reason) when the server's status does
    not allow it, when Reactivate meets a balance that is not positive, or while another
    operation on the server is still running. The task carrying it out is enqueued on commit."""
    require_write(actor, "servers")
    spec = ACTIONS.get(action)
    if spec is None:
        raise Refused(f"“{action[:40]}” is not an action a server has.", "action")
    server = _locked(server)  # one request at a time per server decides
    _fail_stale_operations(server)
    running = _operations(server).filter(status=OperationStatus.REQUESTED).first()
    if running is not None:
        raise Refused(running_operation_text(running), "action")
    account = Account.objects.get(pk=server.account_id)  # the balance as it is now
    reason = refusal(spec, server, account)
    if reason:
        raise Refused(reason, "action")
    try:
        with transaction.atomic():
            operation = Operation.objects.create(
                account=server.account,
                server=server,
                action=spec.key,
                requested_by=actor.user,
                requested_at=timezone.now(),
                server_status_before=server.status,
            )
    except IntegrityError as exc:  # another request won the race (the partial unique index)
        raise Refused(
            "Another action was requested on this server at the same moment. "
            "Wait until it finishes.",
            "action",
        ) from exc
    audit.record(
        "server.operation_requested",
        account=server.account,
        actor=actor,
        target=server,
        data={"action": spec.label, "status": server.get_status_display()},
    )
    transaction.on_commit(lambda: _enqueue(operation.pk))
    return operation


def _enqueue(operation_id: int) -> None:
    from .tasks import run_operation

    run_operation.enqueue(operation_id)


def execute_operation(operation_id: int) -> Operation | None:
    """Carry out a Requested operation with the configured executor (the task's body). The
    executor runs outside any transaction; None when the operation is gone or already finished
    (a task run twice does nothing twice)."""
    operation = (
        Operation.all_accounts.select_related("server")
        .filter(pk=operation_id, status=OperationStatus.REQUESTED)
        .first()
    )
    if operation is None:
        return None
    try:
        outcome = executor().execute(operation)
    except Exception:  # the platform's orchestration failed; its details stay in the log
        log.exception("server operation %s: the executor failed", operation_id)
        outcome = Outcome(ok=False, message=EXECUTOR_FAILED)
    return finish_operation(operation_id, outcome)


@transaction.atomic
def finish_operation(operation_id: int, outcome: Outcome) -> Operation | None:
    """Record an operation's outcome once (a conditional update: Requested → Done or Failed)
    and, when it succeeded, the server's new status."""
    operation = (
        Operation.all_accounts.select_for_update()
        .select_related("server")
        .filter(pk=operation_id, status=OperationStatus.REQUESTED)
        .first()
    )
    if operation is None:
        return None
    server = _locked(operation.server)
    before = audit.snapshot(server, ["status", "expires"])
    if outcome.ok:
        if outcome.status:
            server.status = outcome.status
        if outcome.expires is not None:
            server.expires = outcome.expires
        if operation.action in RESTARTS_APPLY_CONFIG:
            server.restart_needed = False
        server.save(update_fields=["status", "expires", "restart_needed"])
    operation.status = OperationStatus.DONE if outcome.ok else OperationStatus.FAILED
    operation.finished_at = timezone.now()
    operation.server_status_after = server.status
    operation.message = outcome.message[:300]
    operation.save(update_fields=["status", "finished_at", "server_status_after", "message"])
    audit.record(
        "server.operation_finished",
        account=operation.account,
        actor=PLATFORM,
        target=server,
        changes=audit.diff(before, audit.snapshot(server, ["status", "expires"])),
        data={
            "action": operation.get_action_display(),
            "result": operation.get_status_display(),
            "message": operation.message,
            "requested_by": operation.requested_by.email if operation.requested_by else "",
        },
    )
    return operation


def _fail_stale_operations(server: Server) -> None:
    """An operation the executor never finished (a worker lost) stops blocking the server after
    SERVER_OPERATION_STALE_MINUTES; it is recorded as Failed."""
    cutoff = timezone.now() - timedelta(minutes=settings.SERVER_OPERATION_STALE_MINUTES)
    stale = _operations(server).filter(status=OperationStatus.REQUESTED, requested_at__lt=cutoff)
    for operation in stale:
        finish_operation(
            operation.pk,
            Outcome(
                ok=False,
                message=(
                    "No result from the platform within "
                    f"{settings.SERVER_OPERATION_STALE_MINUTES} minutes."
                ),
            ),
        )


def _operations(server: Server):
    return Operation.objects.for_account(server.account).filter(server=server)


# --- health checks ---------------------------------------------------------------------------


def check_server(*, actor: Actor, server: Server) -> HealthCheck | None:
    """Send SIP OPTIONS to the server now and record the answer (None: deleted meanwhile)."""
    require_write(actor, "servers")
    target = health.Target.of(server)
    result = health.check(target)  # no transaction is open while we wait for the answer
    return record_check(actor=actor, server=server, target=target, result=result)


def check_servers(*, actor: Actor, servers) -> list[HealthCheck]:
    """Check several servers side by side: N servers take about one timeout per 8."""
    require_write(actor, "servers")
    servers = list(servers)
    targets = [health.Target.of(s) for s in servers]
    results = check_in_parallel(
        targets,
        health.check,
        timeout=settings.SIP_OPTIONS_TIMEOUT + 0.5,
        failed=health.not_finished,
    )
    checks = []
    for server, target, result in zip(servers, targets, results, strict=True):
        check = record_check(actor=actor, server=server, target=target, result=result)
        if check is not None:
            checks.append(check)
    return checks


@transaction.atomic
def record_check(
    *, actor: Actor, server: Server, target: health.Target, result: sip.OptionsResult
) -> HealthCheck | None:
    """Store a check: a history row, the server's last result, the audit entry.

    A check by a person is always audited; the scheduled check (PLATFORM) only when the outcome
    changes, so the audit log is not a line per server per run.
    """
    locked = (
        Server.objects.for_account(server.account).select_for_update().filter(pk=server.pk).first()
    )
    if locked is None or health.Target.of(locked) != target:
        return None  # deleted, or its address changed while the check ran
    server = locked
    before = server.last_check_outcome
    check = HealthCheck.objects.create(
        account=server.account,
        server=server,
        checked_at=timezone.now(),
        checked_by=actor.user,
        target=str(target),
        outcome=result.outcome,
        summary=result.summary[:200],
        status_code=result.status_code,
        server_header=result.server,
        rtt_ms=result.rtt_ms,
        transmissions=result.transmissions,
    )
    SIP_HEALTH_CHECKS.inc_on_commit(result=check.outcome)
    server.last_check_at = check.checked_at
    server.last_check_outcome = check.outcome
    server.last_check_summary = check.summary
    server.last_check_rtt_ms = check.rtt_ms
    server.save(
        update_fields=[
            "last_check_at",
            "last_check_outcome",
            "last_check_summary",
            "last_check_rtt_ms",
        ]
    )
    _prune_history(server)
    if not actor.is_platform or before != check.outcome:
        audit.record(
            "server.health_checked",
            account=server.account,
            actor=actor,
            target=server,
            data={
                "target": check.target,
                "result": check.summary,
                "server_header": check.server_header,
                "round_trip": check.rtt_text,
            },
        )
    return check


def _prune_history(server: Server) -> None:
    keep = (
        HealthCheck.objects.for_account(server.account)
        .filter(server=server)
        .values_list("pk", flat=True)[:HISTORY_KEPT]
    )
    HealthCheck.objects.for_account(server.account).filter(server=server).exclude(
        pk__in=list(keep)
    ).delete()


def check_all_servers(*, batch: int = 50):
    """Check every server of every account (the periodic command); yields (before, check)."""
    ids = list(Server.all_accounts.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        servers = list(
            Server.all_accounts.select_related("account").filter(pk__in=ids[start : start + batch])
        )
        before = {s.pk: s.get_last_check_outcome_display() for s in servers}
        for check in check_servers(actor=PLATFORM, servers=servers):
            yield before[check.server_id], check


def _locked(server: Server) -> Server:
    locked = (
        Server.objects.for_account(server.account).select_for_update().filter(pk=server.pk).first()
    )
    if locked is None:
        raise Refused("This server no longer exists.")
    return locked
