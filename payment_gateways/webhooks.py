"""The webhook URL scheme, fixed here.

- ``/webhooks/<type>/<gateway uuid>/``: an account's own gateway. The API tab shows each
  gateway's URL for the operator to paste into PayPal's or Stripe's dashboard.
- ``/webhooks/platform/<type>/``: the platform's own Stripe and PayPal (Account top-ups, from
  the PLATFORM_* settings); the platform operator pastes these into its dashboards.

Both are routed by ``payments/webhook_urls.py`` to ``payments/webhooks.py`` (public, CSRF-exempt:
only the gateway's signature counts).
"""

from accounts.links import panel_url

WEBHOOK_ROUTE = "webhooks/<slug:gateway_type>/<uuid:gateway_uuid>/"
PLATFORM_WEBHOOK_ROUTE = "webhooks/platform/<slug:gateway_type>/"


def webhook_path(gateway) -> str:
    return f"/webhooks/{gateway.type}/{gateway.uuid}/"


def webhook_url(gateway) -> str:
    """The absolute URL on the panel's public address (PANEL_BASE_URL), whatever host the
    operator reached the panel on: the gateway must call the address the world knows."""
    return panel_url(webhook_path(gateway))


def platform_webhook_path(gateway_type: str) -> str:
    return f"/webhooks/platform/{gateway_type}/"
