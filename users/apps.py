from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Staff users"

    def ready(self):
        from . import sessions  # noqa: F401  (binds each new session to its host)
