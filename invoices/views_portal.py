"""The portal's Invoice area (on a Verified portal domain, for the signed-in contact): the
contact's own customer's invoices — issued, paid and void ones; never drafts —, each one's PDF
(the same document as the panel's, invoices.document) and Pay on an open one, which starts a
customer payment of the outstanding amount through the payments engine; once confirmed it pays
that invoice first.

Only when the domain's Invoice area is on and not hidden for the customer (else a 404). Another
customer's or another account's invoice, and a draft, is a 404 like one that does not exist.
Void invoices are listed as Void (the customer may have received them by mail), without Pay.
Pay is offered only when the Payments area is on too (the gateway returns the payer to its pages).
"""

from django import forms
from django.contrib import messages
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect

from accounts.lists import Column, Listing
from accounts.permissions import public
from accounts.tenancy import get_for_account_or_404
from payment_gateways.models import Payment
from portal import sessions
from portal.views import CONTACT_PAGE, _page
from portal.views_payments import AREA as PAYMENTS_AREA
from portal.views_payments import (
    offered_gateways,
    payment_form_page,
    return_urls,
    started_on_gateway,
)

from . import services
from .models import Invoice, InvoiceStatus
from .views import pdf_response

AREA = "invoice"
SAFE = ("GET", "HEAD")

PORTAL_INVOICES = Listing(
    id="portal-invoices",
    title="Invoices",
    title_level=1,
    columns=(
        Column("Number", "number", ("sequence",)),
        Column("Issue date", "issued", ("issue_date", "sequence")),
        Column("Due date", "due", ("due_date", "sequence")),
        Column("Total", "total"),
        Column("Outstanding"),
        Column("Status", "status", ("status", "sequence")),
        Column(""),
    ),
    default_sort="-issued",
    item_name="invoice",
    empty_text="No invoices yet.",
    checkboxes=False,
)


def own_invoices(request):
    """The contact's customer's invoices a customer sees: issued ones (open, paid or void),
    with what is allocated to each (one query for the page)."""
    return (
        Invoice.objects.for_account(request.account)
        .filter(customer=request.contact.customer)
        .exclude(status=InvoiceStatus.DRAFT)
        .annotate(
            paid=Coalesce(
                Sum("allocations__amount"),
                Value(0),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
    )


def _own_invoice(request, pk) -> Invoice:
    invoice = get_for_account_or_404(own_invoices(request), request.account, pk=pk)
    invoice.account = request.account
    invoice.customer = request.contact.customer
    return invoice


@public(CONTACT_PAGE)
@sessions.contact_required(AREA)
def invoices(request):
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    listing = PORTAL_INVOICES.bind(request, own_invoices(request))
    for invoice in listing.page:
        invoice.outstanding = (
            invoice.total - invoice.paid if invoice.status == InvoiceStatus.ISSUED else 0
        )
    return _page(
        request, "portal/invoices.html", {"invoices": listing, "can_pay": _can_pay(request)}
    )


def _can_pay(request) -> bool:
    """Pay needs the Payments area too: the gateway sends the payer back to its pages."""
    return PAYMENTS_AREA in request.portal_areas


@public(CONTACT_PAGE)
@sessions.contact_required(AREA)
def invoice_pdf(request, pk):
    invoice = _own_invoice(request, pk)
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    return pdf_response(invoice)


class PayInvoiceForm(forms.Form):
    pay_via = forms.ChoiceField(label="Pay with", widget=forms.RadioSelect)

    def __init__(self, *args, gateways, **kwargs):
        kwargs.setdefault("initial", {"pay_via": next(iter(gateways), "")})
        super().__init__(*args, **kwargs)
        self.fields["pay_via"].choices = [
            (provider, Payment.METHOD_LABELS[provider]) for provider in gateways
        ]
        self.fields["pay_via"].error_messages.update(
            required="Choose how to pay.", invalid_choice="That payment method is not offered."
        )


@public(CONTACT_PAGE)
@sessions.contact_required(AREA)
def invoice_pay(request, pk):
    """Pay an open invoice's outstanding amount: a valid submit starts the payment and sends
    the browser to the gateway."""
    invoice = _own_invoice(request, pk)
    amount = services.outstanding(invoice)
    if amount <= 0:
        messages.error(request, f"Invoice {invoice.number} is not open for payment.")
        return redirect("portal:invoices")
    domain = request.portal.domain
    gateways = offered_gateways(request.account, invoice.currency) if _can_pay(request) else {}
    form = PayInvoiceForm(request.POST or None, gateways=gateways)
    if request.method == "POST" and form.is_valid():
        to_gateway = started_on_gateway(
            form,
            lambda: services.pay_invoice(
                actor=request.actor,
                invoice=invoice,
                domain=domain,
                gateway=gateways.get(form.cleaned_data["pay_via"]),
                urls=return_urls(domain),
                payer_email=request.contact.email,
            ),
        )
        if to_gateway:
            return to_gateway
    context = {"form": form, "invoice": invoice, "amount": amount, "offered": bool(gateways)}
    return payment_form_page(request, "portal/invoice_pay.html", form, context)
