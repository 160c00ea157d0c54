"""The panel's Rate Cards section (module Customer): the cards with their rate and customer
counts, add / edit / delete a card; a card's rates (search, the rate of a dialled number, add /
edit / delete), the CSV import (all or nothing) and the streamed CSV export.

Views are thin: fetch through the account, bind the form, call a service, render or redirect.
"""

from django.contrib import messages
from django.db.models import Case, CharField, Count, Exists, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.csv_export import streamed_csv
from accounts.errors import Refused, show_refusal
from accounts.lists import Column, Listing, bulk_delete
from accounts.permissions import requires
from accounts.tenancy import get_for_account_or_404

from . import services_rates as services
from .forms_rates import DialledForm, RateCardForm, RateForm, RateImportForm
from .models import Customer, Rate, RateCard, search_rates
from .rates_csv import COLUMNS, CsvProblems

SAFE = ["GET", "HEAD"]


def _search_cards(queryset, query: str):
    return queryset.filter(name__icontains=query)


CARDS = Listing(
    id="ratecards",
    title="Rate Cards",
    title_level=1,
    columns=(
        Column("Name", "name"),
        Column("Currency"),
        Column("Rates"),
        Column("Customers"),
    ),
    default_sort="name",
    search=_search_cards,
    item_name="rate card",
    help="rate-cards",
    empty_text="No rate cards yet. Add one, then add its rates or import them from CSV.",
    add_label="Add rate card",
)
RATES = Listing(
    id="rates",
    title="Rates",
    columns=(
        Column("Prefix", "prefix"),
        Column("Destination", "destination"),
        Column("Rate per minute"),
        Column("Effective date"),
        Column("Status"),
    ),
    default_sort="prefix",
    search=search_rates,
    item_name="rate",
    help="rate-cards",
    empty_text="No rates yet. Add one, or import a CSV file.",
    add_label="Add rate",
)


