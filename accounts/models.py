from decimal import Decimal
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django_countries.fields import CountryField

from .fields import EncryptedTextField
from .formatting import DATE_FORMATS, DEFAULT_DATE_FORMAT, format_money
from .ipnets import parse_ip_ranges
from .tenancy import TenantModel


def validate_currency(code: str) -> None:
    from babel.numbers import list_currencies

    if code not in list_currencies():
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code.")


def validate_time_zone(name: str) -> None:
    if name not in available_timezones():
        raise ValidationError(f"{name!r} is not a known time zone.")


class Account(models.Model):
    """The tenant: one operator company using the panel. Everything else hangs off it.

    The profile fields (address, contact numbers, general settings) are edited on the Config tab
    through ``accounts.services.update_account_profile``; ``balance`` and ``total_channels`` are
    read only there (payments and the platform's admin change them).
    """

    class BillingMethod(models.TextChoices):
        PER_CHANNEL = "per_channel", "Per channel"
        PER_MINUTE = "per_minute", "Per minute"

    class TwoFactorRule(models.TextChoices):
        NOBODY = "nobody", "Nobody"
        ADMINISTRATORS = "admins", "Administrators"
        EVERYONE = "everyone", "Everyone"

    name = models.CharField("company name", max_length=200)
    email = models.EmailField("account email")
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    date_format = models.CharField(
        max_length=16, choices=list(DATE_FORMATS.items()), default=DEFAULT_DATE_FORMAT
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    balance = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    created = models.DateTimeField(auto_now_add=True)
    # Company information
    registration_id = models.CharField("company registration ID", max_length=64, blank=True)
    vat_id = models.CharField("VAT ID", max_length=32, blank=True)
    # Carrier identifiers printed on customer invoices (US): the Operating Company Number (NECA,
    # 4 letters or digits) and the FCC Registration Number (10 digits).
    ocn = models.CharField(
        "OCN",
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Z]{4}$", "An OCN is 4 letters or digits, e.g. 123A.")],
    )
    frn = models.CharField(
        "FRN",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{10}$", "An FRN is 10 digits, e.g. 0012345678.")],
    )
    # Address (line 1, city and country are required by the profile form, not by the table: an
    # account exists before its Administrator fills the profile in).
    address_line1 = models.CharField("address line 1", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    county = models.CharField("county / state", max_length=100, blank=True)
    country = CountryField(blank=True)
    post_code = models.CharField(max_length=16, blank=True)
    # Contact information, E.164 (accounts.phones)
    phone = models.CharField(max_length=16, blank=True)
    mobile = models.CharField(max_length=16, blank=True)
    # General information
    billing_method = models.CharField(
        max_length=16, choices=BillingMethod.choices, default=BillingMethod.PER_CHANNEL
    )
    billing_method_changed = models.DateTimeField(
        null=True, blank=True, help_text="When the billing method last changed (once per 30 days)."
    )
    total_channels = models.PositiveIntegerField(
        default=0, help_text="Concurrent channels the platform provides to this account."
    )
    # Security policy (the Settings tab), enforced by accounts.policy on every request and by the
    # sign-in. On the account row itself: the user is loaded with their account on every
    # request, so reading the policy costs no query.
    two_factor_required = models.CharField(
        "require two-factor login for",
        max_length=8,
        choices=TwoFactorRule.choices,
        default=TwoFactorRule.NOBODY,
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        "session idle timeout (minutes)",
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
    )
    allowed_ip_ranges = models.TextField(
        "allowed IP ranges",
        blank=True,
        validators=[parse_ip_ranges],
        help_text="Networks every panel sign-in of the account must come from. Empty: any.",
    )
    login_notifications_default = models.BooleanField(
        "login notifications for new users",
        default=False,
        help_text="New users start with “Email me when I log in” on.",
    )
    passkey_required_for_admins = models.BooleanField(
        "require a passkey for Administrators",
        default=False,
        help_text="Administrators sign in with a passkey as their second factor (codes from an "
        "app or backup codes are not enough).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def balance_display(self) -> str:
        return format_money(self.balance, self.currency)

    @property
    def phone_display(self) -> str:
        from .phones import format_phone

        return format_phone(self.phone)

    @property
    def mobile_display(self) -> str:
        from .phones import format_phone

        return format_phone(self.mobile)

    @property
    def currency_display(self) -> str:
        from .formatting import currency_name

        return f"{self.currency} — {currency_name(self.currency)}"

    @property
    def date_format_name(self) -> str:
        return DATE_FORMATS.get(self.date_format, self.date_format)


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
    # Platform-level events and jobs (see accounts/tenancy.py).
    all_accounts = models.Manager()  # noqa: DJ012 (a second manager, not a field)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["account", "-created", "-id"], name="audit_account_created"),
            models.Index(fields=["account", "event", "-created"], name="audit_account_event"),
            models.Index(fields=["account", "actor_label", "-created"], name="audit_account_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.event} {self.target_label}".strip()

    @property
    def event_text(self) -> str:
        from .audit import EVENTS

        event = EVENTS.get(self.event)
        return event.text if event else self.event

    @property
    def section(self) -> str:
        from .audit import EVENTS

        event = EVENTS.get(self.event)
        return event.section if event else ""


class SecurityAddons(TenantModel):
    """A staff user's own Security & Add-ons switches (Config tab); no row means both are off.

    Kept beside the User rather than on it: the mails they turn on are sent by accounts.security.
    """

    user = models.OneToOneField(
        "users.User", on_delete=models.CASCADE, related_name="security_addons"
    )
    login_notifications = models.BooleanField(
        "email me when I log in", default=False, help_text="A mail with time, IP and browser."
    )
    new_device_alerts = models.BooleanField(
        "device management",
        default=False,
        help_text="A mail when a browser not seen before signs in.",
    )

    class Meta:
        verbose_name_plural = "security add-ons"

    def __str__(self) -> str:
        return f"security add-ons of {self.user}"

    @classmethod
    def of(cls, user) -> "SecurityAddons":
        """The user's switches; an unsaved all-off row when they never set any."""
        found = cls.objects.filter(user=user).first()
        return found or cls(account_id=user.account_id, user=user)


class KnownDevice(TenantModel):
    """A browser a staff user has signed in from ("Device management" on the Config tab).

    The browser carries a random id in a signed cookie (accounts.security); only its SHA-256 is
    stored. Revoking a device ends its sessions and forgets it, so its next sign-in is "new".
    """

    user = models.ForeignKey("users.User", on_delete=models.CASCADE, related_name="devices")
    token_hash = models.CharField(max_length=64)
    browser = models.CharField(max_length=120, help_text="Browser and system, from the user agent.")
    user_agent = models.CharField(max_length=512, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    last_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user", "token_hash"], name="knowndevice_unique_per_user"
            )
        ]
        indexes = [models.Index(fields=["user", "-last_seen"], name="knowndevice_user_seen")]

    def __str__(self) -> str:
        return self.browser


class DeviceSession(TenantModel):
    """A session begun on a known device, so revoking the device can end it."""

    device = models.ForeignKey(KnownDevice, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64)
    created = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["device", "created"], name="devicesession_device")]

    def __str__(self) -> str:
        return f"session of {self.device}"


