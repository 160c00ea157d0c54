"""The portal's Payments section: the customer's payment history, Make payment on the Account's
own Verified gateways (through the payment engine, crediting the customer's balance), and the
pages the gateway sends the payer back to, on this portal's own host.

The gateway's return and cancel URLs are built from the portal domain (portal.links), never from
the Host header; the return page asks the gateway itself (the browser's word is never trusted).
Only when the domain's Payments area is on and not hidden for the customer (else a 404).
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse

from accounts.errors import Refused, show_refusal
from accounts.formatting import format_money
from accounts.lists import Column, Listing
from accounts.permissions import public
from accounts.registry import first_answer
from accounts.tenancy import get_for_account_or_404
from payment_gateways.models import Gateway, Payment
from payment_gateways.payments import services
from payment_gateways.payments.channels import PROVIDERS
from payment_gateways.payments.forms import decimals_allowed

from . import sessions
from .links import portal_url
from .payments import customer_payments
from .views import CONTACT_PAGE, _page

AREA = "payments"
SAFE = ("GET", "HEAD")

PAYMENTS = Listing(
    id="portal-payments",
    title="Payments",
    title_level=1,
    columns=(
        Column("Date/time", "created"),
        Column("Reference"),
        Column("Amount", "amount"),
        Column("Method"),
        Column("Status", "status", ("status", "created")),
    ),
    default_sort="-created",
    item_name="payment",
    empty_text="No payments yet.",
    checkboxes=False,
    add_label="Make payment",
)


def offered_gateways(account, currency: str) -> dict[str, Gateway]:
    """Per provider, the Account's first Verified gateway (by name) that takes ``currency``."""
    found: dict[str, Gateway] = {}
    gateways = (
        Gateway.objects.for_account(account)
        .filter(status=Gateway.Status.VERIFIED)
        .order_by("name", "pk")
    )
    for gateway in gateways:
        if gateway.type not in found and (not gateway.currencies or currency in gateway.currencies):
            found[gateway.type] = gateway
    return {p: found[p] for p in PROVIDERS if p in found}


