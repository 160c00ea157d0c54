from decimal import Decimal
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from .formatting import DATE_FORMATS, DEFAULT_DATE_FORMAT, format_money


def validate_currency(code: str) -> None:
    from babel.numbers import list_currencies

    if code not in list_currencies():
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code.")


def validate_time_zone(name: str) -> None:
    if name not in available_timezones():
        raise ValidationError(f"{name!r} is not a known time zone.")


class Account(models.Model):
    """The tenant: one operator company using the panel. Everything else hangs off it."""

    name = models.CharField("company name", max_length=200)
    email = models.EmailField("account email")
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    date_format = models.CharField(
        max_length=16, choices=list(DATE_FORMATS.items()), default=DEFAULT_DATE_FORMAT
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    balance = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="account_name_unique_ci")]

    def __str__(self) -> str:
        return self.name

    @property
    def balance_display(self) -> str:
        return format_money(self.balance, self.currency)


class AuditEntryQuerySet(models.QuerySet):
    def for_account(self, account):
        if account is None or account.pk is None:
            raise ValueError("for_account() needs a saved Account")
        return self.filter(account=account)


class AuditEntry(models.Model):
    """One thing that happened. Written only through ``accounts.audit.record``; never edited.

    ``account`` is empty only for platform-level events (a failed login for an unknown email).
    ``changes`` maps a field to ``[before, after]``; secrets are masked before they get here.
    """

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    event = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=254, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["account", "-created"], name="audit_account_created"),
            models.Index(fields=["account", "event", "-created"], name="audit_account_event"),
            models.Index(fields=["account", "actor", "-created"], name="audit_account_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.event} {self.target_label}".strip()

    @property
    def event_text(self) -> str:
        from .audit import EVENTS

        event = EVENTS.get(self.event)
        return event.text if event else self.event
