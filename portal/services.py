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
        .select_for_update(of=("self",))
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
        .select_for_update(of=("self",))
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

BAD_CREDENTIALS = "That email and password do not match. Check both and try again."
_DUMMY_HASH = None


def _throttle_key(account, kind: str, who: str) -> str:
    """What users/throttle.py counts a portal attempt under: per account and address (or
    contact), never shared with a panel user of the same e-mail."""
    return f"portal-{kind}:{account.pk}:{who}"


def _refusal_for_customer(contact: Contact, brand: str) -> str | None:
    customer = contact.customer
    if customer.status == CustomerStatus.SUSPENDED:
        return (
            f"The account of {customer.name} is suspended, so its contacts cannot sign in. "
            f"Please contact {brand}."
        )
    if customer.status == CustomerStatus.PENDING:
        return (
            f"Your account is waiting for approval by {brand}. You can sign in once it is approved."
        )
    if not customer.portal_access:
        return f"Portal access is turned off for {customer.name}. Please contact {brand}."
    return None


def sign_in_contact(request, portal_domain, email: str, password: str) -> Contact:
    """Sign a customer contact in on ``portal_domain`` (a session valid on that host only).

    Throttled like the panel's sign-in (users/throttle.py: the attempt is stored before the
    password is checked); every outcome is audited in the account's log. The same words for an
    unknown address and a wrong password; a suspended or pending customer is said so only after
    the right password. A contact with TOTP on only begins a half sign-in: returns the contact,
    and ``sign_in_contact_code`` finishes it. Raises Refused with the message to show.
    """
    from users import throttle

    from . import sessions

    account, visitor = portal_domain.account, request.actor
    email = throttle.email_key(email)
    known = (
        Contact.objects.for_account(account).select_related("customer").filter(email=email).first()
    )
    key = _throttle_key(account, "login", f"contact-{known.pk}" if known else email)
    attempt, lock = throttle.begin_attempt(key, visitor.ip)
    audit_data = {"email": email, "portal": portal_domain.domain}
    if lock is not None:
        audit.record(
            "portal.login_locked", account=account, actor=visitor, target=known, data=audit_data
        )
        raise Refused(lock.message)
    if known is None or not known.is_active or not known.has_usable_password():
        _waste_time(password)
        ok = False
    else:
        ok = known.check_password(password)
    if not ok:
        throttle.attempt_failed(attempt)
        audit.record(
            "portal.login_failed", account=account, actor=visitor, target=known, data=audit_data
        )
        raise Refused(BAD_CREDENTIALS)
    refusal = _refusal_for_customer(known, portal_domain.brand)
    if refusal:
        throttle.attempt_void(attempt)
        audit.record(
            "portal.login_refused", account=account, actor=visitor, target=known, data=audit_data
        )
        raise Refused(refusal)
    throttle.attempt_succeeded(attempt)
    if known.totp_enabled and known.totp_key:
        sessions.begin_half(request, known)
        return known
    return _complete(request, known, portal_domain)


def _waste_time(password: str) -> None:
    """Hash anyway, so an unknown address takes as long as a wrong password."""
    global _DUMMY_HASH
    from django.contrib.auth.hashers import check_password, make_password

    if _DUMMY_HASH is None:
        _DUMMY_HASH = make_password("not the password")
    check_password(password, _DUMMY_HASH)


def _complete(request, contact: Contact, portal_domain, second_factor: str = "") -> Contact:
    from . import sessions

    sessions.log_in(request, contact)
    Contact.objects.for_account(contact.account).filter(pk=contact.pk).update(
        last_login=timezone.now()
    )
    audit.record(
        "portal.login_succeeded",
        account=contact.account,
        actor=request.actor,
        target=contact,
        data={
            "portal": portal_domain.domain,
            **({"second_factor": "totp"} if second_factor else {}),
        },
    )
    return contact