class PortalPaymentForm(forms.Form):
    amount = forms.CharField(
        label="Amount",
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.ChoiceField(label="Currency")
    # Not "method": a control of that name would hide the form's own method from scripts.
    pay_via = forms.ChoiceField(label="Pay with", widget=forms.RadioSelect)

    def __init__(self, *args, domain, customer, gateways: dict[str, Gateway], **kwargs):
        currencies = list(domain.currencies or [])
        kwargs.setdefault(
            "initial",
            {
                "currency": customer.currency if customer.currency in currencies else "",
                "pay_via": next(iter(gateways), ""),
            },
        )
        super().__init__(*args, **kwargs)
        low, high = services.payment_limits()
        self.fields["currency"].choices = [(c, c) for c in currencies]
        self.fields["currency"].error_messages["invalid_choice"] = (
            "Choose one of the currencies listed."
        )
        self.fields["pay_via"].choices = [
            (provider, Payment.METHOD_LABELS[provider]) for provider in gateways
        ]
        self.fields["pay_via"].error_messages.update(
            required="Choose how to pay.", invalid_choice="That payment method is not offered."
        )
        currency = customer.currency
        self.fields[
            "amount"
        ].help_text = f"From {format_money(low, currency)} to {format_money(high, currency)}."

    def clean(self):
        data = super().clean()
        raw = "".join((data.get("amount") or "").split()).replace(",", "")
        currency = data.get("currency")
        if "amount" not in data or not currency:
            return data
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            self.add_error("amount", "Enter an amount, e.g. 25 or 25.50.")
            return data
        places = decimals_allowed(currency)
        if not amount.is_finite() or amount <= 0:
            self.add_error("amount", "Enter an amount above zero.")
        elif amount != amount.quantize(Decimal(1).scaleb(-places)):
            self.add_error(
                "amount",
                f"{currency} amounts have at most {places} decimals."
                if places
                else f"{currency} amounts are whole numbers.",
            )
        else:
            data["total"] = amount.quantize(Decimal(1).scaleb(-places))
        return data


def _customer_payment(view):
    """A page about one of the contact's own customer's payments: another customer's or
    another account's is a 404, like one that does not exist; then only GET/HEAD."""

    def wrapped(request, pk):
        payments = customer_payments(request.account, request.contact.customer)
        payment = get_for_account_or_404(payments, request.account, pk=pk)
        if request.method not in SAFE:
            return HttpResponseNotAllowed(SAFE)
        payment.account = request.account
        return view(request, payment)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@public(CONTACT_PAGE)
@sessions.contact_required(AREA)
def payments(request):
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    customer = request.contact.customer
    can_pay = bool(offered_gateways(request.account, customer.currency))
    listing = PAYMENTS.bind(
        request,
        customer_payments(request.account, customer),
        can_write=can_pay,
        add_url=reverse("portal:payment_new"),
    )
    return _page(request, "portal/payments.html", {"payments": listing, "customer": customer})


@public(CONTACT_PAGE)
@sessions.contact_required(AREA)
def payment_new(request):
    """Make payment: a valid submit starts the payment and sends the browser to the gateway."""
    domain, customer = request.portal.domain, request.contact.customer
    gateways = offered_gateways(request.account, customer.currency)
    form = PortalPaymentForm(
        request.POST or None, domain=domain, customer=customer, gateways=gateways
    )
    if request.method == "POST" and form.is_valid():
        to_gateway = started_on_gateway(
            form,
            lambda: services.pay_customer_balance(
                actor=request.actor,
                customer=customer,
                domain=domain,
                gateway=gateways.get(form.cleaned_data["pay_via"]),
                amount=form.cleaned_data["total"],
                currency=form.cleaned_data["currency"],
                urls=return_urls(domain),
                payer_email=request.contact.email,
            ),
        )
        if to_gateway:
            return to_gateway
    context = {"form": form, "customer": customer, "offered": bool(gateways)}
    return payment_form_page(request, "portal/payment_form.html", form, context)


def return_urls(domain):
    """Where the gateway sends the payer back to (paid, cancelled), on the portal ``domain``."""
    return lambda payment: (
        portal_url(domain, "portal:payment_return", pk=payment.pk),
        portal_url(domain, "portal:payment_cancel", pk=payment.pk),
    )


def started_on_gateway(form, start):
    """Start a payment (``start()``): the redirect to the gateway's page, or None with why not
    on ``form`` (a refusal of the engine's rules, or the gateway's failure)."""
    try:
        started = start()
    except Refused as refused:
        show_refusal(form, refused)
        return None
    if started.redirect_url:
        response = redirect(started.redirect_url)
        response["Cache-Control"] = "no-store"
        return response
    form.add_error(
        None,
        f"The payment could not start: {started.payment.failure_reason} "
        "Nothing was charged; try again in a moment.",
    )
    return None


def payment_form_page(request, template, form, context):
    """A portal payment form (400 with its errors). Without JavaScript the form itself is
    posted and redirected to the gateway: its CSP allows that."""
    response = _page(request, template, context, status=400 if form.errors else 200)
    response._csp_update = {"form-action": settings.PAYMENT_REDIRECT_ORIGINS}
    return response


@public(CONTACT_PAGE)
@sessions.contact_required(AREA)
@_customer_payment
def payment_detail(request, payment):
    """Where the payer lands after the gateway: the outcome, as the server knows it."""
    context = {"payment": payment, "customer": request.contact.customer}
    if payment.is_completed:
        context["outcome"] = outcome(payment)
    return _page(request, "portal/payment_detail.html", context)


def outcome(payment, balance: str = "your balance") -> str:
    """What became of a completed customer payment: another app may say (invoices: "… was paid
    on invoice INV-7"); else it was added to the balance."""
    said = first_answer("customer_payment_outcome", payment, balance)
    amount = format_money(payment.amount, payment.currency)
    return said or f"{amount} was added to {balance}"


@public("the gateway's return URL for a contact's own payment: the gateway is asked, not the URL")
@sessions.contact_required(AREA)
@_customer_payment
def payment_return(request, payment):
    was_pending = payment.is_pending
    checked = services.confirm_return(actor=request.actor, payment=payment, query=request.GET)
    _say(request, checked, was_pending)
    return redirect("portal:payment_detail", pk=payment.pk)


@public("the gateway's cancel URL for a contact's own payment: the gateway says what happened")
@sessions.contact_required(AREA)
@_customer_payment
def payment_cancel(request, payment):
    was_pending = payment.is_pending
    checked = services.cancel_return(actor=request.actor, payment=payment)
    _say(request, checked, was_pending)
    return redirect("portal:payment_detail", pk=payment.pk)


def _say(request, checked, was_pending: bool) -> None:
    payment = checked.payment
    if checked.problem:
        messages.error(request, f"{checked.problem} Reload this page in a moment.")
    elif was_pending and payment.is_completed:
        messages.success(request, f"Payment received: {outcome(payment)}.")
