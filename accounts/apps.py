from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # The encryption-key system check; the receivers that bind each new session to its host
        # and stamp its first activity (the idle timeout).
        from . import checks, policy, sessions  # noqa: F401
