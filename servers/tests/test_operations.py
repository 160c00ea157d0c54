"""Actions ▾: which action runs from which status, Reactivate's balance, one action at a time per
server, the task and the pluggable executor, bad and forged POSTs."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accounts.actors import PLATFORM, Actor
from accounts.errors import Refused
from accounts.models import Account, AuditEntry
from servers import services
from servers.models import Operation, OperationStatus, Server, ServerStatus
from servers.tasks import run_operation

QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
ALLOWED = {
    ("stopped", "start"),
    ("active", "stop"),
    ("active", "restart"),
    ("expired", "reactivate"),
}
RESULT = {"start": "active", "stop": "stopped", "restart": "active", "reactivate": "active"}


def operate(client, server, action):
    return client.post(f"/servers/{server.pk}/operate/", {"action": action}, follow=True)


def set_status(server, status):
    Server.objects.for_account(server.account).filter(pk=server.pk).update(status=status)
    server.refresh_from_db()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


REFUSALS = {
    "pending": (
        "The server is still Pending: the platform is deploying it, so no action is possible yet."
    ),
    "expired": "The server is Expired: Reactivate it before you {action} it.",
}


@pytest.mark.parametrize("status", ["active", "stopped", "expired", "pending"])
@pytest.mark.parametrize("action", ["start", "stop", "restart", "reactivate"])
def test_each_action_runs_only_from_its_status(
    world, django_capture_on_commit_callbacks, status, action
):
    server = world["server_a"]
    set_status(server, status)
    actor = Actor(world["admin_a"])
    operations_before = Operation.objects.for_account(world["a"]).count()
    if (status, action) in ALLOWED:
        with django_capture_on_commit_callbacks(execute=True):
            operation = services.request_operation(actor=actor, server=server, action=action)
        server.refresh_from_db()
        operation.refresh_from_db()
        assert server.status == RESULT[action]
        assert operation.action == action and operation.status == OperationStatus.DONE
        assert operation.requested_by == world["admin_a"]
        assert operation.server_status_before == status
        assert operation.server_status_after == RESULT[action]
        return
    with pytest.raises(Refused) as refused:
        services.request_operation(actor=actor, server=server, action=action)
    server.refresh_from_db()
    assert server.status == status
    assert Operation.objects.for_account(world["a"]).count() == operations_before
    expected = REFUSALS.get(status, "").format(action=action)
    if not expected:
        allowed = {"start": "Stopped", "reactivate": "Expired"}.get(action, "Active")
        label = action.title()
        expected = f"{label} is only possible when the server is {allowed}; it is {status.title()}."
    assert refused.value.message == expected


def test_the_page_offers_only_what_the_service_allows(world, client_admin_a):
    server = world["server_a"]
    for status in ("active", "stopped", "expired", "pending"):
        set_status(server, status)
        page = client_admin_a.get(f"/servers/{server.pk}/").content.decode()
        enabled = {
            action
            for action in ("start", "stop", "restart", "reactivate")
            if f'disabled aria-describedby="why-{action}"' not in page
        }
        assert enabled == {a for s, a in ALLOWED if s == status}, status


def test_an_action_from_the_page_is_done_audited_and_in_the_history(transactional_db, world):
    from tests.conftest import signed_in_client

    client = signed_in_client(world["admin_a"])
    server = world["server_a"]
    response = operate(client, server, "stop")
    assert "Stop: done. Recorded: the server is Stopped." in messages_of(response)
    server.refresh_from_db()
    assert server.status == ServerStatus.STOPPED
    requested = AuditEntry.objects.get(event="server.operation_requested")
    assert requested.actor == world["admin_a"] and requested.account == world["a"]
    assert requested.data == {"action": "Stop", "status": "Active"}
    assert requested.target_label == "alpha-switch-1 (198.51.100.10)"
    finished = AuditEntry.objects.get(event="server.operation_finished")
    assert finished.actor is None and finished.account == world["a"]
    assert finished.changes == {"status": ["active", "stopped"]}
    assert finished.data["result"] == "Done" and finished.data["requested_by"] == "admin@alpha.test"
    body = response.content.decode()
    history = body[body.index('id="operations-title"') :]
    assert history.index("<td>Stop</td>") < history.index("Recorded: the server is Stopped.")
    assert 'badge--ok">Done<' in history and "Ada Alpha" in history
    assert 'badge--bad" id="server-status">Stopped<' in body


# --- Reactivate and the balance ----------------------------------------------------------------


@pytest.mark.parametrize("balance", ["0", "-12.50"])
def test_reactivate_needs_a_positive_balance(world, client_admin_a, balance):
    server = world["server_a"]
    set_status(server, ServerStatus.EXPIRED)
    Account.objects.filter(pk=world["a"].pk).update(balance=Decimal(balance))
    response = operate(client_admin_a, server, "reactivate")
    shown = "$0.00 USD" if balance == "0" else "-$12.50 USD"
    assert (
        f"Reactivate was not done. Reactivate needs a positive account balance; the balance is "
        f"{shown}. Make a payment first." in messages_of(response)
    )
    server.refresh_from_db()
    assert server.status == ServerStatus.EXPIRED
    assert not Operation.objects.for_account(world["a"]).filter(action="reactivate").exists()
    page = client_admin_a.get(f"/servers/{server.pk}/").content.decode()
    assert 'disabled aria-describedby="why-reactivate"' in page


def test_reactivate_with_a_positive_balance_renews_the_server(
    world, django_capture_on_commit_callbacks
):
    server = world["server_a"]
    Server.objects.for_account(world["a"]).filter(pk=server.pk).update(
        status=ServerStatus.EXPIRED, expires=datetime.date(2024, 1, 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_operation(
            actor=Actor(world["admin_a"]), server=server, action="reactivate"
        )
    server.refresh_from_db()
    assert server.status == ServerStatus.ACTIVE
    assert server.expires == timezone.localdate() + datetime.timedelta(days=30)
    finished = AuditEntry.objects.get(event="server.operation_finished")
    assert finished.changes["expires"] == ["2024-01-01", server.expires.isoformat()]


def test_the_balance_is_read_when_the_action_is_asked_for(
    world, django_capture_on_commit_callbacks
):
    """The account object a view holds may be stale; the service reads the balance afresh."""
    server = world["server_a"]
    set_status(server, ServerStatus.EXPIRED)
    stale = Account.objects.get(pk=world["a"].pk)
    Account.objects.filter(pk=stale.pk).update(balance=Decimal("0"))
    server.account = stale  # balance 1138.17 in memory
    with pytest.raises(Refused, match="positive account balance"):
        services.request_operation(
            actor=Actor(world["admin_a"]), server=server, action="reactivate"
        )


# --- bad and forged POSTs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "format-disk"}, "“format-disk” is not an action a server has"),
        ({"action": ""}, "Choose an action: Start, Stop, Restart or Reactivate."),
        ({}, "Choose an action"),
        ({"action": "x" * 500}, "is not an action a server has"),
    ],
)
def test_an_unknown_action_changes_nothing(world, client_admin_a, data, message):
    server = world["server_a"]
    response = client_admin_a.post(f"/servers/{server.pk}/operate/", data)
    assert response.status_code == 302 and response["Location"] == f"/servers/{server.pk}/"
    page = client_admin_a.get(response["Location"])
    assert any(message in m for m in messages_of(page))
    server.refresh_from_db()
    assert server.status == ServerStatus.ACTIVE
    assert Operation.objects.for_account(world["a"]).count() == 1  # the world's own


def test_the_service_refuses_an_unknown_action_too(world):
    with pytest.raises(Refused, match="not an action a server has"):
        services.request_operation(actor=PLATFORM, server=world["server_a"], action="wipe")


def test_get_on_operate_only_goes_back(world, client_admin_a):
    server = world["server_a"]
    response = client_admin_a.get(f"/servers/{server.pk}/operate/?action=stop")
    assert response.status_code == 302
    server.refresh_from_db()
    assert server.status == ServerStatus.ACTIVE


def test_a_read_only_user_cannot_operate(world, admin_a):
    from tests.conftest import signed_in_client

    admin_a.read_only = True
    admin_a.save()
    server = world["server_a"]
    response = signed_in_client(admin_a).post(f"/servers/{server.pk}/operate/", {"action": "stop"})
    assert response.status_code == 403
    server.refresh_from_db()
    assert server.status == ServerStatus.ACTIVE


def test_the_service_rechecks_permission(world):
    world["admin_a"].read_only = True
    world["admin_a"].save()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.request_operation(
            actor=Actor(world["admin_a"]), server=world["server_a"], action="stop"
        )


# --- one action at a time --------------------------------------------------------------------


@override_settings(TASKS=QUEUED)
def test_a_queued_action_blocks_the_next_until_it_is_done(world, client_admin_a):
    server = world["server_a"]
    response = operate(client_admin_a, server, "restart")
    assert "Restart was requested. The history below shows when it is done." in messages_of(
        response
    )
    operation = Operation.objects.for_account(world["a"]).get(status=OperationStatus.REQUESTED)
    page = client_admin_a.get(f"/servers/{server.pk}/").content.decode()
    assert "Another action is still running on this server (Restart, requested just now)" in page
    assert page.count("disabled aria-describedby") == 4

    response = operate(client_admin_a, server, "stop")
    assert any(
        "Stop was not done. Another action is still running" in m for m in messages_of(response)
    )
    assert Operation.objects.for_account(world["a"]).filter(action="stop").count() == 0

    run_operation.call(operation.pk)  # what the worker does
    operation.refresh_from_db()
    assert operation.status == OperationStatus.DONE
    response = operate(client_admin_a, server, "stop")
    assert "Stop was requested. The history below shows when it is done." in messages_of(response)


@override_settings(TASKS=QUEUED)
def test_a_task_run_twice_does_the_operation_once(world):
    server = world["server_a"]
    operation = services.request_operation(actor=PLATFORM, server=server, action="stop")
    assert run_operation.call(operation.pk) == "done"
    assert run_operation.call(operation.pk) == "skipped"
    assert AuditEntry.objects.filter(event="server.operation_finished").count() == 1


@override_settings(TASKS=QUEUED, SERVER_OPERATION_STALE_MINUTES=30)
def test_an_operation_the_executor_never_finished_stops_blocking(world):
    server = world["server_a"]
    stuck = services.request_operation(actor=PLATFORM, server=server, action="restart")
    Operation.objects.for_account(world["a"]).filter(pk=stuck.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=31)
    )
    services.request_operation(actor=PLATFORM, server=server, action="stop")
    stuck.refresh_from_db()
    assert stuck.status == OperationStatus.FAILED
    assert stuck.message == "No result from the platform within 30 minutes."


def test_the_database_allows_one_running_operation_per_server(world):
    from django.db import IntegrityError, transaction

    server = world["server_a"]
    fields = {
        "account": world["a"],
        "server": server,
        "action": "stop",
        "requested_at": timezone.now(),
        "server_status_before": "active",
    }
    Operation.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Operation.objects.create(**fields)
    Operation.objects.create(**{**fields, "status": OperationStatus.DONE})  # history is fine


@override_settings(TASKS=QUEUED)
def test_losing_the_race_at_the_insert_is_a_refusal(world, monkeypatch):
    """Another request inserts its operation between our checks and our insert (what the
    partial unique index stops when the row lock cannot, e.g. on SQLite)."""
    from servers import actions

    server = world["server_a"]

    def competitor_sneaks_in(action, server_, account):
        Operation.objects.create(
            account=world["a"],
            server=server_,
            action="restart",
            requested_at=timezone.now(),
            server_status_before="active",
        )
        return actions.refusal(action, server_, account)

    monkeypatch.setattr(services, "refusal", competitor_sneaks_in)
    with pytest.raises(Refused, match="at the same moment"):
        services.request_operation(actor=PLATFORM, server=server, action="stop")
    assert Operation.objects.for_account(world["a"]).filter(action="stop").count() == 0


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks and its in-memory test database serialises connections by "
    "raising 'table is locked'; the race runs on PostgreSQL (CI), the insert guard above on both",
)
@override_settings(TASKS=QUEUED)
def test_two_concurrent_actions_on_one_server_one_runs(transactional_db, world):
    server = world["server_a"]
    barrier = threading.Barrier(2)
    outcomes = []

    def ask(action):
        try:
            barrier.wait()
            services.request_operation(actor=Actor(world["admin_a"]), server=server, action=action)
            outcomes.append("requested")
        except Refused as refused:
            outcomes.append(refused.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(a,)) for a in ("restart", "stop")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes)[-1] == "requested"
    assert outcomes.count("requested") == 1, outcomes
    assert Operation.objects.for_account(world["a"]).filter(status="requested").count() == 1


# --- the executor ----------------------------------------------------------------------------


@override_settings(SERVER_OPERATION_EXECUTOR="servers.tests.executors.BrokenExecutor")
def test_an_executor_that_raises_fails_the_operation_without_leaking_its_details(
    transactional_db, world, caplog
):
    from tests.conftest import signed_in_client

    client_admin_a = signed_in_client(world["admin_a"])
    server = world["server_a"]
    response = operate(client_admin_a, server, "stop")
    assert (
        "Stop failed. The platform could not carry out the action. Try again later."
        in messages_of(response)
    )
    server.refresh_from_db()
    assert server.status == ServerStatus.ACTIVE
    operation = Operation.objects.for_account(world["a"]).get(action="stop")
    assert operation.status == OperationStatus.FAILED and operation.finished_at is not None
    body = client_admin_a.get(f"/servers/{server.pk}/").content.decode()
    assert "10.1.2.3" not in body and 'badge--bad">Failed<' in body
    assert "orchestrator at 10.1.2.3" in caplog.text  # for the platform's own eyes
    finished = AuditEntry.objects.get(event="server.operation_finished")
    assert finished.data["result"] == "Failed" and finished.changes == {}


@override_settings(SERVER_OPERATION_EXECUTOR="servers.tests.executors.RefusingExecutor")
def test_an_executor_that_refuses_says_why(world, django_capture_on_commit_callbacks):
    server = world["server_a"]
    with django_capture_on_commit_callbacks(execute=True):
        operation = services.request_operation(actor=PLATFORM, server=server, action="restart")
    operation.refresh_from_db()
    assert operation.status == OperationStatus.FAILED
    assert operation.message == "The hypervisor has no capacity in this zone."
    server.refresh_from_db()
    assert server.status == ServerStatus.ACTIVE


@override_settings(SERVER_OPERATION_EXECUTOR="servers.tests.executors.RefusingExecutor")
def test_a_failed_operation_is_reported_on_the_page(transactional_db, world):
    from tests.conftest import signed_in_client

    response = operate(signed_in_client(world["admin_a"]), world["server_a"], "restart")
    assert "Restart failed. The hypervisor has no capacity in this zone." in messages_of(response)


def change_ports(server):
    data = {
        "udp_ports": [5070],
        "tcp_ports": [],
        **dict.fromkeys(services.CONFIG_FIELDS[2:], False),
    }
    return services.update_config(actor=PLATFORM, server=server, data=data)[0]


def test_a_restart_applies_a_changed_config(world, django_capture_on_commit_callbacks):
    server = world["server_a"]
    server = change_ports(server)
    assert server.restart_needed
    with django_capture_on_commit_callbacks(execute=True):
        services.request_operation(actor=PLATFORM, server=server, action="restart")
    server.refresh_from_db()
    assert not server.restart_needed


def test_a_config_change_to_a_stopped_server_needs_no_restart(world):
    server = world["server_a"]
    set_status(server, ServerStatus.STOPPED)
    server = change_ports(server)
    assert not server.restart_needed
