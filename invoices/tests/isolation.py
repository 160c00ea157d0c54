"""Isolation-crawler entries for the invoice screens and the Settings tab's invoicing card."""

from tests.isolation import page, portal_object, portal_page, tenant_object


def _customer(world, side):
    return {"pk": world[f"customer_{side}"].pk}


def _invoice(world, side):
    return {"pk": world[f"invoice_{side}"].pk}


ENTRIES = {
    "invoices:list": page(),
    "invoices:customer": tenant_object(_customer),
    "invoices:generate": tenant_object(_customer),
    "invoices:detail": tenant_object(_invoice),
    "invoices:issue": tenant_object(_invoice),
    "invoices:void": tenant_object(_invoice),
    "invoices:edit": tenant_object(_invoice),
    "invoices:allocate": tenant_object(_invoice),
    "invoices:pdf": tenant_object(_invoice),
    "invoice_settings:edit": page(),
    # The portal's Invoice area: the signed-in contact's own customer's invoices; B's invoice
    # on A's host is a 404 (invoices/tests/test_portal_invoices.py also crosses customers).
    "portal:invoices": portal_page(),
    "portal:invoice_pdf": portal_object(_invoice),
    "portal:invoice_pay": portal_object(_invoice),
}
