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


@checks.register(checks.Tags.security)
def metrics_allowed_ips_usable(app_configs, **kwargs):
    """/metrics answers only to METRICS_ALLOWED_IPS: every entry must be an address or network,
    and none may open it to the whole internet."""
    import ipaddress

    from django.conf import settings

    problems = []
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            problems.append(
                checks.Error(
                    f"METRICS_ALLOWED_IPS: {entry!r} is not an IP address or network.",
                    id="accounts.E003",
                )
            )
            continue
        if network.prefixlen == 0:
            problems.append(
                checks.Warning(
                    f"METRICS_ALLOWED_IPS holds {entry}: /metrics is open to every address.",
                    hint="List the Prometheus servers' addresses or their network.",
                    id="accounts.W003",
                )
            )
    return problems


@checks.register()
def operations_settings_usable(app_configs, **kwargs):
    import os

    from django.conf import settings

    problems = []
    if settings.LOG_FORMAT not in ("json", "console"):
        problems.append(
            checks.Error(
                f"LOG_FORMAT is {settings.LOG_FORMAT!r}: use json or console.", id="accounts.E004"
            )
        )
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if directory and not (os.path.isdir(directory) and os.access(directory, os.W_OK)):
        problems.append(
            checks.Error(
                "PROMETHEUS_MULTIPROC_DIR names no writable directory: the workers cannot "
                "record metrics.",
                id="accounts.E005",
            )
        )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def production_operations(app_configs, **kwargs):
    """Production writes JSON log lines (a collector reads them) and sends error reports over
    TLS only."""
    from django.conf import settings

    problems = []
    if settings.LOG_FORMAT != "json":
        problems.append(
            checks.Warning(
                "LOG_FORMAT is not json: a log collector cannot read the lines.",
                id="accounts.W004",
            )
        )
    if settings.SENTRY_DSN and not settings.SENTRY_DSN.startswith("https://"):
        problems.append(
            checks.Warning(
                "SENTRY_DSN is not https://: error reports would travel unencrypted.",
                id="accounts.W005",
            )
        )
    return problems
