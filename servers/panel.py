"""What the servers app adds to the panel: My Servers (the account's switch, dispatcher and RTP
servers, their config, operations and SIP OPTIONS health checks)."""

from accounts.registry import (
    SETUP,
    AppPanel,
    AuditEvent,
    Module,
    Mount,
    Section,
    help_topic,
    view,
    write,
)

SERVERS = Section(
    "servers",
    "My Servers",
    "servers/",
    "servers",
    "Your switch, dispatcher and RTP servers, their config and health.",
    menu=SETUP,
    order=10,
    url_name="servers:list",
    help="servers",
)

panel = AppPanel(
    modules=(Module("servers", "Servers", order=160),),
    sections=(SERVERS,),
    events=(
        AuditEvent("server.config_updated", "Servers", "Server config changed"),
        AuditEvent("server.operation_requested", "Servers", "Server action requested"),
        AuditEvent("server.operation_finished", "Servers", "Server action finished"),
        AuditEvent("server.health_checked", "Servers", "Server health checked"),
    ),
    help=(
        help_topic(
            "servers",
            "My Servers",
            """
            The platform deploys your servers (Switch, Dispatcher and RTP) and keeps their record:
            IP address, zone, capacity (CPS and channels), expiry and monthly cost. Open a server
            by its IP address to see its summary, its config and its history.

            Server config: the UDP and TCP ports the server listens on (whole numbers from 1 to
            65535, each once) and its features. A change to a running server is applied when it
            is restarted.

            Actions: Start a Stopped server; Stop or Restart an Active one; Reactivate an Expired
            one, which needs a positive account balance. Each action is recorded with who asked,
            when, and how it ended; one action runs at a time on a server.

            Health check sends a SIP OPTIONS request over UDP to the server's signalling address
            and shows the reply (for example 200 OK), the server's Server header and the
            round-trip time, or "no reply in 2 s". Refresh in the list checks the servers you
            selected; every server is also checked regularly.
            """,
        ),
    ),
    urls=(Mount(SERVERS.path, "servers.urls"),),
    api_routers={"servers": "servers.api:servers_router"},
    permissions={
        "servers:list": view("servers"),
        "servers:refresh": write("servers"),  # health-checks the ticked servers
        "servers:detail": view("servers"),
        "servers:config": write("servers"),
        "servers:operate": write("servers"),
        "servers:check": write("servers"),
    },
)
