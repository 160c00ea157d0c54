"""The Payments tab: the payments table (filters, paging, CSV), Make Payment, the pages the
gateway sends the payer back to, and receipts. Views are thin: the engine is ``services``."""

from datetime import UTC
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.csv_export import streamed_csv
from accounts.errors import Refused, show_refusal
from accounts.formatting import format_datetime, format_money
from accounts.lists import Column, Listing
from accounts.permissions import requires
from accounts.registry import first_answer
from accounts.tenancy import get_for_account_or_404

from ..models import Payment
from . import services
from .channels import platform_channels, setting_names
from .forms import MakePaymentForm, PaymentFilterForm
from .receipts import platform_details
from .services import CUSTOMER_KIND
from .targets import AccountBalance

SAFE = ["GET", "HEAD"]


PAYMENTS = Listing(
    id="payments",
    title="Payments",
    columns=(
        Column("Date/time", "created"),
        Column("Description"),
        Column("Amount", "amount"),
        Column("Currency"),
        Column("Method"),
        Column("Status", "status", ("status", "created")),
    ),
    default_sort="-created",
    item_name="payment",
    help="payments",
    empty_text="No payments yet.",
    add_label="Make Payment",
)
CSV_HEADER = [
    "Date/time",
    "Date/time (UTC)",
    "Description",
    "Amount",
    "Currency",
    "Method",
    "Status",
    "Reference",
    "Transaction ID",
    "Reason",
]


def _filtered(request):
    form = PaymentFilterForm(request.GET)
    form.is_valid()  # filters with bad input are reported next to their field and not applied
    return form, form.filter(Payment.objects.for_account(request.account))


def _payment_page(view):
    """A GET page about one of the account's payments: the payment is fetched first, so another
    account's is a 404 whatever the method (like one that does not exist); then only GET/HEAD."""

    @wraps(view)
    def wrapped(request, pk):
        payments = Payment.objects.for_account(request.account).select_related("ledger_entry")
        payment = get_for_account_or_404(payments, request.account, pk=pk)
        if request.method not in SAFE:
            return HttpResponseNotAllowed(SAFE)
        return view(request, payment)

    return wrapped


@requires("payments")
@require_safe
def payment_list(request):
    form, payments = _filtered(request)
    can_write = request.access.can_write("payments")
    channels = platform_channels()
    query = request.GET.copy()
    query.pop("page", None)
    export = reverse("payments:export") + (f"?{query.urlencode()}" if query else "")
    listing = PAYMENTS.bind(
        request,
        payments,
        can_write=can_write and bool(channels),
        add_url=reverse("payments:new"),
        refresh_url=request.get_full_path(),
        export_url=export,
        filters=form,
    )
    return render(
        request,
        "payment_gateways/payments/list.html",
        {
            "payments": listing,
            "channels": channels,
            "missing_settings": [] if channels else _missing_settings(),
        },
    )


