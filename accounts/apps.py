from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # The encryption-key system check; the receivers that bind each new session to its host
        # and stamp its first activity (the idle timeout).
        from django.conf import settings

        # metrics: the query counter is installed on every database connection from the start.
        from . import checks, metrics, policy, sessions  # noqa: F401

        if settings.SENTRY_DSN:  # error reports leave only when a DSN is set
            from . import errorreporting

            errorreporting.init(
                settings.SENTRY_DSN,
                environment=settings.SENTRY_ENVIRONMENT,
                release=settings.SENTRY_RELEASE,
                traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
            )
