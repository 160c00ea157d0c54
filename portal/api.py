"""The Customers and CDR sections' REST API (declared in portal/panel.py, mounted by the api
app): customers and their portal contacts through the panel's own forms (portal/forms.py) and
services (portal/services.py), and the account's calls with the panel's filters, as pages or as
the panel's streamed CSV (portal/views_cdr.py).

A contact's password is write-only: answers say only whether one is set. Customers are not
deleted (the panel has no such rule: their calls and payments keep them); suspend one instead.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import QueryDict
from ninja import Query, Router, Schema, Status

from accounts.apikit import (
    DEFAULT_PAGE_SIZE,
    Id,
    Input,
    Page,
    PageNumber,
    PageSize,
    SearchText,
    form_errors,
    get_or_404,
    in_viewer_time_zone,
    need,
    paginate,
    refused,
)
from accounts.errors import Refused
from accounts.phones import format_phone

from . import services
from .forms import CdrFilterForm, ContactForm, CustomerForm, StatusForm
from .models import Cdr, Contact, Customer
from .views_cdr import LIST_FIELDS, calls_csv
from .views_customers import search_customers

customers_router = Router(tags=["Customers"])
cdr_router = Router(tags=["CDR"])

MODULE = "customer"
CustomerStatusName = Literal["pending", "active", "suspended"]
CUSTOMER_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "balance": ("balance", "id"),
    "-balance": ("-balance", "-id"),
    "debit_limit": ("debit_limit", "id"),
    "-debit_limit": ("-debit_limit", "-id"),
    "status": ("status", "name", "id"),
    "-status": ("-status", "-name", "-id"),
}
CustomerSort = Literal[tuple(CUSTOMER_SORTS)]


def _plain(amount) -> str:
    return f"{amount:f}"


class RateCardRef(Schema):
    id: int
    name: str
    currency: str


class CustomerOut(Schema):
    id: int
    name: str
    currency: str
    balance: str
    debit_limit: str
    status: str
    portal_access: bool
    hidden_areas: list[str]
    rate_card: RateCardRef | None
    contact_count: int
    created: datetime
    updated: datetime


class CustomerPage(Page):
    items: list[CustomerOut]


class CustomerCreate(Input):
    name: str
    currency: str | None = None  # default: the account's currency
    debit_limit: Decimal = Decimal("0")
    rate_card_id: Id | None = None
    portal_access: bool = True
    hidden_areas: list[str] = []


class CustomerPatch(Input):
    name: str | None = None
    currency: str | None = None
    debit_limit: Decimal | None = None
    rate_card_id: Id | None = None  # null: no rate card
    portal_access: bool | None = None
    hidden_areas: list[str] | None = None


class StatusChange(Input):
    action: Literal["approve", "suspend", "reactivate"]


class CustomerFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    q: SearchText = ""  # the panel's search: the name, or a contact's e-mail, contains
    status: CustomerStatusName | None = None
    sort: CustomerSort = "name"


def _customers(account):
    return (
        Customer.objects.for_account(account)
        .select_related("rate_card")
        .annotate(contact_count=Count("contacts"))
    )


def _customer_out(customer: Customer) -> dict:
    card = customer.rate_card
    return {
        **{
            name: getattr(customer, name)
            for name in ("id", "name", "currency", "status", "portal_access", "hidden_areas")
        },
        "balance": _plain(customer.balance),
        "debit_limit": _plain(customer.debit_limit),
        "rate_card": {"id": card.pk, "name": card.name, "currency": card.currency}
        if card
        else None,
        "contact_count": customer.contact_count,
        "created": customer.created,
        "updated": customer.updated,
    }


def _customer(request, customer_id: int) -> Customer:
    return get_or_404(_customers(request.account), "customer", pk=customer_id)


def _fresh(request, customer: Customer) -> dict:
    return _customer_out(_customer(request, customer.pk))


def _customer_form(request, data: dict, instance=None) -> CustomerForm:
    form_data = {
        **data,
        "debit_limit": str(data["debit_limit"]),
        "rate_card": data.get("rate_card_id") or "",
    }
    form = CustomerForm(form_data, account=request.account, instance=instance)
    if not form.is_valid():
        fields = {
            ("rate_card_id" if name == "rate_card" else name): [str(m) for m in messages]
            for name, messages in form.errors.items()
        }
        error = form_errors(form)
        error.fields = fields
        raise error
    return form


@customers_router.get("", response=CustomerPage, summary="Customers, by name")
def list_customers(request, filters: Query[CustomerFilters]):
    need(request, MODULE)
    customers = _customers(request.account).order_by(*CUSTOMER_SORTS[filters.sort])
    if filters.q.strip():
        customers = search_customers(customers, filters.q.strip())
    if filters.status:
        customers = customers.filter(status=filters.status)
    rows, meta = paginate(customers, filters.page, filters.page_size)
    return {**meta, "items": [_customer_out(c) for c in rows]}


@customers_router.get("/{int:customer_id}", response=CustomerOut, summary="One customer")
def get_customer(request, customer_id: Id):
    need(request, MODULE)
    return _customer_out(_customer(request, customer_id))


@customers_router.post("", response={201: CustomerOut}, summary="Add a customer")
def create_customer(request, payload: CustomerCreate):
    need(request, MODULE, write=True)
    data = payload.model_dump()
    data["currency"] = data["currency"] or request.account.currency
    form = _customer_form(request, data)
    try:
        customer = services.create_customer(
            actor=request.actor, account=request.account, data=form.cleaned_data
        )
    except (Refused, ValidationError) as error:
        raise refused(error) from None
    return Status(201, _fresh(request, customer))


@customers_router.patch("/{int:customer_id}", response=CustomerOut, summary="Change a customer")
def update_customer(request, customer_id: Id, payload: CustomerPatch):
    need(request, MODULE, write=True)
    customer = _customer(request, customer_id)
    current = {
        "name": customer.name,
        "currency": customer.currency,
        "debit_limit": customer.debit_limit,
        "rate_card_id": customer.rate_card_id,
        "portal_access": customer.portal_access,
        "hidden_areas": customer.hidden_areas,
    }
    given = payload.model_dump(exclude_unset=True)
    data = {**current, **{k: v for k, v in given.items() if v is not None or k == "rate_card_id"}}
    form = _customer_form(request, data, instance=customer)
    try:
        customer = services.update_customer(
            actor=request.actor, customer=customer, data=form.cleaned_data
        )
    except (Refused, ValidationError) as error:
        raise refused(error) from None
    return _fresh(request, customer)


@customers_router.post(
    "/{int:customer_id}/status",
    response=CustomerOut,
    summary="Approve, suspend or reactivate a customer",
)
def change_customer_status(request, customer_id: Id, payload: StatusChange):
    need(request, MODULE, write=True)
    customer = _customer(request, customer_id)
    form = StatusForm({"action": payload.action})
    if not form.is_valid():
        raise form_errors(form)
    try:
        customer = services.change_status(
            actor=request.actor, customer=customer, action=form.cleaned_data["action"]
        )
    except Refused as error:
        raise refused(error) from None
    return _fresh(request, customer)


# --- Contacts ------------------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    email: str
    phone: str
    has_password: bool
    two_factor_enabled: bool
    is_active: bool
    invited_at: datetime | None
    last_login: datetime | None
    created: datetime


class ContactPage(Page):
    items: list[ContactOut]


class ContactCreate(Input):
    name: str
    email: str
    phone: str = ""
    password: str | None = None  # write-only; or send_invitation
    send_invitation: bool = False


class ContactPatch(Input):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    is_active: bool | None = None
    password: str | None = None  # write-only; none keeps the current one
    send_invitation: bool = False


class ContactFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE


def _contact_out(contact: Contact) -> dict:
    return {
        **{
            name: getattr(contact, name)
            for name in (
                "id",
                "customer_id",
                "name",
                "email",
                "phone",
                "is_active",
                "invited_at",
                "last_login",
                "created",
            )
        },
        "has_password": contact.has_usable_password(),
        "two_factor_enabled": contact.totp_enabled,
    }


def _contacts(request, customer: Customer):
    return Contact.objects.for_account(request.account).filter(customer=customer)


def _contact(request, customer: Customer, contact_id: int) -> Contact:
    return get_or_404(_contacts(request, customer), "contact", pk=contact_id)


def _contact_form(request, data: dict, instance=None) -> ContactForm:
    form = ContactForm(
        {k: ("" if v is None else v) for k, v in data.items()},
        account=request.account,
        instance=instance,
    )
    if not form.is_valid():
        raise form_errors(form)
    return form


def _contact_data(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k not in ("password", "send_invitation")}


@customers_router.get(
    "/{int:customer_id}/contacts", response=ContactPage, summary="A customer's portal contacts"
)
def list_contacts(request, customer_id: Id, filters: Query[ContactFilters]):
    need(request, MODULE)
    customer = _customer(request, customer_id)
    contacts = _contacts(request, customer).order_by("name", "id")
    rows, meta = paginate(contacts, filters.page, filters.page_size)
    return {**meta, "items": [_contact_out(c) for c in rows]}


@customers_router.get(
    "/{int:customer_id}/contacts/{int:contact_id}",
    response=ContactOut,
    summary="One portal contact",
)
def get_contact(request, customer_id: Id, contact_id: Id):
    need(request, MODULE)
    return _contact_out(_contact(request, _customer(request, customer_id), contact_id))


@customers_router.post(
    "/{int:customer_id}/contacts",
    response={201: ContactOut},
    summary="Add a portal contact (a password, or an invitation mail)",
)
def create_contact(request, customer_id: Id, payload: ContactCreate):
    need(request, MODULE, write=True)
    customer = _customer(request, customer_id)
    form = _contact_form(request, payload.model_dump())
    try:
        contact = services.create_contact(
            actor=request.actor,
            customer=customer,
            data=_contact_data(form),
            password=form.cleaned_data["password"] or None,
            send_invitation=form.cleaned_data["send_invitation"],
        )
    except (Refused, ValidationError) as error:
        raise refused(error) from None
    return Status(201, _contact_out(contact))


@customers_router.patch(
    "/{int:customer_id}/contacts/{int:contact_id}",
    response=ContactOut,
    summary="Change a portal contact",
)
def update_contact(request, customer_id: Id, contact_id: Id, payload: ContactPatch):
    need(request, MODULE, write=True)
    contact = _contact(request, _customer(request, customer_id), contact_id)
    current = {
        "name": contact.name,
        "email": contact.email,
        "phone": format_phone(contact.phone),
        "is_active": contact.is_active,
    }
    given = payload.model_dump(exclude_unset=True)
    data = {**current, **{k: v for k, v in given.items() if v is not None}}
    form = _contact_form(request, data, instance=contact)
    try:
        contact = services.update_contact(
            actor=request.actor,
            contact=contact,
            data=_contact_data(form),
            password=form.cleaned_data["password"] or None,
            send_invitation=form.cleaned_data["send_invitation"],
        )
    except (Refused, ValidationError) as error:
        raise refused(error) from None
    return _contact_out(contact)


@customers_router.delete(
    "/{int:customer_id}/contacts/{int:contact_id}",
    response={204: None},
    summary="Delete a portal contact",
)
def delete_contact(request, customer_id: Id, contact_id: Id):
    need(request, MODULE, write=True)
    customer = _customer(request, customer_id)
    contact = _contact(request, customer, contact_id)
    services.delete_contacts(request.actor, [contact.pk], customer=customer)
    return Status(204, None)


# --- CDR -----------------------------------------------------------------------------------------


class CdrOut(Schema):
    id: int
    start_time: datetime
    customer_id: int
    customer_name: str
    caller: str
    callee: str
    destination: str
    duration: int
    rate: str
    cost: str
    currency: str
    carrier: str
    disposition: str
    sip_code: int
    dtmf: bool


class CdrPage(Page):
    date_from: date
    date_to: date
    items: list[CdrOut]


class CdrFilters(Schema):
    """The panel's CDR filters: a date range of at most a year in the token user's time zone
    (the last 30 days unless asked otherwise), and a customer."""

    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    date_from: date | None = None
    date_to: date | None = None
    customer_id: Id | None = None


def _calls(request, filters: CdrFilters):
    """The filtered calls; a bad filter is a 400 (the panel shows it and applies the default
    range; an API answer must not silently list other dates)."""
    query = QueryDict(mutable=True)
    if filters.date_from:
        query["date_from"] = filters.date_from.isoformat()
    if filters.date_to:
        query["date_to"] = filters.date_to.isoformat()
    if filters.customer_id:
        query["customer"] = str(filters.customer_id)
    form = CdrFilterForm(query, account=request.account)
    if not form.is_valid():
        error = form_errors(form)
        error.fields = {
            ("customer_id" if k == "customer" else k): v for k, v in error.fields.items()
        }
        raise error
    calls = form.filter(Cdr.objects.for_account(request.account))
    return form, calls.order_by("-start_time", "-id")


@cdr_router.get("", response=CdrPage, summary="Calls, newest first, between two dates")
def list_cdrs(request, filters: Query[CdrFilters]):
    need(request, "cdr")
    with in_viewer_time_zone(request):
        form, calls = _calls(request, filters)
        calls = calls.select_related("customer").only("id", "customer_id", *LIST_FIELDS)
        rows, meta = paginate(calls, filters.page, filters.page_size)
    items = [
        {
            **{
                name: getattr(call, name)
                for name in (
                    "id",
                    "start_time",
                    "customer_id",
                    "caller",
                    "callee",
                    "destination",
                    "duration",
                    "currency",
                    "carrier",
                    "disposition",
                    "sip_code",
                    "dtmf",
                )
            },
            "customer_name": call.customer.name,
            "rate": _plain(call.rate),
            "cost": _plain(call.cost),
        }
        for call in rows
    ]
    return {**meta, "date_from": form.shown_from, "date_to": form.shown_to, "items": items}


@cdr_router.get(
    "/export.csv",
    summary="The same calls as a streamed CSV (the panel's export)",
    openapi_extra={
        "responses": {"200": {"description": "CSV", "content": {"text/csv": {"schema": {}}}}}
    },
)
def export_cdrs(request, filters: Query[CdrFilters]):
    need(request, "cdr")
    with in_viewer_time_zone(request):
        _, calls = _calls(request, filters)
        return calls_csv(request.account, calls)
