"""Demo servers: each demo account gets switches, dispatchers and RTP servers in several zones,
one Stopped, one Expired, and one ("sip-local-demo", 127.0.0.1:5070) whose health check answers
while ``make run``'s SIP responder runs (``manage.py sip_responder``). The others sit on
documentation addresses (RFC 5737), so their health check honestly says "no reply in 2 s".

Servers are the platform's record, created as the platform would in the admin; running the demo
again changes nothing that is there already.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from .models import Server, ServerStatus, ServerType, Zone

LOCAL_RESPONDER = ("127.0.0.1", 5070)

SWITCH, DISPATCHER, RTP = ServerType.SWITCH, ServerType.DISPATCHER, ServerType.RTP
ACTIVE, STOPPED, EXPIRED = ServerStatus.ACTIVE, ServerStatus.STOPPED, ServerStatus.EXPIRED
LON, FRA, AMS, NYC = Zone.LONDON, Zone.FRANKFURT, Zone.AMSTERDAM, Zone.NEW_YORK
SFO, BLR, SGP = Zone.SAN_FRANCISCO, Zone.BENGALURU, Zone.SINGAPORE

# ip, type, cluster, alias, zone, cps, channels, status, cost, months until expiry (None: none)
DEMO_SERVERS = {
    "Acme Telecom": [
        ("203.0.113.10", SWITCH, "lon-core", "sip-lon-1", LON, 20, 200, ACTIVE, "49", 11),
        ("203.0.113.11", SWITCH, "nyc-core", "sip-nyc-1", NYC, 30, 300, ACTIVE, "69", 11),
        ("203.0.113.20", DISPATCHER, "lon-core", "disp-lon-1", LON, 50, 0, ACTIVE, "29", None),
        ("203.0.113.30", RTP, "", "rtp-ams-1", AMS, 0, 500, ACTIVE, "19", None),
        ("203.0.113.31", RTP, "", "rtp-sgp-1", SGP, 0, 500, STOPPED, "19", None),
        ("203.0.113.40", SWITCH, "", "sip-blr-old", BLR, 10, 100, EXPIRED, "39", -1),
        ("127.0.0.1", SWITCH, "sfo-lab", "sip-local-demo", SFO, 5, 50, ACTIVE, "0", 6),
    ],
    "Globex Voice": [
        ("198.51.100.10", SWITCH, "fra-core", "sip-fra-1", FRA, 20, 200, ACTIVE, "45", 8),
        ("198.51.100.20", DISPATCHER, "fra-core", "disp-fra-1", FRA, 40, 0, ACTIVE, "25", None),
        ("198.51.100.30", RTP, "", "rtp-lon-1", LON, 0, 400, ACTIVE, "15", None),
        ("198.51.100.31", RTP, "", "rtp-sfo-1", SFO, 0, 400, ACTIVE, "15", None),
        ("198.51.100.40", SWITCH, "", "sip-sgp-old", SGP, 10, 100, EXPIRED, "35", -2),
        ("127.0.0.1", SWITCH, "lab", "sip-local-demo", AMS, 5, 50, ACTIVE, "0", 6),
    ],
}


def _expiry(months: int | None):
    if months is None:
        return None
    return timezone.localdate().replace(day=1) + datetime.timedelta(days=31 * months)


def populate(accounts, stdout) -> None:
    created = 0
    for account_name, rows in DEMO_SERVERS.items():
        account = accounts[account_name]
        existing = set(Server.objects.for_account(account).values_list("ip_address", flat=True))
        for ip, kind, cluster, alias, zone, cps, channels, status, cost, months in rows:
            if ip in existing:
                continue
            local = ip == LOCAL_RESPONDER[0]
            Server.objects.create(
                account=account,
                ip_address=ip,
                type=kind,
                cluster=cluster,
                alias=alias,
                zone=zone,
                fqdn=f"{alias}.{account_name.split()[0].lower()}-voice.example",
                cps=cps,
                channels=channels,
                signalling_port=LOCAL_RESPONDER[1] if local else 5060,
                expires=_expiry(months),
                status=status,
                cost_per_month=Decimal(cost),
                currency=account.currency,
                udp_ports=[5060, 5080] if kind != RTP else [],
                tcp_ports=[5060, 5061] if kind == SWITCH else [],
                user_location_database=kind == SWITCH,
                global_sip_trace=alias.endswith("-1"),
                webrtc=kind == SWITCH and not local,
            )
            created += 1
    stdout.write(
        f"Demo servers: {created} created. The health check of sip-local-demo answers while "
        f"`make run`'s SIP responder runs (udp://{LOCAL_RESPONDER[0]}:{LOCAL_RESPONDER[1]})."
    )
