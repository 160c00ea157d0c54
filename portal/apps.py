from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Customer portal"

    def ready(self):
        from payment_gateways.payments.targets import register

        from .payments import CustomerBalance

        register(CustomerBalance())
