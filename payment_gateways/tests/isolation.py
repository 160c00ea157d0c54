"""Isolation-crawler entries for the API tab (payment gateways)."""

from tests.isolation import page, tenant_object

ENTRIES = {
    "payment_gateways:list": page(),
    "payment_gateways:add": page({"gateway_type": "stripe"}),
    "payment_gateways:edit": tenant_object(lambda world, side: {"pk": world[f"gateway_{side}"].pk}),
    "payment_gateways:refresh": page(),
    "payment_gateways:delete": page(),
}
