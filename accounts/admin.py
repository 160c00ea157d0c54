from django.contrib import admin

from .models import Account, AuditEntry


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "currency", "time_zone", "balance", "created"]
    search_fields = ["name", "email"]
    readonly_fields = ["created"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only: the audit log is never edited or deleted."""

    list_display = ["created", "account", "actor_label", "ip", "event", "target_label"]
    list_filter = ["event"]
    list_select_related = ["account"]
    search_fields = ["actor_label", "target_label", "ip"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
