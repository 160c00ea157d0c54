"""Lookup packages: the platform's catalogue, which accounts enabled which, and metered usage.

``Package`` and ``ExchangeRate`` belong to the platform (Django admin); ``EnabledPackage`` and
``UsageRecord`` belong to an account. Usage is stored per account, package and UTC hour (one row
however many lookups), with the unit price charged at the time: an hour is the finest step of
the time zones an operator works in, so the Usage tab can add the hours of any viewer's day.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from accounts.models import validate_currency
from accounts.tenancy import TenantModel

from .destinations import MAX_LENGTH, validate_destination
from .money import format_unit_price


class Area(models.TextChoices):
    """The lookup service a package belongs to."""

    ASR_PLUS = "asrplus", "ASR+"
    HLR = "hlr", "HLR"
    LRN = "lrn", "LRN"
    CNAM = "cnam", "CNAM"
    DNO = "dno", "DNO"
    IP = "ip", "IP"
    SPAM = "spam", "Spam"


class Package(models.Model):
    """A lookup service the platform offers, priced per lookup in ``PLATFORM_CURRENCY``."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    area = models.CharField(max_length=16, choices=Area.choices)
    destination = models.CharField(
        max_length=MAX_LENGTH,
        validators=[validate_destination],
        help_text=(
            "A regular expression matched against the start of a number (digits, no +): ^44 is "
            "the United Kingdom, .* every number. Digits, ^ $ . \\d, classes like [2-9], groups "
            "with |, and at most 4 quantifiers, none after a group."
        ),
    )
    retail_price = models.DecimalField(
        "retail price per lookup",
        max_digits=12,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="In the platform currency (the PLATFORM_CURRENCY setting).",
    )
    active = models.BooleanField(
        default=True, help_text="Offered to accounts. Inactive packages cannot be enabled or used."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="package_name_unique_ci",
                violation_error_message="Another package already has this name.",
            ),
            models.CheckConstraint(
                condition=models.Q(retail_price__gte=0), name="package_price_not_negative"
            ),
        ]
        # The Packages tab lists active packages sorted by one column (id: the tie-break).
        indexes = [
            models.Index(fields=["active", "name", "id"], name="package_active_name"),
            models.Index(fields=["active", "area", "name", "id"], name="package_active_area"),
            models.Index(fields=["active", "destination", "id"], name="package_active_dest"),
            models.Index(fields=["active", "retail_price", "id"], name="package_active_price"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def retail_display(self) -> str:
        return format_unit_price(self.retail_price, settings.PLATFORM_CURRENCY)


class ExchangeRate(models.Model):
    """How many units of ``currency`` one unit of the platform currency buys. Accounts in that
    currency are charged the catalogue price times this rate, at the time of each lookup."""

    currency = models.CharField(max_length=3, unique=True, validators=[validate_currency])
    rate = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
        help_text="Units of this currency per 1 unit of the platform currency.",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency"]
        constraints = [models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive")]

    def __str__(self) -> str:
        return f"1 {settings.PLATFORM_CURRENCY} = {self.rate.normalize()} {self.currency}"


class EnabledPackage(TenantModel):
    """A package the account has enabled: its lookups are allowed and charged from now on."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="+")
    enabled_at = models.DateTimeField(auto_now_add=True)
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "package"], name="enabled_package_once")
        ]

    def __str__(self) -> str:
        return f"{self.package_id} enabled for {self.account_id}"


class UsageRecord(TenantModel):
    """Lookups of one package by one account within one UTC hour, at one unit price.

    Written only by ``services.record_usage`` (an upsert that adds to the hour's row). A price or
    exchange-rate change within the hour starts a row of its own, so every row's charge is its
    quantity at the price actually charged.
    """

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    hour = models.DateTimeField(help_text="The start of the UTC hour.")
    currency = models.CharField(max_length=3)
    unit_price = models.DecimalField(max_digits=18, decimal_places=8)
    quantity = models.PositiveBigIntegerField()
    charge = models.DecimalField(max_digits=24, decimal_places=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "package", "hour", "currency", "unit_price"],
                name="usage_one_row_per_hour_and_price",
            )
        ]
        # The Usage tab reads an account's hours in a date range, all packages at once.
        indexes = [models.Index(fields=["account", "hour"], name="usage_account_hour")]

    def __str__(self) -> str:
        return f"{self.quantity} × package {self.package_id} at {self.hour:%Y-%m-%d %H}:00 UTC"
