"""My Servers: the servers the platform deployed for an account, the operations the account
asked for (Start, Stop, Restart, Reactivate) and the SIP OPTIONS health checks.

Servers are created and changed by the platform in Django's admin; an account edits only the
config (ports and flags, services.update_config) and asks for operations.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import validate_currency
from accounts.tenancy import TenantModel

from . import health, sip
from .ports import ports_text, validate_port_list

DEFAULT_SIP_PORT = 5060


class ServerType(models.TextChoices):
    SWITCH = "switch", "Switch"
    DISPATCHER = "dispatcher", "Dispatcher"
    RTP = "rtp", "RTP"


class Zone(models.TextChoices):
    LONDON = "eu-london", "Europe (London)"
    FRANKFURT = "eu-frankfurt", "Europe (Frankfurt)"
    AMSTERDAM = "eu-amsterdam", "Europe (Amsterdam)"
    NEW_YORK = "us-east-new-york", "USA East (New York)"
    SAN_FRANCISCO = "us-west-san-francisco", "USA West (San Francisco)"
    BENGALURU = "in-bengaluru", "India (Bengaluru)"
    SINGAPORE = "ap-singapore", "East Asia (Singapore)"


class ServerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    STOPPED = "stopped", "Stopped"
    EXPIRED = "expired", "Expired"
    PENDING = "pending", "Pending"


class Transport(models.TextChoices):
    UDP = "udp", "UDP"
    TCP = "tcp", "TCP"
    TLS = "tls", "TLS"


class HealthOutcome(models.TextChoices):
    OK = sip.OK, "Answered OK"
    ANSWERED = sip.ANSWERED, "Answered, refused OPTIONS"
    ERROR = sip.ERROR, "Server error"
    TIMEOUT = sip.TIMEOUT, "No reply"
    FAILED = sip.FAILED, "Not sent"
    REFUSED = health.REFUSED, "Not allowed"


# The dot a result gets in the list and on the detail page.
HEALTH_TONES = {
    sip.OK: "ok",
    sip.ANSWERED: "warn",
    sip.ERROR: "bad",
    sip.TIMEOUT: "bad",
    sip.FAILED: "bad",
    health.REFUSED: "neutral",
}

FLAGS = [
    ("global_sip_trace", "Global SIP trace"),
    ("uac_registration", "UAC registration"),
    ("user_location_database", "User location database"),
    ("webrtc", "WebRTC"),
    ("tls", "TLS"),
    ("remove_timer_support", "Remove timer support"),
    ("disable_topology_hiding", "Disable topology hiding"),
]


def rtt_text(rtt_ms: float | None) -> str:
    if rtt_ms is None:
        return ""
    return f"{rtt_ms:.1f} ms" if rtt_ms < 10 else f"{rtt_ms:.0f} ms"


def default_udp_ports() -> list[int]:
    return [DEFAULT_SIP_PORT]


def port_field(label: str, default=list):
    return models.JSONField(label, default=default, blank=True, validators=[validate_port_list])


class Server(TenantModel):
    """One server the platform runs for the account. ``last_check_*`` repeat the newest health
    check, so the list shows every row's health without a query per row."""

    Type = ServerType
    Status = ServerStatus

    ip_address = models.GenericIPAddressField("IP address")
    type = models.CharField(max_length=10, choices=ServerType.choices, default=ServerType.SWITCH)
    cluster = models.CharField(max_length=64, blank=True)
    alias = models.CharField(max_length=64, blank=True, help_text="The server's name.")
    zone = models.CharField(max_length=32, choices=Zone.choices, default=Zone.LONDON)
    fqdn = models.CharField("FQDN", max_length=253, blank=True)
    cps = models.PositiveIntegerField("CPS", default=0, help_text="Calls per second.")
    channels = models.PositiveIntegerField(default=0, help_text="Concurrent channels.")
    signalling_port = models.PositiveIntegerField(
        default=DEFAULT_SIP_PORT,
        validators=[MinValueValidator(1), MaxValueValidator(65535)],
        help_text="Where SIP is answered; the health check sends OPTIONS here over UDP.",
    )
    signalling_transport = models.CharField(
        max_length=3, choices=Transport.choices, default=Transport.UDP
    )
    expires = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=ServerStatus.choices, default=ServerStatus.PENDING
    )
    cost_per_month = models.DecimalField(
        "cost per month",
        max_digits=12,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    # Server config (the account edits these; services.update_config)
    udp_ports = port_field("UDP ports", default_udp_ports)
    tcp_ports = port_field("TCP ports")
    global_sip_trace = models.BooleanField("Global SIP trace", default=False)
    uac_registration = models.BooleanField("UAC registration", default=False)
    user_location_database = models.BooleanField("User location database", default=False)
    webrtc = models.BooleanField("WebRTC", default=False)
    tls = models.BooleanField("TLS", default=False)
    remove_timer_support = models.BooleanField("Remove timer support", default=False)
    disable_topology_hiding = models.BooleanField("Disable topology hiding", default=False)
    restart_needed = models.BooleanField(
        default=False,
        help_text="The config changed while the server ran; a Start or Restart applies it.",
    )
    # The newest health check, repeated here for the list.
    last_check_at = models.DateTimeField(null=True, blank=True)
    last_check_outcome = models.CharField(max_length=10, choices=HealthOutcome.choices, blank=True)
    last_check_summary = models.CharField(max_length=200, blank=True)
    last_check_rtt_ms = models.FloatField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ip_address"]
        constraints = [
            models.UniqueConstraint(fields=["account", "ip_address"], name="server_account_ip"),
        ]
        indexes = [
            models.Index(fields=["account", "ip_address", "id"], name="server_account_ip_idx"),
            models.Index(fields=["account", "type", "id"], name="server_account_type"),
            models.Index(fields=["account", "alias", "id"], name="server_account_alias"),
            models.Index(fields=["account", "zone", "id"], name="server_account_zone"),
            models.Index(fields=["account", "expires", "id"], name="server_account_expires"),
            models.Index(fields=["account", "status", "id"], name="server_account_status"),
            models.Index(fields=["account", "cost_per_month", "id"], name="server_account_cost"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} ({self.ip_address})" if self.alias else str(self.ip_address)

    @property
    def name(self) -> str:
        return self.alias or str(self.ip_address)

    @property
    def signalling_address(self) -> str:
        return str(health.Target.of(self))

    @property
    def health_tone(self) -> str:
        return HEALTH_TONES.get(self.last_check_outcome, "none")

    @property
    def last_check_rtt_text(self) -> str:
        return rtt_text(self.last_check_rtt_ms)

    @property
    def last_check_short(self) -> str:
        """The list's cell: the round-trip time, with the status code when it was not 2xx."""
        outcome = self.last_check_outcome
        if outcome == sip.OK:
            return self.last_check_rtt_text
        if outcome in (sip.ANSWERED, sip.ERROR):
            code = self.last_check_summary.split(" ", 1)[0]
            return f"{code} · {self.last_check_rtt_text}" if self.last_check_rtt_text else code
        return "no reply" if outcome == sip.TIMEOUT else "not sent"

    @property
    def udp_ports_text(self) -> str:
        return ports_text(self.udp_ports)

    @property
    def tcp_ports_text(self) -> str:
        return ports_text(self.tcp_ports)

    @property
    def flags(self) -> list[tuple[str, bool]]:
        return [(label, getattr(self, name)) for name, label in FLAGS]


class HealthCheck(TenantModel):
    """One SIP OPTIONS health check: when, by whom (empty: the scheduled check), what was asked
    and what came back."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="health_checks")
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.CharField(max_length=64)  # ip:port as sent to
    outcome = models.CharField(max_length=10, choices=HealthOutcome.choices)
    summary = models.CharField(max_length=200)  # "200 OK", "no reply in 2 s"
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    server_header = models.CharField("Server header", max_length=200, blank=True)
    rtt_ms = models.FloatField("round-trip time (ms)", null=True, blank=True)
    transmissions = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [
            models.Index(fields=["server", "-checked_at", "-id"], name="healthcheck_server_time"),
        ]

    def __str__(self) -> str:
        return f"{self.target}: {self.summary}"

    @property
    def tone(self) -> str:
        return HEALTH_TONES.get(self.outcome, "none")

    @property
    def rtt_text(self) -> str:
        return rtt_text(self.rtt_ms)


class OperationAction(models.TextChoices):
    START = "start", "Start"
    STOP = "stop", "Stop"
    RESTART = "restart", "Restart"
    REACTIVATE = "reactivate", "Reactivate"


class OperationStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Operation(TenantModel):
    """An action asked for on a server. At most one per server is Requested at a time (the
    partial unique constraint): two actions on one server never run at once."""

    Action = OperationAction
    Status = OperationStatus

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="operations")
    action = models.CharField(max_length=10, choices=OperationAction.choices)
    status = models.CharField(
        max_length=9, choices=OperationStatus.choices, default=OperationStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    server_status_before = models.CharField(max_length=8, choices=ServerStatus.choices)
    server_status_after = models.CharField(max_length=8, choices=ServerStatus.choices, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["server"],
                condition=Q(status="requested"),
                name="operation_one_running_per_server",
            ),
        ]
        indexes = [
            models.Index(fields=["server", "-requested_at", "-id"], name="operation_server_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of {self.server}: {self.get_status_display()}"

    @property
    def tone(self) -> str:
        return {"done": "ok", "failed": "bad"}.get(self.status, "warn")
