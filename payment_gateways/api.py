"""The Payments and API tabs' REST API (declared in payment_gateways/panel.py, mounted by the
api app): the account's payments with the panel's filters, one payment, and a top-up through
the Make Payment dialog's own form and service (payments/services.top_up_account), answering
the gateway's page to send the payer to; and the account's own payment gateways through the
API tab's forms and services (list, read, add, change, verify; secrets write-only)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import QueryDict
from django.urls import reverse
from ninja import Query, Router, Schema, Status

from accounts.apikit import (
    DEFAULT_PAGE_SIZE,
    ApiError,
    Id,
    Input,
    Page,
    PageNumber,
    PageSize,
    form_errors,
    get_or_404,
    in_viewer_time_zone,
    need,
    paginate,
    refused,
)
from accounts.errors import Refused

from . import services as gateway_services
from .forms import FORMS
from .models import Gateway, Payment
from .payments import services
from .payments.channels import platform_channels
from .payments.forms import OTHER, MakePaymentForm, PaymentFilterForm
from .webhooks import webhook_url

payments_router = Router(tags=["Payments"])

PaymentStatus = Literal["pending", "completed", "cancelled", "failed"]


class PaymentOut(Schema):
    id: int
    reference: str
    created: datetime
    completed_at: datetime | None
    description: str
    amount: str
    currency: str
    method: str
    provider: str
    status: str
    transaction_id: str
    failure_reason: str


class PaymentPage(Page):
    items: list[PaymentOut]


class PaymentFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    status: PaymentStatus | None = None
    date_from: date | None = None
    date_to: date | None = None


class TopUp(Input):
    pay_via: Literal["stripe", "paypal"]
    amount: Decimal
    currency: str | None = None  # default: the account's (the only one a payment is made in)


class TopUpOut(Schema):
    payment: PaymentOut
    # The gateway's page to send the payer to; null when the gateway refused (the payment is
    # then Failed, with its reason, and nothing was charged).
    redirect_url: str | None


def _payment_out(payment: Payment) -> dict:
    return {
        **{
            name: getattr(payment, name)
            for name in (
                "id",
                "reference",
                "created",
                "completed_at",
                "description",
                "currency",
                "provider",
                "status",
                "transaction_id",
                "failure_reason",
            )
        },
        "amount": f"{payment.amount:.2f}",
        "method": payment.method_label,
    }


@payments_router.get("", response=PaymentPage, summary="Payments, newest first")
def list_payments(request, filters: Query[PaymentFilters]):
    need(request, "payments")
    query = QueryDict(mutable=True)
    for name in ("status", "date_from", "date_to"):
        value = getattr(filters, name)
        if value:
            query[name] = value.isoformat() if isinstance(value, date) else value
    form = PaymentFilterForm(query)
    if not form.is_valid():
        raise form_errors(form)
    with in_viewer_time_zone(request):  # the dates are days of the token user's time zone
        payments = form.filter(Payment.objects.for_account(request.account))
        payments = payments.order_by("-created", "-id")
        rows, meta = paginate(payments, filters.page, filters.page_size)
    return {**meta, "items": [_payment_out(p) for p in rows]}


@payments_router.get("/{int:payment_id}", response=PaymentOut, summary="One payment")
def get_payment(request, payment_id: Id):
    need(request, "payments")
    payments = Payment.objects.for_account(request.account)
    return _payment_out(get_or_404(payments, "payment", pk=payment_id))


def _gateway_urls(request, payment) -> tuple[str, str]:
    """Where the gateway sends the payer back: the panel's own return and cancel pages."""
    back = request.build_absolute_uri(reverse("payments:return", kwargs={"pk": payment.pk}))
    cancel = request.build_absolute_uri(reverse("payments:cancel", kwargs={"pk": payment.pk}))
    return back, cancel