@requires("payments", write=True)
def payment_new(request):
    """The Make Payment dialog: a valid submit starts the payment and sends the browser to the
    gateway's page (the dialog script follows the redirect itself)."""
    channels = platform_channels()
    if not channels:
        messages.error(request, "No payment method is configured yet.")
        return redirect("payments:list")
    form = MakePaymentForm(request.POST or None, account=request.account, channels=channels)
    if request.method == "POST" and form.is_valid():
        try:
            started = services.top_up_account(
                actor=request.actor,
                account=request.account,
                provider=form.cleaned_data["pay_via"],
                amount=form.total,
                currency=form.cleaned_data["currency"],
                urls=lambda payment: _gateway_urls(request, payment),
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            if started.redirect_url:
                return _leave_for_gateway(started.redirect_url)
            form.add_error(
                None,
                f"The payment could not start: {started.payment.failure_reason} "
                "Nothing was charged; try again, or choose the other method.",
            )
    response = render(
        request,
        "payment_gateways/payments/form.html",
        {"form": form, "account": request.account},
        status=400 if form.errors else 200,
    )
    # Without JavaScript the form itself is posted and redirected to the gateway: allow it.
    response._csp_update = {"form-action": settings.PAYMENT_REDIRECT_ORIGINS}
    return response


@requires("payments")
@_payment_page
def payment_detail(request, payment):
    """Where the payer lands after the gateway: the outcome, as the server knows it. A customer's
    completed payment may have paid invoices: that app words it (``customer_payment_outcome``)."""
    context = {"payment": payment, "can_write": request.access.can_write("payments")}
    if payment.is_completed and payment.target_kind == CUSTOMER_KIND:
        context["outcome"] = first_answer(
            "customer_payment_outcome", payment, "the customer's balance"
        )
    return render(request, "payment_gateways/payments/detail.html", context)


@requires("payments")
@_payment_page
def payment_return(request, payment):
    """The gateway's return URL: ask the gateway (never the query string) and show the outcome.
    Safe to reload and to open again: a payment no longer Pending is only shown."""
    was_pending = payment.is_pending
    checked = services.confirm_return(actor=request.actor, payment=payment, query=request.GET)
    _say(request, checked, was_pending)
    return redirect("payments:detail", pk=payment.pk)


@requires("payments", write=True)
@_payment_page
def payment_cancel(request, payment):
    """The gateway's cancel URL: close the checkout there and record what the gateway says. A
    write (it ends the payment), unlike the return page, which only applies the gateway's word."""
    was_pending = payment.is_pending
    checked = services.cancel_return(actor=request.actor, payment=payment)
    _say(request, checked, was_pending)
    return redirect("payments:detail", pk=payment.pk)


@requires("payments")
@_payment_page
def payment_receipt(request, payment):
    if not payment.is_completed:
        raise Http404("Only a completed payment has a receipt.")
    if payment.target_kind != AccountBalance.kind:  # a portal customer paid the account
        raise Http404("Only the account's own payments to the platform have a receipt.")
    entry = getattr(payment, "ledger_entry", None)
    return render(
        request,
        "payment_gateways/payments/receipt.html",
        {
            "payment": payment,
            "account": request.account,
            "entry": entry,
            "platform": platform_details(),
        },
    )


@requires("payments")
@require_safe
def payment_export(request):
    """The filtered payments as CSV, streamed row by row."""
    _, payments = _filtered(request)
    date_format, tz_name = request.account.date_format, timezone.get_current_timezone_name()

    def row(payment):
        return [
            format_datetime(payment.created, date_format, tz_name),
            payment.created.astimezone(UTC).isoformat(),
            payment.description,
            f"{payment.amount:.2f}",
            payment.currency,
            payment.method_label,
            payment.get_status_display(),
            payment.reference,
            payment.transaction_id,
            payment.failure_reason,
        ]

    stamp = timezone.localdate().isoformat()
    return streamed_csv(
        f"payments-{stamp}.csv", CSV_HEADER, (row(p) for p in payments.iterator(chunk_size=1000))
    )


def _gateway_urls(request, payment) -> tuple[str, str]:
    """Return and cancel URLs on the host the payer is using (the session is bound to it; only
    panel hosts reach this view)."""
    back = request.build_absolute_uri(reverse("payments:return", kwargs={"pk": payment.pk}))
    cancel = request.build_absolute_uri(reverse("payments:cancel", kwargs={"pk": payment.pk}))
    return back, cancel


def _leave_for_gateway(url):
    response = redirect(url)
    response["Cache-Control"] = "no-store"
    return response


def _say(request, checked, was_pending: bool) -> None:
    """A message for what this visit changed (the page itself always shows the status)."""
    payment = checked.payment
    if checked.problem:
        messages.error(request, f"{checked.problem} Press Check again in a moment.")
    elif was_pending and payment.is_completed:
        amount = format_money(payment.amount, payment.currency)
        messages.success(request, f"Payment received: {amount} was added to your balance.")


def _missing_settings() -> list[str]:
    return [name for provider in ("stripe", "paypal") for name in setting_names(provider)]
