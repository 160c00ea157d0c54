"""Isolation-crawler entries for the Customers, Rate Cards and CDR sections (panel) and the
customer portal (requested on account A's portal host)."""

from tests.isolation import page, portal_object, portal_page, tenant_object


def _customer(world, side):
    return {"pk": world[f"customer_{side}"].pk}


def _card(world, side):
    return {"pk": world[f"ratecard_{side}"].pk}


def _rate(world, side):
    card = world[f"ratecard_{side}"]
    return {"pk": card.pk, "rate_pk": card.rates.order_by("pk").first().pk}


def _contact(world, side):
    return {"pk": world[f"customer_{side}"].pk, "contact_pk": world[f"contact_{side}"].pk}


def _customer_payment(world, side):
    return {"pk": world[f"customer_payment_{side}"].pk}


ENTRIES = {
    "customers:list": page(),
    "customers:add": page(),
    "customers:detail": tenant_object(_customer),
    "customers:edit": tenant_object(_customer),
    "customers:status": tenant_object(_customer),
    "customers:contact_add": tenant_object(_customer),
    "customers:contact_edit": tenant_object(_contact),
    "customers:contact_delete": tenant_object(_customer),
    "ratecards:list": page(),
    "ratecards:add": page(),
    "ratecards:delete": page(),
    "ratecards:detail": tenant_object(_card),
    "ratecards:edit": tenant_object(_card),
    "ratecards:rate_add": tenant_object(_card),
    "ratecards:rate_edit": tenant_object(_rate),
    "ratecards:rate_delete": tenant_object(_card),
    "ratecards:import": tenant_object(_card),
    "ratecards:export": tenant_object(_card),
    "cdr:list": page(),
    "cdr:export": page(),
    "portal:home": portal_page(),
    "portal:login": portal_page(),
    "portal:stylesheet": portal_page(),
    "portal:logo": portal_page(),
    # Public: the signed single-use token names a contact of this domain's account only
    # (portal/tests/test_contacts.py); a bad token shows why the link does not work.
    "portal:invitation": portal_page({"token": "not-a-token"}),
    "portal:password_reset_confirm": portal_page({"token": "not-a-token"}),
    "portal:login_code": portal_page(),
    "portal:logout": portal_page(),
    "portal:password_reset": portal_page(),
    # A contact's sections: a contact of A's customer sees only that customer's rows
    # (portal/tests/test_portal_sections.py signs contacts in and crosses customers and accounts).
    "portal:cdr": portal_page(),
    "portal:cdr_export": portal_page(),
    "portal:rates": portal_page(),
    "portal:rates_export": portal_page(),
    # Payments: a contact's own customer's payments; B's payment id on A's host is a 404
    # (portal/tests/test_payments.py also crosses customers of the same account).
    "portal:payments": portal_page(),
    "portal:payment_new": portal_page(),
    "portal:payment_detail": portal_object(_customer_payment),
    "portal:payment_return": portal_object(_customer_payment),
    "portal:payment_cancel": portal_object(_customer_payment),
    # Signup: public, on while A's domain has Customer signup on (else 404); it only creates
    # (portal/tests/test_signup.py). Profile: the signed-in contact's own row only
    # (portal/tests/test_profile.py).
    "portal:signup": portal_page(),
    "portal:profile": portal_page(),
    "portal:profile_password": portal_page(),
    "portal:profile_two_factor": portal_page(),
    "portal:profile_two_factor_disable": portal_page(),
}
