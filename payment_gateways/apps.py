from django.apps import AppConfig


class PaymentGatewaysConfig(AppConfig):
    name = "payment_gateways"
    verbose_name = "Payment gateways"

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
