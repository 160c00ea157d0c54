from django.apps import AppConfig


class DomainsConfig(AppConfig):
    name = "domains"
    verbose_name = "Portal domains"

    def ready(self):
        from . import signals  # noqa: F401  (forgets cached hosts when domains change)
