"""The webhook URL scheme, fixed here: ``/webhooks/<type>/<gateway uuid>/``.

The API tab shows each gateway's URL for the operator to paste into PayPal's or Stripe's
dashboard. Receiving the calls is the payments issue's: it adds, in config/urls.py,

    path(WEBHOOK_ROUTE, payment_gateways.views.webhook, name="webhook")

with a ``@public`` view that finds the gateway by type and uuid and hands the request to
``client_for(gateway).parse_webhook(...)``. Until then the path is not routed, so a delivery
gets a 404 and the gateway retries it later (Stripe and PayPal both retry for days).
"""

from accounts.links import panel_url

WEBHOOK_ROUTE = "webhooks/<slug:gateway_type>/<uuid:gateway_uuid>/"


def webhook_path(gateway) -> str:
    return f"/webhooks/{gateway.type}/{gateway.uuid}/"


def webhook_url(gateway) -> str:
    """The absolute URL on the panel's public address (PANEL_BASE_URL), whatever host the
    operator reached the panel on: the gateway must call the address the world knows."""
    return panel_url(webhook_path(gateway))
