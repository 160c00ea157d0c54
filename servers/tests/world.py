"""Both accounts' servers, with an operation and a health check each, for the isolation crawler
and the servers tests."""

import datetime
from decimal import Decimal

from django.utils import timezone

from servers.models import (
    HealthCheck,
    Operation,
    OperationAction,
    OperationStatus,
    Server,
    ServerStatus,
    ServerType,
    Zone,
)

SIDES = {
    "a": ("198.51.100.10", "alpha-switch-1", "alpha-lon", Zone.LONDON, "sw1.alpha-voip.test"),
    "b": ("203.0.113.20", "bravo-switch-1", "bravo-fra", Zone.FRANKFURT, "sw1.bravo-voip.test"),
}


def populate(world):
    for side, (ip, alias, cluster, zone, fqdn) in SIDES.items():
        account = world[side]
        server = Server.objects.create(
            account=account,
            ip_address=ip,
            type=ServerType.SWITCH,
            cluster=cluster,
            alias=alias,
            zone=zone,
            fqdn=fqdn,
            cps=20,
            channels=200,
            expires=datetime.date(2030, 1, 31),
            status=ServerStatus.ACTIVE,
            cost_per_month=Decimal("49.00"),
            currency=account.currency,
            udp_ports=[5060, 5080],
            tcp_ports=[5060],
            global_sip_trace=True,
        )
        now = timezone.now()
        Operation.objects.create(
            account=account,
            server=server,
            action=OperationAction.RESTART,
            status=OperationStatus.DONE,
            requested_by=world[f"admin_{side}"],
            requested_at=now,
            finished_at=now,
            server_status_before=ServerStatus.ACTIVE,
            server_status_after=ServerStatus.ACTIVE,
            message="Recorded: the server is Active.",
        )
        check = HealthCheck.objects.create(
            account=account,
            server=server,
            checked_at=now,
            target=f"{ip}:5060",
            outcome="ok",
            summary="200 OK",
            status_code=200,
            server_header=f"{alias} SIP server",
            rtt_ms=12.8,
            transmissions=1,
        )
        Server.objects.for_account(account).filter(pk=server.pk).update(
            last_check_at=check.checked_at,
            last_check_outcome=check.outcome,
            last_check_summary=check.summary,
            last_check_rtt_ms=check.rtt_ms,
        )
        server.refresh_from_db()
        world[f"server_{side}"] = server
        world.setdefault(f"markers_{side}", []).extend([ip, alias, fqdn, cluster])
