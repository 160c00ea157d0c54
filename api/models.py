"""API tokens (Config → API tokens): a token acts as the user who created it, narrowed to its
scopes. Only a SHA-256 of the token is kept; its first characters identify it in the list."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.ipnets import parse_ip_whitelist
from accounts.tenancy import TenantModel

TOKEN_PREFIX = "vac_"  # noqa: S105 (not a secret: the prefix secret scanners can look for)
SHOWN_PREFIX_LENGTH = 12  # "vac_" and 8 characters of the secret


class ApiToken(TenantModel):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # {module: "read" | "write"}: never more than the creating user held when it was made, and
    # narrowed again by that user's current permissions on every request.
    scopes = models.JSONField(default=dict)
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the whole token
    expires = models.DateTimeField(null=True, blank=True)
    ip_allowlist = models.TextField(
        "IP allow-list",
        blank=True,
        validators=[parse_ip_whitelist],
        help_text="One IP address or network (CIDR) a line; empty: any address.",
    )
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["account", "-created", "-id"], name="apitoken_account")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()

    @property
    def status(self) -> str:
        if self.revoked:
            return "Revoked"
        return "Expired" if self.is_expired else "Active"

    def scope_items(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.scopes.items()))
