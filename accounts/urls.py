from django.urls import path

from .navigation import SECTIONS
from .panel import SETTINGS
from .views import audit_log, config, operations, sections, settings, smtp

app_name = "accounts"

urlpatterns = [
    path("", sections.home, name="home"),
    # Probes for load balancers and Prometheus; OperationsMiddleware serves them on every host.
    path("healthz", operations.healthz, name="healthz"),
    path("readyz", operations.readyz, name="readyz"),
    path("metrics", operations.metrics_view, name="metrics"),
    path("help/", sections.help_index, name="help_index"),
    path("help/<slug:topic>/", sections.help_topic, name="help"),
    # Config (My Account tab)
    path("account/config/", config.config, name="config"),
    path("account/config/edit/", config.config_edit, name="config_edit"),
    path("account/config/security/", config.config_security, name="config_security"),
    path("account/config/devices/<int:pk>/revoke/", config.device_revoke, name="device_revoke"),
    path("account/config/smtp/", smtp.smtp_edit, name="smtp_edit"),
    path("account/config/smtp/test-email/", smtp.smtp_test_email, name="smtp_test_email"),
    path("account/config/smtp/test-mobile/", smtp.smtp_test_mobile, name="smtp_test_mobile"),
    # Settings (My Account tab, Administrators): the security policy
    path(SETTINGS.path, settings.settings_page, name="settings"),
    path(f"{SETTINGS.path}edit/", settings.settings_edit, name="settings_edit"),
    # Audit Log (Setup menu)
    path("audit/", audit_log.audit_log, name="audit_log"),
    path("audit/export.csv", audit_log.audit_log_export, name="audit_log_export"),
]

# Sections whose issue has not landed: an honest page behind the section's own permission.
urlpatterns += [
    path(section.path, sections.not_available_view(section), name=section.key)
    for section in SECTIONS.values()
    if not section.url_name
]