@payments_router.post(
    "/top-up",
    response={201: TopUpOut},
    summary="Top up the balance: starts a payment and answers the gateway's page for the payer",
)
def top_up(request, payload: TopUp):
    need(request, "payments", write=True)
    account = request.account
    channels = platform_channels()
    if not channels:
        raise ApiError(409, "conflict", "No payment method is configured yet.")
    form = MakePaymentForm(
        {
            "pay_via": payload.pay_via,
            "amount": OTHER,
            "other_amount": f"{payload.amount:f}",
            "currency": payload.currency or account.currency,
        },
        account=account,
        channels=channels,
    )
    if not form.is_valid():
        error = form_errors(form)
        fields = {("amount" if k == "other_amount" else k): v for k, v in error.fields.items()}
        if "__all__" in fields:  # the dialog says a wrong currency about the whole form
            fields["currency"] = fields.pop("__all__")
        error.fields, error.message = fields, next(iter(fields.values()))[0]
        raise error
    try:
        started = services.top_up_account(
            actor=request.actor,
            account=account,
            provider=form.cleaned_data["pay_via"],
            amount=form.total,
            currency=form.cleaned_data["currency"],
            urls=lambda payment: _gateway_urls(request, payment),
        )
    except Refused as error:
        raise refused(error) from None
    payment = Payment.objects.for_account(account).get(pk=started.payment.pk)
    return Status(
        201, {"payment": _payment_out(payment), "redirect_url": started.redirect_url or None}
    )


# --- Gateways (the API tab, module "api") ------------------------------------------------------

gateways_router = Router(tags=["Gateways"])

GatewayType = Literal["stripe", "paypal"]
GatewayMode = Literal["test", "sandbox", "live"]
GatewayStatus = Literal["not_checked", "verified", "failed"]
GATEWAY_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "type": ("type", "name", "id"),
    "status": ("status", "name", "id"),
}
GatewaySort = Literal[tuple(GATEWAY_SORTS)]
# Fields a gateway's form has beside the common ones (name, mode, currencies, keys).
TYPE_FIELDS = {
    Gateway.Type.STRIPE: {"webhook_secret"},
    Gateway.Type.PAYPAL: {"receiver_email", "webhook_id"},
}


class GatewayOut(Schema):
    """Secrets are write-only: an answer says only whether one is stored, and the keys' last
    four characters as the panel's list shows them."""

    id: int
    name: str
    type: str
    mode: str
    currencies: list[str]
    public_key_last4: str
    secret_key_set: bool
    webhook_secret_set: bool
    receiver_email: str
    webhook_id: str
    webhook_url: str
    status: str
    status_reason: str
    checked_at: datetime | None
    created: datetime
    updated: datetime


class GatewayPage(Page):
    items: list[GatewayOut]


class GatewayFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    type: GatewayType | None = None
    status: GatewayStatus | None = None
    sort: GatewaySort = "name"


class GatewayCreate(Input):
    type: GatewayType
    name: str
    mode: GatewayMode
    currencies: list[str] | None = None  # default: the account's currency
    public_key: str
    secret_key: str  # write-only
    webhook_secret: str | None = None  # Stripe; write-only
    receiver_email: str | None = None  # PayPal
    webhook_id: str | None = None  # PayPal


class GatewayPatch(Input):
    """Any of the gateway's fields; a secret left out (or empty) keeps the stored one."""

    name: str | None = None
    mode: GatewayMode | None = None
    currencies: list[str] | None = None
    public_key: str | None = None
    secret_key: str | None = None
    webhook_secret: str | None = None
    receiver_email: str | None = None
    webhook_id: str | None = None


def _gateway_out(gateway: Gateway) -> dict:
    return {
        **{
            name: getattr(gateway, name)
            for name in (
                "id",
                "name",
                "type",
                "mode",
                "currencies",
                "receiver_email",
                "webhook_id",
                "status",
                "status_reason",
                "checked_at",
                "created",
                "updated",
            )
        },
        "public_key_last4": gateway.masked_public_key,
        "secret_key_set": bool(gateway.secret_key),
        "webhook_secret_set": bool(gateway.webhook_secret),
        "webhook_url": webhook_url(gateway),
    }


