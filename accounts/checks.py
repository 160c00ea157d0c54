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


@checks.register(checks.Tags.compatibility)
def sms_gateway_configured(app_configs, **kwargs):
    """The http SMS backend needs a gateway address (Test Mobile would only say so otherwise)."""
    from django.conf import settings

    if settings.SMS_BACKEND == "http" and not settings.SMS_GATEWAY_URL:
        return [
            checks.Warning(
                "SMS_BACKEND is http but SMS_GATEWAY_URL is empty: no SMS can be sent.",
                hint="Set SMS_GATEWAY_URL (and SMS_GATEWAY_TOKEN), or SMS_BACKEND=console.",
                id="accounts.W001",
            )
        ]
    return []
