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


@checks.register()
def panel_base_url_usable(app_configs, **kwargs):
    from django.conf import settings

    from .links import panel_base_problem

    problem = panel_base_problem(settings.PANEL_BASE_URL)
    return [checks.Error(problem, id="accounts.E002")] if problem else []


@checks.register(checks.Tags.security, deploy=True)
def panel_base_url_is_https(app_configs, **kwargs):
    from django.conf import settings

    if settings.PANEL_BASE_URL.startswith("http://"):
        return [
            checks.Warning(
                "PANEL_BASE_URL is http://: password-reset and invitation links would travel "
                "unencrypted. Use the panel's https:// address.",
                id="accounts.W001",
            )
        ]
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
                id="accounts.W002",
            )
        ]
    return []
