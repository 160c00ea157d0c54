"""Every write about customers and their portal contacts, each audited (before → after); and the
seams the portal's sign-in fills in.

Customers are added and changed in the panel (module Customer): a pending signup is approved, a
customer is suspended (its contacts can no longer sign in) and reactivated. Contacts get a
password from the operator, or an invitation mail with a link on the account's Verified portal
domain where they choose it. The balance is never written here: payments will credit it through
the payment engine's credit target.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from accounts.actors import Actor
from accounts.emails import normalise_email
from accounts.errors import Refused
from accounts.mail import send_mail_later
from accounts.permissions import require_write

from . import links
from .invitations import make_token
from .models import Contact, Customer, CustomerStatus

MODULE = "customer"
CUSTOMER_FIELDS = [
    "name",
    "currency",
    "debit_limit",
    "status",
    "portal_access",
    "hidden_areas",
    "rate_card",
]
EDITABLE_CUSTOMER_FIELDS = [f for f in CUSTOMER_FIELDS if f != "status"]
CONTACT_FIELDS = ["name", "email", "phone", "is_active"]
NAME_TAKEN = "Your account already has a customer with this name."
EMAIL_TAKEN = "Another contact of your account already uses this e-mail address."
NO_PORTAL = (
    "Your account has no Verified portal domain yet, so an invitation would have nowhere to "
    "send the contact. Set a password instead, or verify a domain on the Domains tab first."
)

# Status changes an operator makes: action → (from which statuses, to which, its audit event).
TRANSITIONS = {
    "approve": ({CustomerStatus.PENDING}, CustomerStatus.ACTIVE, "customer.approved"),
    "suspend": (
        {CustomerStatus.ACTIVE, CustomerStatus.PENDING},
        CustomerStatus.SUSPENDED,
        "customer.suspended",
    ),
    "reactivate": ({CustomerStatus.SUSPENDED}, CustomerStatus.ACTIVE, "customer.reactivated"),
}


def customer_choices(account) -> list[tuple[int, str]]:
    """``account``'s customers as (id, name), for the portal domain's Template customer select."""
    return list(Customer.objects.for_account(account).order_by("name").values_list("pk", "name"))


# --- Customers -----------------------------------------------------------------------------------


def _customer_snapshot(customer: Customer) -> dict:
    values = audit.snapshot(customer, [f for f in CUSTOMER_FIELDS if f != "rate_card"])
    values["rate_card"] = customer.rate_card.name if customer.rate_card_id else ""
    return values


def _check_rate_card(account, data: dict) -> None:
    card = data.get("rate_card")
    if card is not None and card.account_id != account.pk:
        raise Refused("Choose one of your rate cards.", "rate_card")


def _save_customer(customer: Customer) -> None:
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise Refused(NAME_TAKEN, "name") from None


@transaction.atomic
def create_customer(*, actor: Actor, account, data: dict) -> Customer:
    """Add a customer (Active unless ``data`` says otherwise, e.g. a signup: Pending approval)."""
    require_write(actor, MODULE)
    _check_rate_card(account, data)
    customer = Customer(account=account, status=data.get("status", CustomerStatus.ACTIVE))
    for name in EDITABLE_CUSTOMER_FIELDS:
        if name in data:
            setattr(customer, name, data[name])
    customer.full_clean(exclude=["account"], validate_constraints=False)
    _save_customer(customer)
    audit.record(
        "customer.created",
        account=account,
        actor=actor,
        target=customer,
        changes=audit.diff({}, _customer_snapshot(customer)),
    )
    return customer


@transaction.atomic
def update_customer(*, actor: Actor, customer: Customer, data: dict) -> Customer:
    """Change what the dialog edits (not the status: see :func:`change_status`, nor the
    balance). The currency is fixed once the customer has calls (their costs are in it)."""
    require_write(actor, MODULE)
    customer = (
        Customer.objects.for_account(customer.account)
        .select_for_update()
        .select_related("rate_card")
        .get(pk=customer.pk)
    )
    _check_rate_card(customer.account, data)
    before = _customer_snapshot(customer)
    if data.get("currency", customer.currency) != customer.currency and customer.cdrs.exists():
        raise Refused(
            f"The currency stays {customer.currency}: this customer has calls priced in it.",
            "currency",
        )
    for name in EDITABLE_CUSTOMER_FIELDS:
        if name in data:
            setattr(customer, name, data[name])
    customer.full_clean(exclude=["account"], validate_constraints=False)
    _save_customer(customer)
    changes = audit.diff(before, _customer_snapshot(customer))
    if changes:
        audit.record(
            "customer.updated",
            account=customer.account,
            actor=actor,
            target=customer,
            changes=changes,
        )
    return customer


@transaction.atomic
def change_status(*, actor: Actor, customer: Customer, action: str) -> Customer:
    """Approve a pending signup, suspend, or reactivate a suspended customer. A conditional
    update: two operators pressing at once change it once."""
    require_write(actor, MODULE)
    if action not in TRANSITIONS:
        raise Refused("Choose Approve, Suspend or Reactivate.")
    allowed_from, to, event = TRANSITIONS[action]
    rows = Customer.objects.for_account(customer.account).filter(
        pk=customer.pk, status__in=allowed_from
    )
    before = Customer.objects.for_account(customer.account).get(pk=customer.pk).status
    if not rows.update(status=to, updated=timezone.now()):
        label = CustomerStatus(before).label
        raise Refused(f"{customer.name} is {label}: it cannot be {_done(action)} now.")
    customer.refresh_from_db()
    audit.record(
        event,
        account=customer.account,
        actor=actor,
        target=customer,
        changes={"status": [CustomerStatus(before).label, CustomerStatus(to).label]},
    )
    return customer


def _done(action: str) -> str:
    return {"approve": "approved", "suspend": "suspended", "reactivate": "reactivated"}[action]


# --- Contacts ------------------------------------------------------------------------------------


def _contact_snapshot(contact: Contact) -> dict:
    return {
        **audit.snapshot(contact, CONTACT_FIELDS),
        "customer": contact.customer.name,
        "password": "set" if contact.has_usable_password() else "not set",
    }


def _check_password(password: str, contact: Contact) -> None:
    try:
        password_validation.validate_password(password, contact)
    except ValidationError as error:
        raise Refused({"password": error.messages}) from None


def _save_contact(contact: Contact) -> None:
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise Refused(EMAIL_TAKEN, "email") from None


def _email_taken(contact: Contact) -> bool:
    others = Contact.objects.for_account(contact.account).filter(email=contact.email)
    return others.exclude(pk=contact.pk).exists() if contact.pk else others.exists()


@transaction.atomic
def create_contact(
    *,
    actor: Actor,
    customer: Customer,
    data: dict,
    password: str | None = None,
    send_invitation: bool = False,
) -> Contact:
    """Add a portal login to ``customer``: with a password, or (without one) an invitation mail
    with a link on the account's Verified portal domain where the contact chooses it."""
    require_write(actor, MODULE)
    if not password and not send_invitation:
        raise Refused("Enter a password, or tick “Send an invitation”.", "password")
    account = customer.account
    portal = links.mail_domain(account) if send_invitation else None
    if send_invitation and portal is None:
        raise Refused(NO_PORTAL, "send_invitation")
    contact = Contact(account=account, customer=customer)
    for name in CONTACT_FIELDS:
        if name in data:
            setattr(contact, name, data[name])
    contact.email = normalise_email(contact.email)
    if _email_taken(contact):
        raise Refused(EMAIL_TAKEN, "email")
    if password:
        _check_password(password, contact)
    contact.set_password(password or None)
    contact.full_clean(exclude=["account", "customer", "password"], validate_constraints=False)
    _save_contact(contact)
    audit.record(
        "contact.created",
        account=account,
        actor=actor,
        target=contact,
        changes=audit.diff({}, _contact_snapshot(contact)),
    )
    if send_invitation:
        _invite(contact, portal, actor)
    return contact