def _gateway(request, gateway_id: int) -> Gateway:
    return get_or_404(Gateway.objects.for_account(request.account), "gateway", pk=gateway_id)


def _refuse_other_types_fields(gateway_type: str, given: dict) -> None:
    others = set().union(*TYPE_FIELDS.values()) - TYPE_FIELDS[gateway_type]
    wrong = sorted(name for name in others if given.get(name) is not None)
    if wrong:
        label = Gateway.Type(gateway_type).label
        message = f"Not a field of a {label} gateway."
        raise ApiError(400, "invalid", message, {name: [message] for name in wrong})


def _gateway_form(request, gateway_type: str, data: dict, instance=None):
    form = FORMS[gateway_type](
        {k: ("" if v is None else v) for k, v in data.items()},
        account=request.account,
        instance=instance,
    )
    if not form.is_valid():
        raise form_errors(form)
    return form


@gateways_router.get("", response=GatewayPage, summary="Payment gateways, by name")
def list_gateways(request, filters: Query[GatewayFilters]):
    need(request, "api")
    gateways = Gateway.objects.for_account(request.account).order_by(*GATEWAY_SORTS[filters.sort])
    if filters.type:
        gateways = gateways.filter(type=filters.type)
    if filters.status:
        gateways = gateways.filter(status=filters.status)
    rows, meta = paginate(gateways, filters.page, filters.page_size)
    return {**meta, "items": [_gateway_out(g) for g in rows]}


@gateways_router.get("/{int:gateway_id}", response=GatewayOut, summary="One payment gateway")
def get_gateway(request, gateway_id: Id):
    need(request, "api")
    return _gateway_out(_gateway(request, gateway_id))


@gateways_router.post(
    "", response={201: GatewayOut}, summary="Add a gateway (Not checked until verified)"
)
def create_gateway(request, payload: GatewayCreate):
    need(request, "api", write=True)
    given = payload.model_dump()
    gateway_type = given.pop("type")
    _refuse_other_types_fields(gateway_type, given)
    if given["currencies"] is None:
        given["currencies"] = [request.account.currency]
    form = _gateway_form(request, gateway_type, given)
    try:
        gateway = gateway_services.create_gateway(
            actor=request.actor,
            account=request.account,
            gateway_type=gateway_type,
            data=form.cleaned_data,
        )
    except Refused as error:
        raise refused(error) from None
    return Status(201, _gateway_out(gateway))


@gateways_router.patch("/{int:gateway_id}", response=GatewayOut, summary="Change a gateway")
def update_gateway(request, gateway_id: Id, payload: GatewayPatch):
    """New credentials (mode or keys) make it Not checked until it is verified again."""
    need(request, "api", write=True)
    gateway = _gateway(request, gateway_id)
    given = payload.model_dump(exclude_unset=True)
    _refuse_other_types_fields(gateway.type, given)
    form_class = FORMS[gateway.type]
    current = form_class(account=request.account, instance=gateway).initial
    data = {**current, **{k: v for k, v in given.items() if v is not None}}
    form = _gateway_form(request, gateway.type, data, instance=gateway)
    try:
        gateway = gateway_services.update_gateway(
            actor=request.actor, gateway=gateway, data=form.cleaned_data
        )
    except Refused as error:
        raise refused(error) from None
    return _gateway_out(gateway)


@gateways_router.post(
    "/{int:gateway_id}/verify",
    response=GatewayOut,
    summary="Check the credentials with the gateway now (Verified or Failed, with the reason)",
)
def verify_gateway(request, gateway_id: Id):
    need(request, "api", write=True)
    gateway = _gateway(request, gateway_id)
    gateway_services.verify_gateways(actor=request.actor, gateways=[gateway])
    return _gateway_out(_gateway(request, gateway_id))