def totp_matches(contact: Contact, code: str) -> int | None:
    """The time step ``code`` is valid for (RFC 6238, 30 s steps, ±1 step of drift), if it is
    newer than the last one used; None otherwise."""
    import time

    from django_otp.oath import hotp

    code = "".join((code or "").split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    key, now = bytes.fromhex(contact.totp_key), int(time.time()) // 30
    for step in (now, now - 1, now + 1):
        if contact.totp_last_step is not None and step <= contact.totp_last_step:
            continue
        if hotp(key, step, digits=6) == int(code):
            return step
    return None


def sign_in_contact_code(request, portal_domain, code: str) -> Contact:
    """The TOTP step: finish this session's half sign-in. Wrong codes are throttled (per
    contact and address, users/throttle.py) and audited; a code works once."""
    from users import throttle

    from . import sessions

    try:
        contact = sessions.half_contact(request)
    except sessions.HalfExpired:
        raise Refused(
            f"Your sign-in took more than {sessions.HALF_MAX_AGE // 60} minutes. Enter your "
            "email and password again."
        ) from None
    if contact is None:
        raise Refused("Enter your email and password first.")
    account, visitor = portal_domain.account, request.actor
    attempt, lock = throttle.begin_attempt(
        _throttle_key(account, "code", f"contact-{contact.pk}"), visitor.ip
    )
    if lock is not None:
        audit.record("portal.code_locked", account=account, actor=visitor, target=contact)
        raise Refused(lock.message.replace("sign-in attempts", "codes"))
    with transaction.atomic():
        locked = Contact.objects.for_account(account).select_for_update().get(pk=contact.pk)
        step = totp_matches(locked, code)
        if step is not None:
            Contact.objects.for_account(account).filter(pk=contact.pk).update(totp_last_step=step)
    if step is None:
        throttle.attempt_failed(attempt)
        audit.record("portal.code_failed", account=account, actor=visitor, target=contact)
        raise Refused("That code is not right, or was used already. Enter the newest code.")
    throttle.attempt_succeeded(attempt)
    return _complete(request, contact, portal_domain, second_factor="totp")


def sign_out_contact(request, contact: Contact | None) -> None:
    from . import sessions

    if contact is not None:
        audit.record("portal.logout", account=contact.account, actor=request.actor, target=contact)
    sessions.log_out(request)


def request_password_reset(request, portal_domain, email: str) -> None:
    """Mail a reset link on this portal's host to the contact with ``email``, if there is one.
    The caller answers the same either way (no enumeration); limited like the panel's resets."""
    from users import throttle

    from .invitations import make_reset_token

    account = portal_domain.account
    email = throttle.email_key(email)
    if not throttle.reset_allowed(_throttle_key(account, "reset", email), request.actor.ip):
        audit.record(
            "portal.password_reset_throttled",
            account=account,
            actor=request.actor,
            data={"email": email},
        )
        return
    contact = (
        Contact.objects.for_account(account)
        .select_related("customer")
        .filter(email=email, is_active=True)
        .first()
    )
    if contact is None:
        return
    link = links.portal_url(
        portal_domain, "portal:password_reset_confirm", token=make_reset_token(contact)
    )
    brand = portal_domain.brand
    hours = settings_hours()
    body = (
        f"Hello {contact.name},\n\n"
        f"Someone asked to reset the password of your {brand} portal login ({contact.email}).\n"
        f"Choose a new password here (the link works once and expires in {hours}):\n\n"
        f"{link}\n\n"
        "If it was not you, ignore this mail: your password stays as it is.\n"
    )
    send_mail_later(account, f"Reset your {brand} portal password", body, [contact.email])
    audit.record(
        "portal.password_reset_requested", account=account, actor=request.actor, target=contact
    )


def settings_hours() -> str:
    from django.conf import settings

    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    return "1 hour" if hours == 1 else f"{hours} hours"


@transaction.atomic
def reset_password(request, contact: Contact, password: str) -> Contact:
    """The contact chose a new password from a reset link: every other session of theirs ends
    (the session holds a hash of the password hash)."""
    contact = Contact.objects.for_account(contact.account).select_for_update().get(pk=contact.pk)
    _check_password(password, contact)
    contact.set_password(password)
    contact.email_verified = True
    contact.save(update_fields=["password", "email_verified"])
    audit.record(
        "portal.password_reset_completed",
        account=contact.account,
        actor=request.actor,
        target=contact,
    )
    return contact
