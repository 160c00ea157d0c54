"""Isolation-crawler entries for the core's URLs: the shell, help, Config, Settings and the Audit
Log."""

from tests.isolation import exempt, page, tenant_object

ENTRIES = {
    "accounts:home": page(),
    # Probes: no session, no tenant data (accounts/tests/test_operations.py).
    "accounts:healthz": exempt("liveness probe: names nothing, no session"),
    "accounts:readyz": exempt("readiness probe: one word per dependency, no session"),
    "accounts:metrics": exempt("Prometheus metrics: bounded labels, never a tenant"),
    "accounts:help_index": page(),
    "accounts:help": page({"topic": "config"}),
    "accounts:config": page(),
    "accounts:config_edit": page(),
    "accounts:config_security": page(),
    "accounts:device_revoke": tenant_object(lambda world, side: {"pk": world[f"device_{side}"].pk}),
    # SMTP Details act on the signed-in user's own account: no object in the URL.
    "accounts:smtp_edit": page(),
    "accounts:smtp_test_email": page(),
    "accounts:smtp_test_mobile": page(),
    "accounts:settings": page(),
    "accounts:settings_edit": page(),
    "accounts:audit_log": page(),
    "accounts:audit_log_export": page(),
}
