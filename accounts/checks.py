from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def encryption_keys_usable(app_configs, **kwargs):
    from .fields import key_ring

    try:
        key_ring()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="accounts.E001")]
    return []
