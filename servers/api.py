"""My Servers' REST API (declared in servers/panel.py, mounted by the api app): the servers with
the panel's search, one server with its recent health checks and operations, the health check
(SIP OPTIONS now, through services.check_server) and the actions (Start, Stop, Restart,
Reactivate, through services.request_operation and its rules)."""

from datetime import date, datetime
from typing import Literal

from ninja import Query, Router, Schema, Status

from accounts.apikit import (
    DEFAULT_PAGE_SIZE,
    Id,
    Input,
    Page,
    PageNumber,
    PageSize,
    SearchText,
    get_or_404,
    need,
    not_found,
    paginate,
    refused,
)
from accounts.errors import Refused

from . import services
from .actions import ACTIONS
from .models import HealthCheck, Operation, Server, ServerStatus, ServerType, Zone
from .views import search_servers

servers_router = Router(tags=["Servers"])

RECENT = 10
SORTS = {
    "ip": ("ip_address", "id"),
    "-ip": ("-ip_address", "-id"),
    "alias": ("alias", "id"),
    "type": ("type", "id"),
    "zone": ("zone", "id"),
    "expires": ("expires", "id"),
    "status": ("status", "id"),
    "cost": ("cost_per_month", "id"),
}
Sort = Literal[tuple(SORTS)]
Action = Literal[tuple(ACTIONS)]


class ServerOut(Schema):
    id: int
    name: str
    ip_address: str
    type: str
    cluster: str
    alias: str
    zone: str
    fqdn: str
    cps: int
    channels: int
    signalling_address: str
    expires: date | None
    status: str
    cost_per_month: str
    currency: str
    restart_needed: bool
    last_check_at: datetime | None
    last_check_outcome: str
    last_check_summary: str
    last_check_rtt_ms: float | None


class HealthCheckOut(Schema):
    id: int
    checked_at: datetime
    target: str
    outcome: str
    summary: str
    status_code: int | None
    server_header: str
    rtt_ms: float | None


class OperationOut(Schema):
    id: int
    action: str
    status: str
    requested_at: datetime
    finished_at: datetime | None
    message: str


class ServerDetail(ServerOut):
    health_checks: list[HealthCheckOut]  # the newest first
    operations: list[OperationOut]


class ServerPage(Page):
    items: list[ServerOut]


class ServerFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    q: SearchText = ""  # the panel's search: IP, alias, cluster, FQDN, type, zone, status
    type: Literal[tuple(ServerType.values)] | None = None
    zone: Literal[tuple(Zone.values)] | None = None
    status: Literal[tuple(ServerStatus.values)] | None = None
    sort: Sort = "ip"


class ActionRequest(Input):
    action: Action


FIELDS = [n for n in ServerOut.model_fields if n not in ("name", "ip_address", "cost_per_month")]


def _server_out(server: Server) -> dict:
    return {
        **{name: getattr(server, name) for name in FIELDS},
        "name": server.name,
        "ip_address": str(server.ip_address),
        "cost_per_month": f"{server.cost_per_month:f}",
    }


def _check_out(check: HealthCheck) -> dict:
    return {name: getattr(check, name) for name in HealthCheckOut.model_fields}


def _operation_out(operation: Operation) -> dict:
    return {name: getattr(operation, name) for name in OperationOut.model_fields}


def _server(request, server_id: int) -> Server:
    return get_or_404(Server.objects.for_account(request.account), "server", pk=server_id)


def _detail(request, server: Server) -> dict:
    account = request.account
    checks = HealthCheck.objects.for_account(account).filter(server=server)[:RECENT]
    operations = Operation.objects.for_account(account).filter(server=server)[:RECENT]
    return {
        **_server_out(server),
        "health_checks": [_check_out(c) for c in checks],
        "operations": [_operation_out(o) for o in operations],
    }


@servers_router.get("", response=ServerPage, summary="Servers, by IP")
def list_servers(request, filters: Query[ServerFilters]):
    need(request, "servers")
    servers = Server.objects.for_account(request.account).order_by(*SORTS[filters.sort])
    if filters.q.strip():
        servers = search_servers(servers, filters.q.strip())
    for name in ("type", "zone", "status"):
        if getattr(filters, name):
            servers = servers.filter(**{name: getattr(filters, name)})
    rows, meta = paginate(servers, filters.page, filters.page_size)
    return {**meta, "items": [_server_out(s) for s in rows]}


@servers_router.get(
    "/{int:server_id}",
    response=ServerDetail,
    summary="One server, with its latest health checks and operations",
)
def get_server(request, server_id: Id):
    need(request, "servers")
    return _detail(request, _server(request, server_id))


@servers_router.post(
    "/{int:server_id}/health-check",
    response=HealthCheckOut,
    summary="Send SIP OPTIONS to the server now and answer what came back",
)
def health_check(request, server_id: Id):
    need(request, "servers", write=True)
    server = _server(request, server_id)
    check = services.check_server(actor=request.actor, server=server)
    if check is None:  # deleted while the check ran
        raise not_found("server")
    return _check_out(check)


@servers_router.post(
    "/{int:server_id}/actions",
    response={202: OperationOut},
    summary="Start, stop, restart or reactivate the server (carried out in the background)",
)
def request_action(request, server_id: Id, payload: ActionRequest):
    """409 with the reason when the server's status, the balance or a running action does not
    allow it now."""
    need(request, "servers", write=True)
    server = _server(request, server_id)
    try:
        operation = services.request_operation(
            actor=request.actor, server=server, action=payload.action
        )
    except Refused as error:
        failed = refused(error)
        if set(failed.fields) == {"action"}:  # about the server's state, not the input
            failed.status, failed.code, failed.fields = 409, "conflict", {}
        raise failed from None
    operation.refresh_from_db()  # with an inline task backend it has run already
    return Status(202, _operation_out(operation))
