from django.apps import AppConfig


class PaymentGatewaysConfig(AppConfig):
    name = "payment_gateways"
    verbose_name = "Payment gateways"
