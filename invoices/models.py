"""Customer invoices: the account's invoicing preferences (one row per account, made on demand),
the invoices generated from a customer's CDRs for a period, their lines, and the payments
allocated to them.

Numbering: a Draft has no number. The number is taken at issue time from the account's counter
(``InvoiceSettings.next_number``, row-locked inside the issuing transaction), so numbers are
gapless and unique per account (constraint ``invoice_number_unique``) even when several
invoices are issued at once, and a voided draft leaves no gap.

An issued invoice is immutable: services refuse to change its lines or amounts; a correction is
a void (with its reason) plus a new invoice, both audited.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from accounts.models import validate_currency
from accounts.tenancy import TenantModel

PREFIX_MAX_LENGTH = 12
# Printable characters only: no control characters (C0, DEL, C1) in a number that is printed.
PREFIX_VALIDATOR = RegexValidator(
    r"^[^\x00-\x1f\x7f-\x9f]*$", "A prefix has no control characters (tabs, line breaks, ...)."
)


class Grouping(models.TextChoices):
    DESTINATION = "destination", "By destination"
    DAY = "day", "By day"
    PACKAGE = "package", "One line per package"


class InvoiceSettings(TenantModel):
    """The Settings tab's invoicing preferences; ``next_number`` is the numbering counter."""

    Grouping = Grouping

    grouping = models.CharField(
        "line grouping", max_length=12, choices=Grouping.choices, default=Grouping.DESTINATION
    )
    number_prefix = models.CharField(
        "invoice number prefix",
        max_length=PREFIX_MAX_LENGTH,
        blank=True,
        default="INV-",
        validators=[PREFIX_VALIDATOR],
    )
    next_number = models.PositiveIntegerField(
        "next invoice number", default=1, validators=[MinValueValidator(1)]
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        "payment terms (days)", default=30, validators=[MaxValueValidator(365)]
    )
    tax_rate = models.DecimalField(
        "default tax rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    footer = models.TextField("invoice footer", max_length=1000, blank=True)

    class Meta:
        verbose_name = "invoice settings"
        verbose_name_plural = "invoice settings"
        constraints = [
            models.UniqueConstraint(fields=["account"], name="invoicesettings_one_per_account"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100),
                name="invoicesettings_tax_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(next_number__gte=1), name="invoicesettings_next_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice settings of account {self.account_id}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


class Invoice(TenantModel):
    Status = InvoiceStatus

    customer = models.ForeignKey(
        "portal.Customer", on_delete=models.RESTRICT, related_name="invoices"
    )
    period_from = models.DateField()
    period_to = models.DateField()  # inclusive, in the account's time zone
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Empty until issued: "INV-42" (prefix and sequence as they were at issue time).
    number = models.CharField(max_length=40, blank=True, default="")
    sequence = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    grouping = models.CharField(max_length=12, choices=Grouping.choices)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    status = models.CharField(
        max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    void_reason = models.CharField(max_length=500, blank=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "number"],
                condition=~Q(number=""),
                name="invoice_number_unique",
            ),
            # One live invoice per customer and period: generating twice makes no second.
            models.UniqueConstraint(
                fields=["account", "customer", "period_from", "period_to"],
                condition=~Q(status=InvoiceStatus.VOID),
                name="invoice_period_unique",
            ),
            models.CheckConstraint(
                condition=Q(period_from__lte=models.F("period_to")),
                name="invoice_period_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "customer", "period_from", "id"], name="invoice_customer"
            ),
            models.Index(fields=["account", "period_from", "id"], name="invoice_account_period"),
            models.Index(fields=["account", "status", "id"], name="invoice_account_status"),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft invoice {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == InvoiceStatus.ISSUED


class InvoiceLine(TenantModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=14, decimal_places=2)
    unit = models.CharField(max_length=20)
    unit_price = models.DecimalField(max_digits=14, decimal_places=6)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["invoice", "position", "id"], name="invoiceline_order")]

    def __str__(self) -> str:
        return self.description


class InvoicePayment(TenantModel):
    """Part of a customer payment allocated to an invoice: by hand in the panel (no ``payment``)
    or, for a portal customer payment, when it is confirmed (``payment`` set; at most one row per
    payment and invoice, so a confirmation delivered twice allocates once). When the allocations
    reach the invoice's total, it becomes Paid (services.mark_paid_if_settled)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allocations")
    payment = models.ForeignKey(
        "payment_gateways.Payment",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="invoice_allocations",
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reference = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoicepayment_positive"),
            models.UniqueConstraint(
                fields=["payment", "invoice"],
                condition=Q(payment__isnull=False),
                name="invoicepayment_once_per_payment",
            ),
        ]
        indexes = [models.Index(fields=["invoice", "id"], name="invoicepayment_invoice")]

    def __str__(self) -> str:
        return f"{self.amount} to invoice {self.invoice_id}"


class InvoiceCheckout(TenantModel):
    """A portal payment started by "Pay" on an invoice: when it is confirmed, it goes to that
    invoice first (then to the customer's other open invoices, oldest first)."""

    payment = models.OneToOneField(
        "payment_gateways.Payment", on_delete=models.CASCADE, related_name="invoice_checkout"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="checkouts")

    def __str__(self) -> str:
        return f"Payment {self.payment_id} for invoice {self.invoice_id}"
