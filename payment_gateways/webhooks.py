"""The webhook URL scheme, fixed here: ``/webhooks/<type>/<gateway uuid>/``.

The API tab shows each gateway's URL for the operator to paste into PayPal's or Stripe's
dashboard. Receiving the calls is the payments issue's: it adds, in config/urls.py,

    path(WEBHOOK_ROUTE, payment_gateways.views.webhook, name="webhook")

with a ``@public`` view that finds the gateway by type and uuid and hands the request to
``client_for(gateway).parse_webhook(...)``. Until then the path is not routed, so a delivery
gets a 404 and the gateway retries it later (Stripe and PayPal both retry for days).
"""

WEBHOOK_ROUTE = "webhooks/<slug:gateway_type>/<uuid:gateway_uuid>/"


def webhook_path(gateway) -> str:
    return f"/webhooks/{gateway.type}/{gateway.uuid}/"


def webhook_url(request, gateway) -> str:
    """The absolute URL, on the host (and scheme) the operator is using."""
    return request.build_absolute_uri(webhook_path(gateway))
