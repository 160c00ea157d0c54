"""The customer portal's rows: the Account's customers, their portal contacts, their calls (CDRs)
and the rate cards that price them. Every row is the Account's (TenantModel), children included.

Money follows DESIGN (Decimal, with its currency): a customer's balance and debit limit are in the
customer's own currency; a CDR's rate and cost in the currency they were rated in. The balance is
changed only by services: payments will credit it through a credit target of the payment engine
(payment_gateways/payments/targets.py), registered by this app when customer payments land.
"""

import re
from decimal import Decimal

from django.contrib.auth.hashers import check_password, make_password
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length, Lower

from accounts.fields import EncryptedTextField
from accounts.models import validate_currency
from accounts.tenancy import TenantModel

PREFIX_VALIDATOR = RegexValidator(r"^[0-9]{1,16}$", "A prefix is 1 to 16 digits, e.g. 4420.")
MAX_DIALLED_DIGITS = 20
_NOT_DIGITS = re.compile(r"[\s().\-/]")


def dialled_digits(number: str) -> str:
    """``+44 (20) 7946-0000`` / ``0044 20…`` → ``442079460000``: the digits a prefix is matched
    against (international form, no ``+`` or ``00``). Empty when it is not a number."""
    text = _NOT_DIGITS.sub("", (number or "").strip())
    if text.startswith("+"):
        text = text[1:]
    elif text.startswith("00"):
        text = text[2:]
    if not text.isascii() or not text.isdigit() or len(text) > MAX_DIALLED_DIGITS:
        return ""
    return text


def search_rates(rates, query: str):
    """Digits: the prefixes starting with them; words: the destination (or a prefix). The
    panel's Rate Cards and the portal's Rate Card search alike."""
    digits = dialled_digits(query)
    if digits and digits == "".join(query.split()).lstrip("+"):
        return rates.filter(prefix__startswith=digits)
    return rates.filter(models.Q(destination__icontains=query) | models.Q(prefix__startswith=query))


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PENDING = "pending", "Pending approval"
    SUSPENDED = "suspended", "Suspended"


class RateCard(TenantModel):
    """A price list: per destination prefix, a rate per minute from an effective date."""

    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("account", Lower("name"), name="ratecard_name_unique_ci"),
        ]
        indexes = [models.Index(fields=["account", "name", "id"], name="ratecard_account_name")]

    def __str__(self) -> str:
        return self.name

    def match(self, number: str, on=None) -> "Rate | None":
        """The rate for dialling ``number`` on ``on`` (a date; default today): the longest prefix
        of the number that has a rate effective by then, and of that prefix the newest rate. One
        query (the prefixes of the number, looked up in the card's prefix index)."""
        from django.utils import timezone

        digits = dialled_digits(number)
        if not digits:
            return None
        candidates = [digits[:end] for end in range(len(digits), 0, -1)]
        return (
            self.rates.filter(
                prefix__in=candidates,
                effective_from__lte=on or timezone.localdate(),
            )
            .order_by(Length("prefix").desc(), "-effective_from", "-pk")
            .first()
        )