@transaction.atomic
def update_contact(
    *,
    actor: Actor,
    contact: Contact,
    data: dict,
    password: str | None = None,
    send_invitation: bool = False,
) -> Contact:
    """Change a contact; a new password (blank keeps it), or a new invitation mail."""
    require_write(actor, MODULE)
    contact = (
        Contact.objects.for_account(contact.account)
        .select_for_update()
        .select_related("customer")
        .get(pk=contact.pk)
    )
    portal = links.mail_domain(contact.account) if send_invitation else None
    if send_invitation and portal is None:
        raise Refused(NO_PORTAL, "send_invitation")
    before = _contact_snapshot(contact)
    for name in CONTACT_FIELDS:
        if name in data:
            setattr(contact, name, data[name])
    contact.email = normalise_email(contact.email)
    if _email_taken(contact):
        raise Refused(EMAIL_TAKEN, "email")
    if password:
        _check_password(password, contact)
        contact.set_password(password)
    contact.full_clean(exclude=["account", "customer", "password"], validate_constraints=False)
    _save_contact(contact)
    changes = audit.diff(before, _contact_snapshot(contact))
    if password:
        changes["password"] = ["********", "********"]
    if changes:
        audit.record(
            "contact.updated", account=contact.account, actor=actor, target=contact, changes=changes
        )
    if send_invitation:
        _invite(contact, portal, actor)
    return contact


