"""The Payments tab's REST API (declared in payment_gateways/panel.py, mounted by the api app):
the account's payments with the panel's filters, one payment, and a top-up through the Make
Payment dialog's own form and service (payments/services.top_up_account), answering the
gateway's page to send the payer to."""

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
    need,
    paginate,
    refused,
)
from accounts.errors import Refused

from .models import Payment
from .payments import services
from .payments.channels import platform_channels
from .payments.forms import OTHER, MakePaymentForm, PaymentFilterForm

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
    payments = form.filter(Payment.objects.for_account(request.account)).order_by("-created", "-id")
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
