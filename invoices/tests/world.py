"""An issued invoice each side (A and B), for the isolation crawler and the invoice tests; the
portal domains get the Invoice area, so the portal's Invoice pages are walked too."""

import datetime

from accounts.actors import PLATFORM
from domains.models import PortalDomain
from invoices import services


def populate(world):
    for side in ("a", "b"):
        customer = world[f"customer_{side}"]
        day = services.today_for(customer.account) - datetime.timedelta(days=400)
        invoice = services.generate_invoice(
            actor=PLATFORM, customer=customer, period_from=day, period_to=day, issue=True
        )
        world[f"invoice_{side}"] = invoice
        domain = world.get(f"portal_domain_{side}")
        if domain is not None and "invoice" not in domain.access_areas:
            domain.access_areas = [*domain.access_areas, "invoice"]
            PortalDomain.objects.for_account(customer.account).filter(pk=domain.pk).update(
                access_areas=domain.access_areas
            )
