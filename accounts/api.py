"""The core's REST API routers (mounted by the api app, declared in accounts/panel.py): the
account profile, through the Config tab's own form and service, and the audit log."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import QueryDict
from ninja import Query, Router, Schema

from . import services
from .apikit import (
    DEFAULT_PAGE_SIZE,
    Input,
    Page,
    PageNumber,
    PageSize,
    form_errors,
    in_viewer_time_zone,
    need,
    paginate,
    refused,
)
from .errors import Refused
from .formatting import format_money
from .forms import AccountProfileForm, AuditFilterForm
from .models import Account, AuditEntry

account_router = Router(tags=["Account"])
audit_router = Router(tags=["Audit log"])


class AccountOut(Schema):
    id: int
    name: str
    email: str
    currency: str
    balance: str
    balance_display: str
    registration_id: str
    vat_id: str
    address_line1: str
    address_line2: str
    city: str
    county: str
    country: str
    post_code: str
    phone: str
    mobile: str
    date_format: str
    time_zone: str
    billing_method: str
    total_channels: int


class AccountPatch(Input):
    """Any of the Config tab's profile fields; the others keep their value."""

    name: str | None = None
    registration_id: str | None = None
    vat_id: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    county: str | None = None
    country: str | None = None
    post_code: str | None = None
    phone: str | None = None
    mobile: str | None = None
    currency: str | None = None
    date_format: str | None = None
    time_zone: str | None = None
    billing_method: str | None = None


def _account_out(account: Account) -> dict:
    return {
        **{name: getattr(account, name) for name in AccountOut.model_fields},
        "country": account.country.code or "",
        "balance": str(account.balance),
        "balance_display": format_money(account.balance, account.currency),
    }


@account_router.get("", response=AccountOut, summary="The account's profile")
def get_account(request):
    need(request, "config")
    return _account_out(request.account)


@account_router.patch("", response=AccountOut, summary="Change the account's profile")
def patch_account(request, payload: AccountPatch):
    need(request, "config", write=True)
    account = request.account
    data = {**AccountProfileForm.initial_for(account), **payload.model_dump(exclude_unset=True)}
    form = AccountProfileForm(
        {k: "" if v is None else v for k, v in data.items()},
        account=account,
        currency_locked=services.account_has_payments(account),
    )
    if not form.is_valid():
        raise form_errors(form)
    try:
        account = services.update_account_profile(
            actor=request.actor, account=account, values=form.cleaned_data
        )
    except (Refused, ValidationError) as error:
        raise refused(error) from None
    return _account_out(account)


class AuditEntryOut(Schema):
    id: int
    created: datetime
    event: str
    section: str
    text: str
    actor: str
    ip: str | None
    target_type: str
    target_id: str
    target_label: str
    changes: dict
    data: dict


class AuditPage(Page):
    items: list[AuditEntryOut]


class AuditFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    user: str = ""
    section: str = ""
    date_from: date | None = None
    date_to: date | None = None


@audit_router.get("", response=AuditPage, summary="Audit log entries, newest first")
def list_audit_log(request, filters: Query[AuditFilters]):
    """The panel's Audit Log filters: the user who acted (email), the section, and dates (the
    token user's time zone)."""
    need(request, "audit_log")
    query = QueryDict(mutable=True)
    for name in ("user", "section", "date_from", "date_to"):
        value = getattr(filters, name)
        if value:
            query[name] = value.isoformat() if isinstance(value, date) else value
    form = AuditFilterForm(query, account=request.account)
    if not form.is_valid():
        raise form_errors(form)
    with in_viewer_time_zone(request):  # the middleware chose a zone before the token was read
        entries = form.filter(AuditEntry.objects.for_account(request.account))
        rows, meta = paginate(entries, filters.page, filters.page_size)
    items = [
        {
            "id": e.pk,
            "created": e.created,
            "event": e.event,
            "section": e.section,
            "text": e.event_text,
            "actor": e.actor_label,
            "ip": e.ip,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "target_label": e.target_label,
            "changes": e.changes,
            "data": e.data,
        }
        for e in rows
    ]
    return {**meta, "items": items}
