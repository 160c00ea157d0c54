"""White-label portal domains and their DNS verification history."""

import secrets
import uuid
from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from accounts.tenancy import TenantManager, TenantModel, TenantQuerySet

from .dns_check import challenge_name
from .hostnames import display

COLOR_VALIDATOR = RegexValidator(
    r"^#[0-9a-f]{6}$", "Enter a colour as # and six hex digits (#rrggbb), e.g. #2d8cf0."
)
DEFAULT_COLOR = "#2d8cf0"

# What a customer may see and do in the portal (SPEC §6 "User Access Area").
ACCESS_AREAS = [
    ("carrier_portal", "Carrier Portal"),
    ("cdr", "CDR"),
    ("rate_card", "Rate Card"),
    ("ip_auth", "IP Auth (Editable)"),
    ("balance", "Balance"),
    ("interconnect_info", "Interconnect Info"),
    ("payments", "Payments"),
    ("customer_acd", "Customer ACD"),
    ("customer_asr", "Customer ASR"),
    ("customer_cps", "Customer CPS"),
    ("customer_channels", "Customer Channels"),
    ("customer_dtmf", "Customer DTMF"),
    ("carrier_channels", "Carrier Channels"),
    ("carrier_dtmf", "Carrier DTMF"),
    ("user_pass_auth", "User / Pass Auth (Editable)"),
    ("packages", "Packages"),
    ("invoice", "Invoice"),
    ("latest_calls", "Latest Calls"),
]
ACCESS_AREA_LABELS = dict(ACCESS_AREAS)
DEFAULT_ACCESS_AREAS = ["cdr", "rate_card", "balance", "payments", "packages", "invoice"]


def logo_path(instance, filename: str) -> str:
    """Logos are stored under a random name: a new upload gets a new URL (caches refresh)."""
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"portal-logos/{uuid.uuid4().hex}.{extension}"


def new_claim_token() -> str:
    """The random value a claim's TXT record must hold (128 bits: not guessable by anyone who
    does not see this account's panel)."""
    return secrets.token_hex(16)


class PortalDomainQuerySet(TenantQuerySet):
    def with_claim_state(self):
        """Annotate ``verified_elsewhere``: another account holds this name Verified.

        The one deliberate look across tenants on this page: it says whether the name is taken,
        never by whom.
        """
        elsewhere = PortalDomain.all_accounts.filter(
            domain=models.OuterRef("domain"), status=DnsStatus.VERIFIED
        ).exclude(account=models.OuterRef("account"))
        return self.annotate(verified_elsewhere=models.Exists(elsewhere))


class DnsStatus(models.TextChoices):
    PENDING = "pending", "Pending DNS"
    VERIFIED = "verified", "Verified"
    FAILED = "failed", "Failed"


class CheckOutcome(models.TextChoices):
    """What one check found. *Not checked*: DNS gave no answer either way (a timeout, a server
    failure), which says nothing about the domain, so its status stays as it was."""

    VERIFIED = "verified", "Verified"
    FAILED = "failed", "Failed"
    NOT_CHECKED = "not_checked", "Not checked"


class PortalDomain(TenantModel):
    """One account's claim on a host name, on which its customer portal is served once Verified.

    ``domain`` is stored in the form :func:`domains.hostnames.normalise` gives. Several accounts may
    claim one name; a claim becomes Verified when the name's CNAME points at the platform *and*
    its TXT record ``_portal-challenge.<domain>`` holds the claim's ``verification_token``, so only
    who controls the name's DNS can win it. Unique per account, and among Verified claims on the
    whole platform (one host, one tenant). Saving or deleting a domain forgets its host in the
    routing cache on commit (domains/signals.py).
    """

    Status = DnsStatus

    domain = models.CharField(max_length=253)
    verification_token = models.CharField(max_length=64, default=new_claim_token, editable=False)
    brand_name = models.CharField(max_length=100, blank=True)
    logo = models.FileField(upload_to=logo_path, blank=True, max_length=200)
    primary_color = models.CharField(
        "primary colour", max_length=7, default=DEFAULT_COLOR, validators=[COLOR_VALIDATOR]
    )
    footer_text = models.CharField(max_length=300, blank=True)
    customer_signup = models.BooleanField(default=False)
    carrier_signup = models.BooleanField(default=False)
    new_customer_debit_limit = models.DecimalField(
        max_digits=14, decimal_places=4, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    # Whose settings (currency, rate card, hidden areas, portal access) a customer signing up on
    # this portal starts with: one of the account's own customers (the form offers only those,
    # through the portal app's ``template_customer_choices`` hook). Forms and services write it
    # as ``template_customer_id``.
    template_customer = models.ForeignKey(
        "portal.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    currencies = models.JSONField(default=list)
    access_areas = models.JSONField(default=list, blank=True)
    status = models.CharField(
        "DNS status", max_length=8, choices=DnsStatus.choices, default=DnsStatus.PENDING
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_found = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = TenantManager.from_queryset(PortalDomainQuerySet)()

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["account", "domain"], name="portaldomain_claim_unique"),
            models.UniqueConstraint(
                fields=["domain"],
                condition=models.Q(status="verified"),
                name="portaldomain_verified_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "domain"], name="portaldomain_account_domain"),
            models.Index(
                fields=["account", "status", "domain"], name="portaldomain_account_status"
            ),
            models.Index(
                fields=["account", "last_checked_at"], name="portaldomain_account_checked"
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_domain = instance.__dict__.get("domain")
        return instance

    @property
    def is_verified(self) -> bool:
        return self.status == DnsStatus.VERIFIED

    @property
    def taken(self) -> bool:
        """Another account holds the name Verified (``with_claim_state()`` annotates it)."""
        return not self.is_verified and bool(getattr(self, "verified_elsewhere", False))

    @property
    def status_label(self) -> str:
        return "Verified by another account" if self.taken else self.get_status_display()

    @property
    def challenge_name(self) -> str:
        return challenge_name(self.domain)

    @property
    def display_domain(self) -> str:
        return display(self.domain)

    @property
    def brand(self) -> str:
        return self.brand_name or self.display_domain

    @property
    def theme_version(self) -> str:
        """Changes whenever the stylesheet would: the portal links /portal.css?v=<this>."""
        return self.primary_color.lstrip("#")

    @property
    def logo_version(self) -> str:
        return self.logo.name.rsplit("/", 1)[-1].split(".", 1)[0] if self.logo else ""

    @property
    def access_area_labels(self) -> list[str]:
        return [ACCESS_AREA_LABELS[key] for key in self.access_areas if key in ACCESS_AREA_LABELS]


class DomainCheck(TenantModel):
    """One DNS verification of a portal domain: when, by whom (empty: the scheduled re-check),
    the name checked, the outcome and what was found."""

    Outcome = CheckOutcome

    domain = models.ForeignKey(PortalDomain, on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(max_length=253)
    status = models.CharField(max_length=11, choices=CheckOutcome.choices)
    found = models.CharField(max_length=500)
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [
            models.Index(fields=["domain", "-checked_at"], name="domaincheck_domain_checked"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_status_display()} at {self.checked_at:%Y-%m-%d %H:%M}"
