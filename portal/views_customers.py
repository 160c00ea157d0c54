"""The panel's Customers section (module Customer): the list with balance and status, add and
edit, a customer's page with its portal contacts, approve / suspend / reactivate.

Views are thin: fetch through the account, bind the form, call a service, render or redirect.
"""

from django import forms
from django.contrib import messages
from django.db.models import Count, F
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.errors import Refused, show_refusal
from accounts.lists import Column, Listing, bulk_delete
from accounts.permissions import requires
from accounts.tenancy import get_for_account_or_404
from domains.models import ACCESS_AREA_LABELS

from . import services
from .forms import ContactForm, CustomerForm, StatusForm, status_actions
from .models import Contact, Customer, CustomerStatus
from .payments import customer_payments

RECENT_PAYMENTS = 10

SAFE = ["GET", "HEAD"]


def search_customers(queryset, query: str):
    """By name, or the e-mail of one of its contacts.

    One set of ids from two branches (a UNION), each a contains-match a trigram index serves on
    PostgreSQL (portal/migrations/0002_search_trigram): an ``OR`` with a correlated ``EXISTS``
    leaves the planner no choice but to test every customer of the account."""
    by_name = queryset.filter(name__icontains=query).order_by().values("pk")
    by_contact = (
        queryset.filter(contacts__email__icontains=query, contacts__account=F("account"))
        .order_by()
        .values("pk")
    )
    return queryset.filter(pk__in=by_name.union(by_contact))


CUSTOMERS = Listing(
    id="customers",
    title="Customers",
    title_level=1,
    columns=(
        Column("Name", "name"),
        Column("Balance", "balance"),
        Column("Debit limit", "debit_limit"),
        Column("Currency"),
        Column("Status", "status", ("status", "name")),
        Column("Portal access"),
        Column("Contacts"),
    ),
    default_sort="name",
    search=search_customers,
    item_name="customer",
    help="customers",
    empty_text="No customers yet. Add one, or let them sign up on your portal domain.",
    add_label="Add customer",
)
CONTACTS = Listing(
    id="contacts",
    title="Portal contacts",
    columns=(
        Column("Name", "name"),
        Column("Email", "email"),
        Column("Phone"),
        Column("Password"),
        Column("Two-factor"),
        Column("Last sign-in", "last_login"),
        Column("Active"),
    ),
    default_sort="name",
    prefix="c",
    item_name="contact",
    help="customers",
    empty_text="No contacts yet: add one so the customer can sign in to your portal.",
    add_label="Add contact",
)


class CustomerFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Every status"), *CustomerStatus.choices],
        error_messages={"invalid_choice": "Choose a status from the list."},
    )

    def filter(self, queryset):
        status = getattr(self, "cleaned_data", {}).get("status")
        return queryset.filter(status=status) if status else queryset


@requires("customer")
@require_safe
def customer_list(request):
    filters = CustomerFilterForm(request.GET)
    filters.is_valid()  # a bad filter is reported next to its field and not applied
    customers = filters.filter(
        Customer.objects.for_account(request.account).annotate(contact_count=Count("contacts"))
    )
    listing = CUSTOMERS.bind(
        request,
        customers,
        can_write=request.access.can_write("customer"),
        add_url=reverse("customers:add"),
        refresh_url=reverse("customers:list"),
        filters=filters,
    )
    return render(request, "portal/panel/customer_list.html", {"customers": listing})


def _form_page(request, template, context, form):
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


