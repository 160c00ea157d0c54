"""The invoice screens (module Customer): a customer's invoices and the account's, an invoice
with Issue / Void / draft changes / allocating a payment by hand, its PDF, Generate; and the
Settings tab's invoicing preferences (Administrators).

Views are thin: fetch through the account, bind the form, call a service, render or redirect.
Another account's invoice or customer is a 404 before the method is looked at.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.errors import Refused, show_refusal
from accounts.lists import Column, Listing
from accounts.permissions import admin_only, requires
from accounts.tenancy import get_for_account_or_404
from portal.models import Customer

from . import document, services
from .forms import AllocateForm, DraftForm, GenerateForm, InvoiceSettingsForm, VoidForm
from .models import Invoice

SAFE = ["GET", "HEAD"]
COLUMNS = (
    Column("Number", "number", ("sequence",)),
    Column("Customer"),
    Column("Period", "period", ("period_from",)),
    Column("Issued", "issued", ("issue_date",)),
    Column("Total", "total"),
    Column("Status", "status"),
)
INVOICES = Listing(
    id="invoices",
    title="Invoices",
    title_level=1,
    columns=COLUMNS,
    default_sort="-period",
    item_name="invoice",
    help="invoices",
    checkboxes=False,
    empty_text="No invoices yet. Open a customer and press Generate.",
)
CUSTOMER_INVOICES = Listing(
    id="customer-invoices",
    title="Invoices",
    columns=COLUMNS,
    default_sort="-period",
    item_name="invoice",
    help="invoices",
    checkboxes=False,
    empty_text="No invoices for this customer yet.",
    add_label="Generate",
)


def _invoices(account):
    return Invoice.objects.for_account(account).select_related("customer")


@requires("customer")
@require_safe
def invoice_list(request):
    listing = INVOICES.bind(request, _invoices(request.account))
    return render(request, "invoices/list.html", {"invoices": listing, "customer": None})


@requires("customer")
def customer_invoices(request, pk):
    customer = get_for_account_or_404(Customer, request.account, pk=pk)
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    can_write = request.access.can_write("customer")
    listing = CUSTOMER_INVOICES.bind(
        request,
        _invoices(request.account).filter(customer=customer),
        can_write=can_write,
        add_url=reverse("invoices:generate", kwargs={"pk": customer.pk}),
    )
    return render(request, "invoices/list.html", {"invoices": listing, "customer": customer})


def _form_page(request, template, context, form):
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


@requires("customer", write=True)
def generate(request, pk):
    customer = get_for_account_or_404(Customer, request.account, pk=pk)
    if request.method == "POST":
        form = GenerateForm(request.POST)
    else:
        form = GenerateForm(initial=GenerateForm.initial_for(request.account))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            invoice = services.generate_invoice(
                actor=request.actor,
                customer=customer,
                period_from=data["period_from"],
                period_to=data["period_to"],
                issue=data["issue"],
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            said = f"Invoice {invoice.number} issued." if invoice.number else "Draft generated."
            messages.success(request, said)
            return redirect("invoices:detail", pk=invoice.pk)
    return _form_page(request, "invoices/generate.html", {"customer": customer}, form)


def _invoice(request, pk) -> Invoice:
    return get_for_account_or_404(
        Invoice.objects.for_account(request.account).select_related("customer", "account"),
        request.account,
        pk=pk,
    )


@requires("customer")
def invoice_detail(request, pk):
    invoice = _invoice(request, pk)
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    can_write = request.access.can_write("customer")
    return render(
        request,
        "invoices/detail.html",
        {
            "invoice": invoice,
            "doc": document.build(invoice),
            "can_write": can_write,
            "allocations": list(invoice.allocations.all()),
            "void_form": VoidForm(),
            "allocate_form": AllocateForm(),
        },
    )


def _back(invoice):
    return redirect("invoices:detail", pk=invoice.pk)


@requires("customer", write=True)
def issue(request, pk):
    invoice = _invoice(request, pk)
    if request.method != "POST":
        return _back(invoice)
    try:
        services.issue_invoice(actor=request.actor, invoice=invoice)
    except Refused as refused:
        messages.error(request, f"Nothing was changed. {refused.message}")
    else:
        messages.success(request, f"Invoice {invoice.number} issued and on its way by mail.")
    return _back(invoice)


@requires("customer", write=True)
def void(request, pk):
    invoice = _invoice(request, pk)
    form = VoidForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.void_invoice(
                actor=request.actor, invoice=invoice, reason=form.cleaned_data["reason"]
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"{invoice} is void. Generate a new one to correct it.")
            return _back(invoice)
    return _form_page(request, "invoices/void.html", {"invoice": invoice}, form)


@requires("customer", write=True)
def edit(request, pk):
    """A draft's tax rate. An issued invoice is final: a (forged) POST changes nothing."""
    invoice = _invoice(request, pk)
    if request.method == "POST":
        form = DraftForm(request.POST)
    else:
        form = DraftForm(initial={"tax_rate": invoice.tax_rate})
    if not invoice.is_draft and not form.is_bound:
        messages.error(request, services.ISSUED_IS_FINAL)
        return _back(invoice)
    if form.is_bound and form.is_valid():
        try:
            services.update_draft(
                actor=request.actor, invoice=invoice, tax_rate=form.cleaned_data["tax_rate"]
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "Draft saved.")
            return _back(invoice)
    elif form.is_bound and not invoice.is_draft:
        form.errors.clear()
        form.add_error("tax_rate", services.ISSUED_IS_FINAL)
    return _form_page(request, "invoices/edit.html", {"invoice": invoice}, form)


@requires("customer", write=True)
def allocate(request, pk):
    invoice = _invoice(request, pk)
    form = AllocateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.allocate_by_hand(
                actor=request.actor,
                invoice=invoice,
                amount=form.cleaned_data["amount"],
                reference=form.cleaned_data["reference"],
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "Payment allocated.")
            return _back(invoice)
    return _form_page(request, "invoices/allocate.html", {"invoice": invoice}, form)


@requires("customer")
def pdf(request, pk):
    invoice = _invoice(request, pk)
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    return pdf_response(invoice)


def pdf_response(invoice: Invoice) -> HttpResponse:
    """The invoice's PDF as a download (the panel's and the portal's)."""
    response = HttpResponse(
        document.to_pdf(document.build(invoice)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{document.filename(invoice)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Settings tab ---------------------------------------------------------------------------


def settings_card(request) -> str:
    """The Settings tab's "Invoicing" card (the core's hook ``settings_tab_cards``)."""
    saved = services.settings_for(request.account)
    return render_to_string("invoices/settings_card.html", {"prefs": saved}, request=request)


@admin_only
def settings_edit(request):
    saved = services.settings_for(request.account)
    form = InvoiceSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=InvoiceSettingsForm.initial_for(saved),
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_settings(
                actor=request.actor, account=request.account, data=form.cleaned_data
            )
        except (Refused, ValidationError) as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "Invoicing preferences saved.")
            return redirect("accounts:settings")
    return _form_page(request, "invoices/settings_edit.html", {}, form)
