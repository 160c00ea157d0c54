"""The platform manages the catalogue and the exchange rates here (SPEC §9). A package with
usage cannot be deleted (its billed usage would go with it): make it inactive instead."""

from django.contrib import admin

from .models import ExchangeRate, Package


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "destination", "retail_price", "active", "updated"]
    list_filter = ["area", "active"]
    search_fields = ["name", "destination", "description"]
    readonly_fields = ["created", "updated"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "rate", "updated"]
    search_fields = ["currency"]
    readonly_fields = ["updated"]
