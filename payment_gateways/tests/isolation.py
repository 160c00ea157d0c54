"""Isolation-crawler entries for the API tab (payment gateways), the Payments tab and the
webhook endpoints."""

from tests.isolation import exempt, page, tenant_object


def _payment(world, side):
    return {"pk": world[f"payment_{side}"].pk}


ENTRIES = {
    "payment_gateways:list": page(),
    "payment_gateways:add": page({"gateway_type": "stripe"}),
    "payment_gateways:edit": tenant_object(lambda world, side: {"pk": world[f"gateway_{side}"].pk}),
    "payment_gateways:refresh": page(),
    "payment_gateways:delete": page(),
    "payments:list": page(),
    "payments:new": page(),
    "payments:export": page(),
    "payments:detail": tenant_object(_payment),
    "payments:return": tenant_object(_payment),
    "payments:cancel": tenant_object(_payment),
    "payments:receipt": tenant_object(_payment),
    # No session: only a signature made with the gateway's own secret changes anything, and a
    # refused call is audited on the gateway's account (payment_gateways/tests/test_webhooks.py).
    "webhooks:platform": exempt(
        "signed webhook, no session (test_webhooks.py)", {"gateway_type": "stripe"}
    ),
    "webhooks:gateway": exempt(
        "signed webhook, no session (test_webhooks.py)",
        {"gateway_type": "stripe", "gateway_uuid": "7d6f9a52-1f0e-4a43-9a53-6b2f0c1f7a11"},
    ),
}
