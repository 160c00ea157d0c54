"""An issued invoice each side (A and B), for the isolation crawler and the invoice tests."""

import datetime

from accounts.actors import PLATFORM
from invoices import services


def populate(world):
    for side in ("a", "b"):
        customer = world[f"customer_{side}"]
        day = services.today_for(customer.account) - datetime.timedelta(days=400)
        invoice = services.generate_invoice(
            actor=PLATFORM, customer=customer, period_from=day, period_to=day, issue=True
        )
        world[f"invoice_{side}"] = invoice
