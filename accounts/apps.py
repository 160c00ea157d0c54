from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # The encryption-key system check; the receiver that binds each new session to its host.
        from . import checks, sessions  # noqa: F401
