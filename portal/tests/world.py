"""Both accounts' customers for the isolation crawler and the portal tests: a rate card with
rates, a customer with a contact (password set) and a call each side."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.actors import PLATFORM
from portal import services
from portal.models import Cdr, Rate, RateCard
from tests.fixtures import PASSWORD

SIDES = {
    "a": ("Alpha Retail Ltd", "Carla Contact", "carla@alpha-retail.test", "+15550001111"),
    "b": ("Bravo Wholesale GmbH", "Bernd Contact", "bernd@bravo-wholesale.test", "+4930000222"),
}


def populate(world):
    for side, (name, contact_name, email, caller) in SIDES.items():
        account = world[side]
        card = RateCard.objects.create(
            account=account, name=f"Retail {side.upper()}", currency=account.currency
        )
        since = datetime.date(2024, 1, 1)
        for prefix, destination, rate in (
            ("44", "United Kingdom", "0.0200"),
            ("447", "United Kingdom - Mobile", "0.0900"),
            ("1", "United States", "0.0100"),
        ):
            Rate.objects.create(
                account=account,
                rate_card=card,
                prefix=prefix,
                destination=destination,
                rate=Decimal(rate),
                effective_from=since,
            )
        customer = services.create_customer(
            actor=PLATFORM,
            account=account,
            data={
                "name": name,
                "currency": account.currency,
                "debit_limit": Decimal("100"),
                "rate_card": card,
                "portal_access": True,
                "hidden_areas": [],
            },
        )
        contact = services.create_contact(
            actor=PLATFORM,
            customer=customer,
            data={"name": contact_name, "email": email, "phone": ""},
            password=PASSWORD,
        )
        cdr = Cdr.objects.create(
            account=account,
            customer=customer,
            start_time=timezone.now() - datetime.timedelta(hours=2),
            caller=caller,
            callee="447700900123",
            destination="United Kingdom - Mobile",
            duration=125,
            rate=Decimal("0.09"),
            cost=Decimal("0.1875"),
            currency=account.currency,
            carrier=f"Carrier {side.upper()}",
            sip_code=200,
        )
        world[f"ratecard_{side}"] = card
        world[f"customer_{side}"] = customer
        world[f"contact_{side}"] = contact
        world[f"cdr_{side}"] = cdr
        world.setdefault(f"markers_{side}", []).extend([name, contact_name, email, caller])
        domain = world.get(f"portal_domain_{side}")
        if domain is not None:  # Customer signup on, this customer as the template
            domain.customer_signup, domain.template_customer = True, customer
            domain.save(update_fields=["customer_signup", "template_customer"])
    _customer_payments(world)
    world["portal_sign_in"] = _sign_in(world)


def _customer_payments(world):
    """A payment per side's customer (Cancelled: it moved no money) on the side's own Stripe
    gateway (payment_gateways/tests/world.py), and the portal domains' Payments area on, so the
    crawler reads the portal's Payments pages."""
    from domains.models import PortalDomain
    from payment_gateways.models import Payment

    for side in ("a", "b"):
        account, customer = world[side], world[f"customer_{side}"]
        gateway = world.get(f"gateway_{side}")
        world[f"customer_payment_{side}"] = payment = Payment.objects.create(
            account=account,
            target_kind="customer",
            target_id=str(customer.pk),
            gateway=gateway,
            provider="stripe",
            channel=f"gateway:{gateway.uuid}" if gateway else f"gateway:none-{side}",
            amount=Decimal("30.00"),
            currency=customer.currency,
            description=f"Balance top-up for {customer.name}",
            status=Payment.Status.CANCELLED,
            failure_reason="You cancelled the payment.",
        )
        world.setdefault(f"markers_{side}", []).append(payment.reference)
        domain = world.get(f"portal_domain_{side}")
        if domain is not None and "payments" not in domain.access_areas:
            domain.access_areas = [*domain.access_areas, "payments"]
            PortalDomain.objects.for_account(account).filter(pk=domain.pk).update(
                access_areas=domain.access_areas
            )


def _sign_in(world):
    """``world["portal_sign_in"](side)``: a client signed in as that side's contact on that
    side's portal host (tests/isolation.portal_client), for the crawler's portal pages. The
    session is made directly, like Client.force_login (tests may have rewritten the e-mail)."""
    from importlib import import_module

    from django.conf import settings
    from django.test import Client

    from portal import sessions
    from portal.models import Contact

    def sign_in(side):
        host = world[f"portal_host_{side}"]
        contact = Contact.objects.for_account(world[side]).get(pk=world[f"contact_{side}"].pk)
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[sessions.CONTACT_KEY] = {
            "id": contact.pk,
            "hash": sessions.password_hash(contact),
            "host": host,
        }
        store.save()
        client = Client(HTTP_HOST=host)
        client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
        assert client.get("/").status_code == 200, "the contact is signed in"
        return client

    return sign_in