def _count_of(queryset, field: str):
    """How many rows of ``queryset`` point at the outer row: a subquery per row of one query."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def _form_page(request, template, context, form):
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


@requires("customer")
@require_safe
def card_list(request):
    account = request.account
    cards = RateCard.objects.for_account(account).annotate(
        rate_count=_count_of(Rate.all_accounts.filter(account=account), "rate_card"),
        customer_count=_count_of(Customer.all_accounts.filter(account=account), "rate_card"),
    )
    listing = CARDS.bind(
        request,
        cards,
        can_write=request.access.can_write("customer"),
        add_url=reverse("ratecards:add"),
        delete_url=reverse("ratecards:delete"),
        refresh_url=reverse("ratecards:list"),
    )
    return render(request, "portal/panel/ratecard_list.html", {"cards": listing})


@requires("customer", write=True)
def card_add(request):
    form = RateCardForm(request.POST or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        try:
            card = services.create_card(
                actor=request.actor, account=request.account, data=form.cleaned_data
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"Rate card {card.name} added. Now add or import its rates.")
            return redirect("ratecards:detail", pk=card.pk)
    return _form_page(request, "portal/panel/ratecard_form.html", {"card": None}, form)


@requires("customer", write=True)
def card_edit(request, pk):
    card = get_for_account_or_404(RateCard, request.account, pk=pk)
    form = RateCardForm(request.POST or None, account=request.account, instance=card)
    if request.method == "POST" and form.is_valid():
        try:
            card = services.update_card(actor=request.actor, card=card, data=form.cleaned_data)
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"Rate card {card.name} saved.")
            return redirect("ratecards:detail", pk=card.pk)
    return _form_page(request, "portal/panel/ratecard_form.html", {"card": card}, form)


@requires("customer", write=True)
def card_delete(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return bulk_delete(
        request,
        lambda actor, ids: services.delete_cards(actor, ids, account=request.account),
        noun="rate card",
        back=reverse("ratecards:list"),
    )


# --- A card's rates ------------------------------------------------------------------------------


def rates_with_status(card: RateCard, on=None):
    """The card's rates, each with ``status``: Scheduled (from a later day), Superseded (a newer
    rate of its prefix is in effect) or In effect."""
    on = on or timezone.localdate()
    newer = Rate.all_accounts.filter(
        rate_card=OuterRef("rate_card"),
        prefix=OuterRef("prefix"),
        effective_from__gt=OuterRef("effective_from"),
        effective_from__lte=on,
    )
    return (
        Rate.objects.for_account(card.account)
        .filter(rate_card=card)
        .select_related("rate_card")
        .annotate(
            status=Case(
                When(effective_from__gt=on, then=Value("Scheduled")),
                When(Exists(newer), then=Value("Superseded")),
                default=Value("In effect"),
                output_field=CharField(),
            )
        )
    )


@requires("customer")
def card_detail(request, pk):
    card = get_for_account_or_404(RateCard, request.account, pk=pk)
    if request.method not in SAFE:  # after the lookup: another account's card is a 404 first
        return HttpResponseNotAllowed(SAFE)
    can_write = request.access.can_write("customer")
    dialled = DialledForm(request.GET)
    match = None
    if dialled.is_valid() and dialled.cleaned_data["number"]:
        match = card.match(dialled.cleaned_data["number"]) or False
    query = request.GET.get("q", "").strip()
    export_url = reverse("ratecards:export", kwargs={"pk": card.pk})
    rates = RATES.bind(
        request,
        rates_with_status(card),
        can_write=can_write,
        add_url=reverse("ratecards:rate_add", kwargs={"pk": card.pk}),
        delete_url=reverse("ratecards:rate_delete", kwargs={"pk": card.pk}),
        export_url=export_url + (f"?{request.GET.urlencode()}" if query else ""),
    )
    customers = Customer.objects.for_account(request.account).filter(rate_card=card)
    return render(
        request,
        "portal/panel/ratecard_detail.html",
        {
            "card": card,
            "rates": rates,
            "dialled": dialled,
            "match": match,
            "can_write": can_write,
            "customer_count": customers.count(),
            "edit_url": reverse("ratecards:edit", kwargs={"pk": card.pk}) if can_write else "",
            "import_url": reverse("ratecards:import", kwargs={"pk": card.pk}) if can_write else "",
        },
    )


def _card_and_rate(request, pk, rate_pk):
    card = get_for_account_or_404(RateCard, request.account, pk=pk)
    rate = get_for_account_or_404(
        Rate.objects.for_account(request.account).filter(rate_card=card),
        request.account,
        pk=rate_pk,
    )
    return card, rate


@requires("customer", write=True)
def rate_add(request, pk):
    card = get_for_account_or_404(RateCard, request.account, pk=pk)
    form = RateForm(request.POST or None, card=card)
    if request.method == "POST" and form.is_valid():
        try:
            rate = services.create_rate(actor=request.actor, card=card, data=form.cleaned_data)
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"Rate for {rate.prefix} ({rate.destination}) added.")
            return redirect("ratecards:detail", pk=card.pk)
    return _form_page(request, "portal/panel/rate_form.html", {"card": card, "rate": None}, form)


@requires("customer", write=True)
def rate_edit(request, pk, rate_pk):
    card, rate = _card_and_rate(request, pk, rate_pk)
    form = RateForm(request.POST or None, card=card, instance=rate)
    if request.method == "POST" and form.is_valid():
        try:
            rate = services.update_rate(actor=request.actor, rate=rate, data=form.cleaned_data)
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"Rate for {rate.prefix} ({rate.destination}) saved.")
            return redirect("ratecards:detail", pk=card.pk)
    return _form_page(request, "portal/panel/rate_form.html", {"card": card, "rate": rate}, form)


@requires("customer", write=True)
def rate_delete(request, pk):
    card = get_for_account_or_404(RateCard, request.account, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return bulk_delete(
        request,
        lambda actor, ids: services.delete_rates(actor, ids, card=card),
        noun="rate",
        back=reverse("ratecards:detail", kwargs={"pk": card.pk}),
    )


@requires("customer", write=True)
def rate_import(request, pk):
    card = get_for_account_or_404(RateCard, request.account, pk=pk)
    form = RateImportForm(request.POST or None, request.FILES or None)
    problems, more = [], 0
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.import_rates(
                actor=request.actor, card=card, data=upload.read(), filename=upload.name
            )
        except CsvProblems as bad:
            if len(bad.problems) == 1 and bad.problems[0][0] is None:
                form.add_error("file", bad.problems[0][1])
            else:
                problems, more = bad.problems, bad.total - len(bad.problems)
                lines = "1 line is" if bad.total == 1 else f"{bad.total:,} lines are"
                form.add_error(
                    "file",
                    f"Nothing was imported: {lines} wrong. Correct them and import the file again.",
                )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(
                request,
                f"Imported {result['rows']:,} rates into {card.name}: {result['created']:,} new, "
                f"{result['replaced']:,} replaced.",
            )
            return redirect("ratecards:detail", pk=card.pk)
    context = {
        "card": card,
        "problems": problems,
        "more": more,
        "columns": ",".join(COLUMNS),
    }
    return _form_page(request, "portal/panel/rate_import.html", context, form)


@requires("customer")
def card_export(request, pk):
    """The card's rates (the search's, when there is one) as CSV in the import's columns,
    streamed in chunks: flat memory whatever the size."""
    card = get_for_account_or_404(RateCard, request.account, pk=pk)
    if request.method not in SAFE:  # after the lookup: another account's card is a 404 first
        return HttpResponseNotAllowed(SAFE)
    rates = Rate.objects.for_account(request.account).filter(rate_card=card)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        rates = search_rates(rates, query)
    rows = rates.order_by("prefix", "effective_from", "pk").values_list(
        "prefix", "destination", "rate", "effective_from"
    )
    slug = "".join(c if c.isalnum() else "-" for c in card.name.lower()).strip("-") or "rates"
    return streamed_csv(
        f"rate-card-{slug}.csv",
        list(COLUMNS),
        (
            [prefix, destination, f"{rate:f}", since.isoformat()]
            for prefix, destination, rate, since in rows.iterator(chunk_size=2000)
        ),
    )
