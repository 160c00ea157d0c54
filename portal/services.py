"""Seams the customer-portal issue (SPEC §7: customers, contacts, portal sign-in) fills in.

The Domains issue built the portal's shell (host routing, branding, the sign-in page); who the
customers are and how their contacts sign in arrives with the portal issue. Until then these
functions say so honestly instead of pretending: there are no customers to choose, and nobody can
sign in, because no customer contact exists yet.
"""

from accounts.errors import Refused


def customer_choices(account) -> list[tuple[int, str]]:
    """``account``'s customers as (id, name), for the portal domain's Template customer select.

    The customer-portal issue fills this from its Customer model (and turns
    ``PortalDomain.template_customer_id`` into a foreign key). Until then an account has no
    customers, so the select offers only "None".
    """
    return []


def sign_in_contact(request, portal_domain, email: str, password: str):
    """Sign a customer contact in on ``portal_domain`` (a session valid on that domain only).

    The customer-portal issue fills this in: find the contact among the domain's account's
    customers, check the password (and TOTP), throttle failures, log in and audit. Until then no
    contact exists, so no credentials can be checked: it refuses and says that sign-in is not
    open yet, rather than claiming the email and password do not match.
    """
    raise Refused(
        f"Sign-in to this portal is not open yet. Please contact {portal_domain.brand} for access."
    )
