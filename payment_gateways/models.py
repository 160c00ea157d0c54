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
