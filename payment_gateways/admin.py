"""Payments and the balance ledger in Django's admin, for the platform: read only (a payment moves
only through the payments engine; a balance only through a credit and its ledger row)."""

from django.contrib import admin

from .models import BalanceEntry, Payment


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["created", "account", "amount", "currency", "provider", "status", "reference"]
    list_filter = ["status", "provider", "currency"]
    search_fields = ["uuid", "checkout_id", "transaction_id", "account__name"]
    list_select_related = ["account"]
    date_hierarchy = "created"


@admin.register(BalanceEntry)
class BalanceEntryAdmin(ReadOnlyAdmin):
    list_display = ["created", "account", "amount", "currency", "balance_after", "payment"]
    list_select_related = ["account", "payment"]
    search_fields = ["account__name", "payment__uuid"]