@transaction.atomic
def delete_contacts(actor: Actor, ids, *, customer: Customer) -> list[str]:
    """Delete ``customer``'s contacts among ``ids`` (others' ids match nothing)."""
    require_write(actor, MODULE)
    contacts = list(
        Contact.objects.for_account(customer.account)
        .filter(customer=customer, pk__in=ids)
        .select_related("customer")
        .order_by("email")
    )
    for contact in contacts:
        audit.record(
            "contact.deleted",
            account=contact.account,
            actor=actor,
            target=contact,
            changes=audit.diff(_contact_snapshot(contact), {}),
        )
        contact.delete()
    return [contact.email for contact in contacts]


def _invite(contact: Contact, portal, actor: Actor) -> None:
    from django.conf import settings

    link = links.portal_url(portal, "portal:invitation", token=make_token(contact))
    hours = settings.INVITATION_MAX_AGE // 3600
    lasts = f"{hours // 24} days" if hours % 24 == 0 and hours >= 48 else f"{hours} hours"
    brand = portal.brand
    body = (
        f"Hello {contact.name},\n\n"
        f"You have a login to the {brand} customer portal for {contact.customer.name}.\n"
        f"Choose your password here (the link works once and expires in {lasts}):\n\n"
        f"{link}\n\n"
        f"You will sign in with this email address: {contact.email}\n"
    )
    send_mail_later(contact.account, f"Your {brand} portal login", body, [contact.email])
    Contact.objects.for_account(contact.account).filter(pk=contact.pk).update(
        invited_at=timezone.now()
    )
    audit.record(
        "contact.invited",
        account=contact.account,
        actor=actor,
        target=contact,
        data={"portal": portal.domain},
    )


@transaction.atomic
def accept_invitation(contact: Contact, password: str, *, actor: Actor) -> Contact:
    """The invited contact chose their password (``actor``: the visitor, for their address)."""
    contact = Contact.objects.for_account(contact.account).select_for_update().get(pk=contact.pk)
    _check_password(password, contact)
    contact.set_password(password)
    contact.email_verified = True  # the link reached this address
    contact.save(update_fields=["password", "email_verified"])
    audit.record(
        "contact.invitation_accepted",
        account=contact.account,
        actor=Actor(None, actor.ip),
        target=contact,
    )
    return contact


# --- Portal sign-in ------------------------------------------------------------------------------


def sign_in_contact(request, portal_domain, email: str, password: str):
    """Sign a customer contact in on ``portal_domain`` (a session valid on that domain only).

    Portal sign-in lands with the portal's sections (issue 14, part 2). Until then it refuses and
    says that sign-in is not open yet, rather than claiming the email and password do not match.
    """
    raise Refused(
        f"Sign-in to this portal is not open yet. Please contact {portal_domain.brand} for access."
    )