@requires("customer", write=True)
def customer_add(request):
    form = CustomerForm(request.POST or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.create_customer(
                actor=request.actor, account=request.account, data=form.cleaned_data
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"Customer {customer.name} added. Now add its contacts.")
            return redirect("customers:detail", pk=customer.pk)
    return _form_page(request, "portal/panel/customer_form.html", {"customer": None}, form)


@requires("customer")
def customer_detail(request, pk):
    customer = get_for_account_or_404(
        Customer.objects.for_account(request.account).select_related("rate_card"),
        request.account,
        pk=pk,
    )
    if request.method not in SAFE:  # after the lookup: another account's customer is a 404 first
        return HttpResponseNotAllowed(SAFE)
    can_write = request.access.can_write("customer")
    contacts = CONTACTS.bind(
        request,
        Contact.objects.for_account(request.account).filter(customer=customer),
        can_write=can_write,
        add_url=reverse("customers:contact_add", kwargs={"pk": customer.pk}),
        delete_url=reverse("customers:contact_delete", kwargs={"pk": customer.pk}),
    )
    return render(
        request,
        "portal/panel/customer_detail.html",
        {
            "customer": customer,
            "contacts": contacts,
            "can_write": can_write,
            "edit_url": reverse("customers:edit", kwargs={"pk": customer.pk}) if can_write else "",
            "actions": status_actions(customer) if can_write else [],
            "hidden_labels": [ACCESS_AREA_LABELS.get(a, a) for a in customer.hidden_areas],
            # The customer's latest payments to the account (portal Payments), newest first.
            "payments": list(customer_payments(request.account, customer)[:RECENT_PAYMENTS]),
            "calls_url": f"{reverse('cdr:list')}?customer={customer.pk}"
            if request.access.can_view("cdr")
            else "",
        },
    )


@requires("customer", write=True)
def customer_edit(request, pk):
    customer = get_for_account_or_404(Customer, request.account, pk=pk)
    form = CustomerForm(request.POST or None, account=request.account, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.update_customer(
                actor=request.actor, customer=customer, data=form.cleaned_data
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"Customer {customer.name} saved.")
            return redirect("customers:detail", pk=customer.pk)
    return _form_page(request, "portal/panel/customer_form.html", {"customer": customer}, form)


@requires("customer", write=True)
def customer_status(request, pk):
    """POST Approve, Suspend or Reactivate. GET: back to the customer's page."""
    customer = get_for_account_or_404(Customer, request.account, pk=pk)
    back = reverse("customers:detail", kwargs={"pk": customer.pk})
    if request.method != "POST":
        return redirect(back)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was changed. Choose Approve, Suspend or Reactivate.")
        return redirect(back)
    action = form.cleaned_data["action"]
    try:
        customer = services.change_status(actor=request.actor, customer=customer, action=action)
    except Refused as refused:
        messages.error(request, f"Nothing was changed. {refused.message}")
    else:
        messages.success(request, _STATUS_SAID[action].format(name=customer.name))
    return redirect(back)


_STATUS_SAID = {
    "approve": "{name} is approved: its contacts may sign in to the portal.",
    "suspend": "{name} is suspended: its contacts can no longer sign in.",
    "reactivate": "{name} is active again.",
}


# --- Contacts ------------------------------------------------------------------------------------


def _contact_data(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k not in ("password", "send_invitation")}


@requires("customer", write=True)
def contact_add(request, pk):
    customer = get_for_account_or_404(Customer, request.account, pk=pk)
    form = ContactForm(request.POST or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        invite = form.cleaned_data["send_invitation"]
        try:
            contact = services.create_contact(
                actor=request.actor,
                customer=customer,
                data=_contact_data(form),
                password=form.cleaned_data["password"] or None,
                send_invitation=invite,
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            note = " An invitation is on its way." if invite else ""
            messages.success(request, f"Contact {contact.email} added.{note}")
            return redirect("customers:detail", pk=customer.pk)
    context = {"customer": customer, "contact": None}
    return _form_page(request, "portal/panel/contact_form.html", context, form)


@requires("customer", write=True)
def contact_edit(request, pk, contact_pk):
    customer = get_for_account_or_404(Customer, request.account, pk=pk)
    contact = get_for_account_or_404(
        Contact.objects.for_account(request.account).filter(customer=customer),
        request.account,
        pk=contact_pk,
    )
    form = ContactForm(request.POST or None, account=request.account, instance=contact)
    if request.method == "POST" and form.is_valid():
        invite = form.cleaned_data["send_invitation"]
        try:
            contact = services.update_contact(
                actor=request.actor,
                contact=contact,
                data=_contact_data(form),
                password=form.cleaned_data["password"] or None,
                send_invitation=invite,
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            note = " An invitation is on its way." if invite else ""
            messages.success(request, f"Contact {contact.email} saved.{note}")
            return redirect("customers:detail", pk=customer.pk)
    context = {"customer": customer, "contact": contact}
    return _form_page(request, "portal/panel/contact_form.html", context, form)


@requires("customer", write=True)
def contact_delete(request, pk):
    customer = get_for_account_or_404(Customer, request.account, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return bulk_delete(
        request,
        lambda actor, ids: services.delete_contacts(actor, ids, customer=customer),
        noun="contact",
        back=reverse("customers:detail", kwargs={"pk": customer.pk}),
    )
