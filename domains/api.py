"""The Domains tab's REST API (declared in domains/panel.py, mounted by the api app): portal
domains — list, read, add and Check — through the panel's own form (domains/forms.py) and
services (domains/services.py). A Check resolves the records now, through the same DNS check
as the panel's Check button. Logos are uploaded in the panel."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
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
    need,
    paginate,
    refused,
)
from accounts.errors import Refused

from . import dns_check, services
from .forms import PortalDomainForm
from .models import DEFAULT_ACCESS_AREAS, DEFAULT_COLOR, PortalDomain

domains_router = Router(tags=["Domains"])

Status_ = Literal["pending", "verified", "failed"]
# The panel list's sort keys (its Domain and Status columns), "-" for descending.
Sort = Literal["domain", "-domain", "status", "-status"]
SORTS = {
    "domain": ("domain", "id"),
    "-domain": ("-domain", "-id"),
    "status": ("status", "domain", "id"),
    "-status": ("-status", "-domain", "-id"),
}


class DnsRecords(Schema):
    """The two records the customer creates: the CNAME and the TXT proof of ownership."""

    cname_name: str
    cname_target: str
    txt_name: str
    txt_value: str


class DomainOut(Schema):
    id: int
    domain: str
    display_domain: str
    status: str
    status_label: str
    brand_name: str
    primary_color: str
    footer_text: str
    customer_signup: bool
    carrier_signup: bool
    new_customer_debit_limit: str
    template_customer_id: int | None
    currencies: list[str]
    access_areas: list[str]
    has_logo: bool
    last_checked_at: datetime | None
    last_check_found: str
    created: datetime
    records: DnsRecords


class DomainPage(Page):
    items: list[DomainOut]


class DomainCreate(Input):
    domain: str
    brand_name: str = ""
    primary_color: str = DEFAULT_COLOR
    footer_text: str = ""
    customer_signup: bool = False
    carrier_signup: bool = False
    new_customer_debit_limit: Decimal = Decimal("0")
    template_customer_id: Id | None = None
    currencies: list[str] | None = None  # default: the account's currency
    access_areas: list[str] | None = None  # default: the panel's defaults


class DomainFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    q: SearchText = ""  # the domain contains
    status: Status_ | None = None
    sort: Sort = "domain"


class CheckOut(Schema):
    """One Check: what DNS said (``not_checked``: no answer, the domain keeps its status)."""

    outcome: str
    found: str
    checked_at: datetime | None
    domain: DomainOut


def _domain_out(domain: PortalDomain) -> dict:
    return {
        **{
            name: getattr(domain, name)
            for name in DomainOut.model_fields
            if name not in ("new_customer_debit_limit", "has_logo", "records")
        },
        "new_customer_debit_limit": f"{domain.new_customer_debit_limit:f}",
        "has_logo": bool(domain.logo),
        "records": {
            "cname_name": domain.domain,
            "cname_target": dns_check.target_name(),
            "txt_name": domain.challenge_name,
            "txt_value": domain.verification_token,
        },
    }


def _domains(account):
    return PortalDomain.objects.for_account(account).with_claim_state()


def _domain(request, domain_id: int) -> PortalDomain:
    return get_or_404(_domains(request.account), "domain", pk=domain_id)


@domains_router.get("", response=DomainPage, summary="Portal domains, by domain")
def list_domains(request, filters: Query[DomainFilters]):
    need(request, "domains")
    domains = _domains(request.account).order_by(*SORTS[filters.sort])
    if filters.q:
        domains = domains.filter(domain__icontains=filters.q.strip().lower())
    if filters.status:
        domains = domains.filter(status=filters.status)
    rows, meta = paginate(domains, filters.page, filters.page_size)
    return {**meta, "items": [_domain_out(d) for d in rows]}


@domains_router.get("/{int:domain_id}", response=DomainOut, summary="One portal domain")
def get_domain(request, domain_id: Id):
    need(request, "domains")
    return _domain_out(_domain(request, domain_id))


@domains_router.post(
    "", response={201: DomainOut}, summary="Add a portal domain (Pending DNS until checked)"
)
def create_domain(request, payload: DomainCreate):
    need(request, "domains", write=True)
    account = request.account
    given = payload.model_dump()
    data = {
        **given,
        "customer_signup": str(payload.customer_signup),
        "carrier_signup": str(payload.carrier_signup),
        "new_customer_debit_limit": str(payload.new_customer_debit_limit),
        "template_customer_id": payload.template_customer_id or "",
        "currencies": [account.currency] if payload.currencies is None else payload.currencies,
        "access_areas": (
            DEFAULT_ACCESS_AREAS if payload.access_areas is None else payload.access_areas
        ),
    }
    form = PortalDomainForm(data, account=account)
    if not form.is_valid():
        raise form_errors(form)
    try:
        domain = services.create_domain(
            actor=request.actor, account=account, data=form.cleaned_data
        )
    except (Refused, ValidationError) as error:
        raise refused(error) from None
    return Status(201, _domain_out(_domain(request, domain.pk)))


@domains_router.post(
    "/{int:domain_id}/check", response=CheckOut, summary="Check the domain's DNS records now"
)
def check_domain(request, domain_id: Id):
    need(request, "domains", write=True)
    domain = _domain(request, domain_id)
    check = services.check_domain(actor=request.actor, domain=domain)
    fresh = _domain(request, domain_id)  # 404 when it was deleted while DNS answered
    if check is None:  # renamed while DNS answered: the answer was about the old name
        return {
            "outcome": "not_checked",
            "found": "The domain changed while it was checked; check it again.",
            "checked_at": None,
            "domain": _domain_out(fresh),
        }
    return {
        "outcome": check.status,
        "found": check.found,
        "checked_at": check.checked_at,
        "domain": _domain_out(fresh),
    }
