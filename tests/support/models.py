from django.db import models

from accounts.fields import EncryptedTextField
from accounts.tenancy import TenantModel


class SecretNote(TenantModel):
    """A tenant-owned row with an encrypted value, to test the field and the tenancy helpers."""

    label = models.CharField(max_length=100)
    secret = EncryptedTextField(blank=True)

    class Meta:
        app_label = "test_support"

    def __str__(self) -> str:
        return self.label
