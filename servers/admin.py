"""The platform deploys servers here (an account cannot create one); operations and health
checks are shown read only: they are history."""

from django.contrib import admin

from .models import HealthCheck, Operation, Server


class OperationInline(admin.TabularInline):
    model = Operation
    extra = 0
    can_delete = False
    fields = ["requested_at", "action", "status", "requested_by", "finished_at", "message"]
    readonly_fields = fields
    ordering = ["-requested_at", "-id"]
    max_num = 0
    show_change_link = False


@admin.register(Server)
class ServerAdmin(admin.ModelAdmin):
    list_display = [
        "ip_address",
        "alias",
        "account",
        "type",
        "zone",
        "status",
        "expires",
        "cost_per_month",
        "currency",
        "last_check_summary",
    ]
    list_filter = ["type", "zone", "status"]
    list_select_related = ["account"]
    search_fields = ["ip_address", "alias", "fqdn", "cluster", "account__name"]
    autocomplete_fields = ["account"]
    readonly_fields = [
        "restart_needed",
        "last_check_at",
        "last_check_outcome",
        "last_check_summary",
        "last_check_rtt_ms",
        "created",
    ]
    fieldsets = [
        (None, {"fields": ["account", "ip_address", "alias", "type", "cluster", "zone", "fqdn"]}),
        ("Capacity and billing", {"fields": ["cps", "channels", "cost_per_month", "currency"]}),
        (
            "Signalling and status",
            {"fields": ["signalling_port", "signalling_transport", "status", "expires"]},
        ),
        (
            "Server config",
            {
                "fields": [
                    "udp_ports",
                    "tcp_ports",
                    "global_sip_trace",
                    "uac_registration",
                    "user_location_database",
                    "webrtc",
                    "tls",
                    "remove_timer_support",
                    "disable_topology_hiding",
                    "restart_needed",
                ]
            },
        ),
        (
            "Last health check",
            {
                "fields": [
                    "last_check_at",
                    "last_check_outcome",
                    "last_check_summary",
                    "last_check_rtt_ms",
                    "created",
                ]
            },
        ),
    ]
    inlines = [OperationInline]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Operation)
class OperationAdmin(_ReadOnly):
    list_display = ["requested_at", "server", "account", "action", "status", "requested_by"]
    list_filter = ["action", "status"]
    list_select_related = ["server", "account", "requested_by"]
    search_fields = ["server__ip_address", "server__alias", "account__name"]
    date_hierarchy = "requested_at"


@admin.register(HealthCheck)
class HealthCheckAdmin(_ReadOnly):
    list_display = ["checked_at", "server", "account", "target", "summary", "rtt_ms"]
    list_filter = ["outcome"]
    list_select_related = ["server", "account"]
    search_fields = ["server__ip_address", "server__alias", "target"]
    date_hierarchy = "checked_at"
