from django.urls import path

from ..webhooks import PLATFORM_WEBHOOK_ROUTE, WEBHOOK_ROUTE
from . import webhooks

app_name = "webhooks"

# Mounted at the site's root (payment_gateways/panel.py); the platform's route comes first.
urlpatterns = [
    path(PLATFORM_WEBHOOK_ROUTE, webhooks.platform_webhook, name="platform"),
    path(WEBHOOK_ROUTE, webhooks.gateway_webhook, name="gateway"),
]
