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
