"""Customer signup on a portal domain with Customer signup on (SPEC §7).

A visitor's form creates a customer in Pending approval — the domain's debit limit, the domain's
template customer's settings (currency, rate card, hidden areas, portal access) — and its first
contact; the operator approves it in the panel (services.change_status). Rate-limited per
caller and per domain (users/throttle.within_limit). No account enumeration: an address that
already has a login gets a mail saying so instead of a duplicate, and the visitor sees the very
same answer either way. Every outcome is audited in the account's log.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import audit
from accounts.actors import Actor
from accounts.emails import normalise_email
from accounts.errors import Refused
from accounts.mail import send_mail_later

from . import links
from .models import Contact, Customer, CustomerStatus

# Signups counted per caller address and per portal domain, within WINDOW seconds (settings
# PORTAL_SIGNUPS_PER_IP and PORTAL_SIGNUPS_PER_DOMAIN override the defaults).
PER_IP, PER_DOMAIN, WINDOW = 5, 50, 3600
THROTTLED = (
    "Too many signups were sent from here in the last hour. Please try again later, or "
    "contact {brand}."
)


class SignupThrottled(Refused):
    """Too many signups: the view answers 429 with the message."""


@dataclass(frozen=True)
class Signup:
    company: str
    name: str
    email: str
    phone: str
    password: str
    currency: str


def currencies_of(domain) -> list[str]:
    """The currencies a signup may choose on ``domain``: the domain's (the account's when the
    domain names none)."""
    return list(domain.currencies) or [domain.account.currency]


def template_of(domain) -> Customer | None:
    """The domain's template customer, only ever one of the domain's own account."""
    if domain.template_customer_id is None:
        return None
    return (
        Customer.objects.for_account(domain.account)
        .select_related("rate_card")
        .filter(pk=domain.template_customer_id)
        .first()
    )


def default_currency(domain) -> str:
    template, offered = template_of(domain), currencies_of(domain)
    if template is not None and template.currency in offered:
        return template.currency
    return offered[0]


def check_password(password: str, *, name: str, email: str) -> None:
    """Django's validators (the project's rules among them), as a Refused on the field."""
    try:
        password_validation.validate_password(password, Contact(name=name, email=email))
    except ValidationError as error:
        raise Refused({"password1": error.messages}) from None


def _throttle(domain, visitor: Actor) -> None:
    from users import throttle

    per_ip = getattr(settings, "PORTAL_SIGNUPS_PER_IP", PER_IP)
    per_domain = getattr(settings, "PORTAL_SIGNUPS_PER_DOMAIN", PER_DOMAIN)
    by_ip = throttle.within_limit(
        f"portal-signup:ip:{domain.pk}:{throttle.caller(visitor.ip)}", per_ip, WINDOW
    )
    by_domain = throttle.within_limit(f"portal-signup:domain:{domain.pk}", per_domain, WINDOW)
    if not (by_ip and by_domain):
        audit.record(
            "portal.signup_throttled",
            account=domain.account,
            actor=visitor,
            data={"portal": domain.domain, "limit": "caller" if not by_ip else "domain"},
        )
        raise SignupThrottled(THROTTLED.format(brand=domain.brand))


def _free_name(account, company: str, email: str) -> str:
    """The company name, or — when the account already has a customer of that name (the answer
    must not tell) — the name with the contact's address, for the operator to sort out."""
    taken = Customer.objects.for_account(account).filter(name__iexact=company)
    if not taken.exists():
        return company
    return f"{company} ({email})"[:120]


def sign_up(domain, signup: Signup, *, visitor: Actor) -> Customer | None:
    """Create the pending customer and its contact, or — when the address already has a login
    of this account — mail that contact a note instead. Returns the new customer (None when
    nothing was created). Raises SignupThrottled past the limits, Refused for bad input."""
    if not domain.customer_signup:
        raise Refused("Signup is not open on this portal.")
    account = domain.account
    email = normalise_email(signup.email)
    if signup.currency not in currencies_of(domain):
        raise Refused("Choose one of the currencies offered.", "currency")
    check_password(signup.password, name=signup.name, email=email)
    _throttle(domain, visitor)
    existing = Contact.objects.for_account(account).filter(email=email).first()
    if existing is not None:
        Contact(password="").set_password(signup.password)  # the same work as a real signup
        _mail_existing(domain, existing)
        audit.record(
            "portal.signup_existing_email",
            account=account,
            actor=visitor,
            target=existing,
            data={"portal": domain.domain, "email": email},
        )
        return None
    try:
        return _create(domain, signup, email, visitor)
    except IntegrityError:  # the same address signed up at the same moment: it exists now
        return None


@transaction.atomic
def _create(domain, signup: Signup, email: str, visitor: Actor) -> Customer:
    account = domain.account
    template = template_of(domain)
    card = template.rate_card if template is not None else None
    customer = Customer(
        account=account,
        name=_free_name(account, signup.company, email),
        currency=signup.currency,
        debit_limit=domain.new_customer_debit_limit or Decimal("0"),
        status=CustomerStatus.PENDING,
        portal_access=template.portal_access if template is not None else True,
        hidden_areas=list(template.hidden_areas) if template is not None else [],
        # A rate card prices in its own currency: copied only when it is the customer's.
        rate_card=card if card is not None and card.currency == signup.currency else None,
    )
    customer.full_clean(exclude=["account"], validate_constraints=False)
    customer.save()
    contact = Contact(
        account=account, customer=customer, name=signup.name, email=email, phone=signup.phone
    )
    contact.set_password(signup.password)
    contact.full_clean(exclude=["account", "customer", "password"], validate_constraints=False)
    contact.save()
    audit.record(
        "customer.signed_up",
        account=account,
        actor=visitor,
        target=customer,
        changes=audit.diff(
            {},
            {
                "name": customer.name,
                "currency": customer.currency,
                "debit_limit": customer.debit_limit,
                "status": CustomerStatus.PENDING.label,
                "template": template.name if template is not None else "",
                "rate_card": customer.rate_card.name if customer.rate_card_id else "",
                "contact": f"{contact.name} <{contact.email}>",
            },
        ),
        data={"portal": domain.domain},
    )
    brand = domain.brand
    send_mail_later(
        account,
        f"Your {brand} signup is waiting for approval",
        (
            f"Hello {contact.name},\n\n"
            f"Thank you for signing up {customer.name} to the {brand} customer portal.\n"
            f"{brand} will review your request; once it is approved you can sign in at\n\n"
            f"{links.portal_url(domain, 'portal:login')}\n\n"
            f"with this email address: {contact.email}\n"
        ),
        [contact.email],
    )
    return customer


def _mail_existing(domain, contact: Contact) -> None:
    brand = domain.brand
    send_mail_later(
        domain.account,
        f"Someone tried to sign up to {brand} with your address",
        (
            f"Hello {contact.name},\n\n"
            f"Someone asked to sign up to the {brand} customer portal with this email address "
            f"({contact.email}), which already has a login there, so nothing new was created.\n\n"
            f"If it was you, sign in here:\n\n{links.portal_url(domain, 'portal:login')}\n\n"
            f"Forgot your password? Choose a new one here:\n\n"
            f"{links.portal_url(domain, 'portal:password_reset')}\n\n"
            "If it was not you, ignore this mail: nothing has changed.\n"
        ),
        [contact.email],
    )