class SmtpSettings(TenantModel):
    """The account's own mail server and SMS sender (Config → SMTP Details; Administrators).

    No row, or a row without a host, means the account's mail goes through the platform's mail
    server (EMAIL_URL). The password is encrypted at rest and never rendered back.
    """

    class Security(models.TextChoices):
        AUTO = "auto", "Auto (from the port)"
        NONE = "none", "None"
        STARTTLS = "starttls", "STARTTLS"
        TLS = "tls", "TLS"

    from_address = models.CharField("from address", max_length=320)
    username = models.CharField(max_length=254, blank=True)
    password = EncryptedTextField(blank=True)
    host = models.CharField(max_length=253, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    security = models.CharField(max_length=8, choices=Security.choices, default=Security.AUTO)
    sms_from = models.CharField("SMS from", max_length=16, default="sms")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "SMTP settings"
        constraints = [
            models.UniqueConstraint(fields=["account"], name="smtpsettings_one_per_account")
        ]

    def __str__(self) -> str:
        return f"SMTP settings of {self.account}"

    @classmethod
    def of(cls, account, *, for_update: bool = False) -> "SmtpSettings | None":
        """The account's row, or None, without its password: ``has_password`` says whether one
        is saved. Nothing is decrypted, so a lost key breaks neither the card nor a new save."""
        rows = cls.objects.for_account(account)
        if for_update:
            rows = rows.select_for_update()
        return (
            rows.defer("password")
            .annotate(
                has_password=models.ExpressionWrapper(
                    ~models.Q(password=""), output_field=models.BooleanField()
                )
            )
            .first()
        )

    @property
    def server(self) -> str:
        """``host[:port]`` as typed in the form (an IPv6 address in brackets)."""
        from .smtp import format_server

        return format_server(self.host, self.port)
