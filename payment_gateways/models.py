"""A tenant's own payment gateways: PayPal and Stripe credentials, checked against the gateway."""

import uuid

from django.db import models
from django.db.models.functions import Lower

from accounts.fields import EncryptedTextField
from accounts.tenancy import TenantModel

MASK = "••••"


def last4(value: str) -> str:
    """``••••1234``: the most of a key or secret the panel ever shows."""
    if not value:
        return ""
    return MASK + value[-4:] if len(value) > 8 else MASK


class Gateway(TenantModel):
    class Type(models.TextChoices):
        PAYPAL = "paypal", "PayPal"
        STRIPE = "stripe", "Stripe"

    class Mode(models.TextChoices):
        SANDBOX = "sandbox", "Sandbox"  # PayPal
        TEST = "test", "Test"  # Stripe
        LIVE = "live", "Live"

    class Status(models.TextChoices):
        NOT_CHECKED = "not_checked", "Not checked"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Failed"

    MODES = {
        Type.PAYPAL: [Mode.SANDBOX, Mode.LIVE],
        Type.STRIPE: [Mode.TEST, Mode.LIVE],
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=Type.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    currencies = models.JSONField(default=list, help_text="ISO 4217 codes, at least one")
    # PayPal: Client ID; Stripe: publishable key. Identifiers, not secrets (Stripe.js shows the
    # publishable key to every customer), so they are kept in clear; the list masks them anyway.
    public_key = models.CharField(max_length=255)
    # PayPal: Secret; Stripe: secret (sk_) or restricted (rk_) key.
    secret_key = EncryptedTextField()
    # Stripe: the webhook signing secret (whsec_...).
    webhook_secret = EncryptedTextField(blank=True, default="")
    # PayPal: the receiver's account email and the webhook ID used to verify PayPal's signatures.
    receiver_email = models.EmailField(blank=True, default="")
    webhook_id = models.CharField(max_length=64, blank=True, default="")

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_CHECKED)
    status_reason = models.TextField(blank=True, default="")
    checked_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("account", Lower("name"), name="gateway_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(type="paypal", mode__in=["sandbox", "live"])
                | models.Q(type="stripe", mode__in=["test", "live"]),
                name="gateway_mode_fits_type",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "name"], name="gateway_account_name"),
            models.Index(fields=["account", "type", "name"], name="gateway_account_type"),
            models.Index(fields=["account", "status", "name"], name="gateway_account_status"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_public_key(self) -> str:
        return last4(self.public_key)

    @property
    def masked_secret_key(self) -> str:
        return last4(self.secret_key)

    @property
    def masked_webhook_secret(self) -> str:
        return last4(self.webhook_secret)

    @property
    def is_live(self) -> bool:
        return self.mode == self.Mode.LIVE


class Payment(TenantModel):
    """One payment: who pays whom, for what, through which gateway, and how it ended.

    It moves Pending → Completed / Cancelled / Failed once (``payments.services``); only the
    gateway's word (a signed webhook, or a server-side check on return) completes it. ``target``
    says what a completion credits: the account's balance (``target_kind="account"``) or a
    portal customer's (``"customer"``, registered by portal/payments.py).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    METHOD_LABELS = {Gateway.Type.STRIPE: "Credit card", Gateway.Type.PAYPAL: "PayPal"}

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What a completion credits (payments/targets.py): a kind and, for kinds other than the
    # account itself, the credited row's id.
    target_kind = models.CharField(max_length=20, default="account")
    target_id = models.CharField(max_length=64, blank=True, default="")
    # The account's own gateway (portal payments), or empty for the platform's gateway of
    # ``provider`` (configured in settings). ``channel`` names either, for the uniqueness below.
    # A deleted gateway keeps its payments (their history and receipts); they can no longer be
    # confirmed through it.
    gateway = models.ForeignKey(
        Gateway, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    provider = models.CharField(max_length=10, choices=Gateway.Type.choices)
    channel = models.CharField(max_length=64, help_text="platform:<type> or gateway:<uuid>")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The gateway's ids: Stripe's Checkout Session / PayPal's payment (PAYID-…), and the
    # transaction that moved the money (Stripe's PaymentIntent, PayPal's sale).
    checkout_id = models.CharField(max_length=255, blank=True, default="")
    transaction_id = models.CharField(max_length=255, blank=True, default="")
    payer = models.CharField(
        max_length=254, blank=True, default="", help_text="as the gateway says"
    )
    failure_reason = models.TextField(blank=True, default="")
    started_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # One transaction id credits one payment, per gateway.
            models.UniqueConstraint(
                fields=["channel", "transaction_id"],
                condition=~models.Q(transaction_id=""),
                name="payment_transaction_unique_per_gateway",
            ),
            models.UniqueConstraint(
                fields=["channel", "checkout_id"],
                condition=~models.Q(checkout_id=""),
                name="payment_checkout_unique_per_gateway",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payment_amount_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "created", "id"], name="payment_account_created"),
            models.Index(
                fields=["account", "status", "created", "id"], name="payment_account_status"
            ),
            models.Index(fields=["account", "amount", "id"], name="payment_account_amount"),
            # The expiry job: old Pending payments of every account.
            models.Index(fields=["status", "created"], name="payment_status_created"),
            # A portal customer's history (target_kind="customer", target_id = its id).
            models.Index(
                fields=["account", "target_kind", "target_id", "created", "id"],
                name="payment_account_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.amount} {self.currency})"

    @property
    def method_label(self) -> str:
        return self.METHOD_LABELS.get(self.provider, self.provider)

    @property
    def reference(self) -> str:
        """The short reference shown on pages and receipts (the full uuid goes to the gateway)."""
        return self.uuid.hex[:12].upper()

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class BalanceEntry(TenantModel):
    """One credit to a balance, written in the same transaction as the balance update: the
    balance can be re-derived from the ledger (first ``balance_after - amount`` is the opening
    balance) and audited. At most one entry per payment (the database says so too)."""

    target_kind = models.CharField(max_length=20, default="account")
    target_id = models.CharField(max_length=64, blank=True, default="")
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.RESTRICT, related_name="ledger_entry"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3)
    balance_after = models.DecimalField(max_digits=14, decimal_places=4)
    description = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        verbose_name_plural = "balance entries"
        indexes = [
            models.Index(
                fields=["account", "target_kind", "target_id", "created", "id"],
                name="balance_entry_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount:+} {self.currency} → {self.balance_after}"