class Rate(TenantModel):
    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="rates")
    prefix = models.CharField(max_length=16, validators=[PREFIX_VALIDATOR])
    destination = models.CharField(max_length=100)
    rate = models.DecimalField(
        "rate per minute", max_digits=12, decimal_places=6, validators=[MinValueValidator(0)]
    )
    effective_from = models.DateField("effective date")

    class Meta:
        ordering = ["prefix", "-effective_from", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rate_card", "prefix", "effective_from"], name="rate_unique_per_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gte=0), name="rate_not_negative"),
        ]
        indexes = [
            models.Index(fields=["rate_card", "prefix", "effective_from"], name="rate_card_prefix"),
            models.Index(
                fields=["account", "rate_card", "destination", "id"], name="rate_card_destination"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.destination}"

    @property
    def rate_text(self) -> str:
        from .money import format_rate

        return format_rate(self.rate, self.rate_card.currency)


class Customer(TenantModel):
    """A customer of the Account (a telecom customer); its contacts sign in to the portal.

    ``hidden_areas``: access areas of the portal domain this customer does not get even when the
    domain turns them on (SPEC §6 User Access Area; the per-customer override hides only).
    """

    Status = CustomerStatus

    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    debit_limit = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="How far the balance may go below zero.",
    )
    # Changed only by services (payments through the credit target, rating): never a form field.
    balance = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    status = models.CharField(
        max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    portal_access = models.BooleanField(default=True)
    hidden_areas = models.JSONField(default=list, blank=True)
    rate_card = models.ForeignKey(
        RateCard, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("account", Lower("name"), name="customer_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(debit_limit__gte=0), name="customer_debit_limit_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "name", "id"], name="customer_account_name"),
            models.Index(fields=["account", "balance", "id"], name="customer_account_balance"),
            models.Index(
                fields=["account", "status", "name", "id"], name="customer_account_status"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == CustomerStatus.ACTIVE

    @property
    def is_pending(self) -> bool:
        return self.status == CustomerStatus.PENDING

    @property
    def is_suspended(self) -> bool:
        return self.status == CustomerStatus.SUSPENDED

    @property
    def available(self) -> Decimal:
        """What the customer may still spend: the balance plus the debit limit."""
        return self.balance + self.debit_limit


class Contact(TenantModel):
    """A customer's portal login. The e-mail address is stored normalised (accounts.emails) and
    unique per account: a portal domain names the account, the address then names the contact.
    The password is hashed like a staff user's; an invited contact has none until they choose it.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    password = models.CharField(max_length=128)
    email_verified = models.BooleanField(default=False)
    phone_verified = models.BooleanField(default=False)
    # Optional TOTP (RFC 6238): the key encrypted, the last time step used (a code works once).
    totp_key = EncryptedTextField(blank=True, default="")
    totp_enabled = models.BooleanField(default=False)
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    last_login = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "email"], name="contact_email_unique"),
        ]
        indexes = [
            models.Index(fields=["account", "customer", "name", "id"], name="contact_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def set_password(self, raw: str | None) -> None:
        self.password = make_password(raw)  # None: unusable (an invited contact)

    def check_password(self, raw: str) -> bool:
        return check_password(raw, self.password)

    def has_usable_password(self) -> bool:
        from django.contrib.auth.hashers import is_password_usable

        return is_password_usable(self.password)


class Disposition(models.TextChoices):
    ANSWERED = "answered", "Answered"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    FAILED = "failed", "Failed"


class Cdr(TenantModel):
    """One call (a call detail record) of a customer, as the switch reported and rating priced
    it. Read by date range per customer (the portal) and per account (the panel): both have an
    index ending in ``id``, the lists' tie-break."""

    Disposition = Disposition

    customer = models.ForeignKey(Customer, on_delete=models.RESTRICT, related_name="cdrs")
    start_time = models.DateTimeField()
    caller = models.CharField(max_length=40)
    callee = models.CharField(max_length=40)
    destination = models.CharField(max_length=100, blank=True)
    duration = models.PositiveIntegerField("duration (seconds)", default=0)
    rate = models.DecimalField(
        "rate per minute", max_digits=12, decimal_places=6, default=Decimal("0")
    )
    cost = models.DecimalField(max_digits=14, decimal_places=6, default=Decimal("0"))
    currency = models.CharField(max_length=3, validators=[validate_currency])
    carrier = models.CharField(max_length=100, blank=True)
    disposition = models.CharField(
        max_length=10, choices=Disposition.choices, default=Disposition.ANSWERED
    )
    sip_code = models.PositiveSmallIntegerField("SIP code", default=200)
    dtmf = models.BooleanField("DTMF", default=False)

    class Meta:
        verbose_name = "CDR"
        verbose_name_plural = "CDRs"
        ordering = ["-start_time", "-id"]
        indexes = [
            models.Index(
                fields=["account", "customer", "start_time", "id"], name="cdr_customer_start"
            ),
            models.Index(fields=["account", "start_time", "id"], name="cdr_account_start"),
        ]

    def __str__(self) -> str:
        return f"{self.caller} → {self.callee} at {self.start_time:%Y-%m-%d %H:%M}"

    @property
    def rate_text(self) -> str:
        from .money import format_rate

        return format_rate(self.rate, self.currency)

    @property
    def duration_text(self) -> str:
        minutes, seconds = divmod(self.duration, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
