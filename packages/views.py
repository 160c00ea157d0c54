"""The Packages tab (the catalogue, enabled or disabled per account) and the Usage tab (today,
month to date, a daily chart with its table, and CSV)."""

import csv

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.errors import Refused
from accounts.formatting import format_date
from accounts.lists import Column, Listing
from accounts.permissions import requires

from . import services, usage
from .chart import Series, colour, stacked_bars
from .forms import UsageRangeForm
from .models import Area, EnabledPackage, Package
from .money import Charges, format_unit_price


def _search(queryset, query):
    areas = [value for value, label in Area.choices if query.lower() in f"{value} {label}".lower()]
    return queryset.filter(
        Q(name__icontains=query) | Q(destination__icontains=query) | Q(area__in=areas)
    )


PACKAGES = Listing(
    id="packages",
    title="Lookup packages",
    columns=(
        Column("Name", "name"),
        Column("Description"),
        Column("Area", "area", ("area", "name")),
        Column("Destination", "destination", ("destination", "name")),
        Column("Retail per lookup", "retail", ("retail_price", "name")),
        Column("Status", "status", ("-enabled", "name")),
    ),
    default_sort="name",
    search=_search,
    item_name="package",
    help="packages",
    empty_text="The platform offers no lookup packages yet.",
)
LIST_QUERY_KEYS = ("q", "sort", "page")


@requires("packages")
@require_safe
def package_list(request):
    """Active packages, and any the platform withdrew that this account still has enabled (so it
    can see and disable them)."""
    enabled = EnabledPackage.objects.for_account(request.account).filter(package=OuterRef("pk"))
    packages = Package.objects.annotate(enabled=Exists(enabled)).filter(
        Q(active=True) | Q(enabled=True)
    )
    listing = PACKAGES.bind(
        request,
        packages,
        can_write=request.access.can_write("packages"),
        refresh_url=reverse("packages:list"),
    )
    account = request.account
    rate = services.exchange_rate(account)
    if rate is not None and account.currency != settings.PLATFORM_CURRENCY:
        for package in listing:  # the page's rows, already read
            price = (package.retail_price * rate).quantize(services.PRICE_PLACES)
            package.account_price = format_unit_price(price, account.currency)
    context = {
        "packages": listing,
        "list_query": _list_query(request.GET),
        "no_rate": services.no_rate_message(account) if rate is None else "",
        "enable_url": reverse("packages:enable"),
        "disable_url": reverse("packages:disable"),
    }
    return render(request, "packages/list.html", context)


@requires("packages", write=True)
def package_enable(request):
    return _switch(request, services.enable_package, "enabled", "was already enabled")


@requires("packages", write=True)
def package_disable(request):
    return _switch(request, services.disable_package, "disabled", "was already disabled")


def _switch(request, service, done: str, already: str):
    """A row's Enable / Disable button: change it, say so, and go back to the same list page."""
    back = reverse("packages:list") + _list_query(
        QueryDict(request.POST.get("list_query", "").lstrip("?"))
    )
    if request.method != "POST":
        return redirect(back)  # a bookmarked or reloaded action URL
    try:
        package, changed = service(
            actor=request.actor, account=request.account, package_id=request.POST.get("package")
        )
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        text = f"{package.name} {done}." if changed else f"{package.name} {already}."
        messages.success(request, text)
    return redirect(back)


def _list_query(query: QueryDict) -> str:
    """The list's own parameters only (search, sort, page), as a query string."""
    kept = QueryDict(mutable=True)
    for key in LIST_QUERY_KEYS:
        if query.get(key):
            kept[key] = query.get(key)[:100]
    return f"?{kept.urlencode()}" if kept else ""


@requires("usage")
@require_safe
def usage_overview(request):
    account, tz = request.account, timezone.get_current_timezone()
    today = timezone.localdate()
    form = _range_form(request, today)
    period = form.period()
    rows, totals = usage.summary(account, today, tz)
    daily = usage.daily(account, period, tz)
    context = {
        "form": form,
        "today": today,
        "time_zone": timezone.get_current_timezone_name(),
        "rows": [_summary_row(row, account.currency) for row in rows],
        "totals": _summary_row(totals, account.currency),
        "period": period,
        "chart": _chart(daily, account),
        "table": _daily_table(daily, account),
        "export_query": _range_query(form, period),
        "can_view_packages": request.access.can_view("packages"),
    }
    return render(request, "packages/usage.html", context)


@requires("usage")
@require_safe
def usage_export(request):
    """The period's daily rows as CSV (one per day, package and price), streamed. A bad range
    goes back to the Usage tab, where the form says what is wrong."""
    account, tz = request.account, timezone.get_current_timezone()
    form = _range_form(request, timezone.localdate())
    if form.is_bound and not form.is_valid():
        return redirect(reverse("usage:overview") + "?" + request.GET.urlencode())
    period = form.period()
    rows = usage.daily_rows(account, period, tz)
    areas = dict(Area.choices)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_HEADER)
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    row["day"].isoformat(),
                    _cell(row["package__name"]),
                    areas.get(row["package__area"], row["package__area"]),
                    _cell(row["package__destination"]),
                    row["lookups"],
                    f"{row['unit_price']:.8f}",
                    f"{row['charged']:.8f}",
                    row["currency"],
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"usage-{period.first.isoformat()}-to-{period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


CSV_HEADER = [
    "Date",
    "Package",
    "Area",
    "Destination",
    "Lookups",
    "Unit price",
    "Charge",
    "Currency",
]


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _range_form(request, today) -> UsageRangeForm:
    account = request.account
    data = request.GET if ("date_from" in request.GET or "date_to" in request.GET) else None
    return UsageRangeForm(
        data, today=today, show_date=lambda day: format_date(day, account.date_format, None)
    )


def _range_query(form, period) -> str:
    query = QueryDict(mutable=True)
    query["date_from"], query["date_to"] = period.first.isoformat(), period.last.isoformat()
    return query.urlencode()


def _summary_row(row, currency: str) -> dict:
    return {
        "package": getattr(row, "package", None),
        "enabled": getattr(row, "enabled", False),
        "today_count": row.today_count,
        "today_charge": row.today_charges.display(currency),
        "month_count": row.month_count,
        "month_charge": row.month_charges.display(currency),
    }


def _day_labels(account):
    """Long labels (the account's date format) for titles and the table; short ones, the same
    format without its year, under the chart's bars."""
    date_format = account.date_format
    short = _without_year(date_format)
    return (
        lambda day: format_date(day, date_format, None),
        lambda day: format_date(day, short, None),
    )


def _without_year(date_format: str) -> str:
    """``d/m/Y`` → ``d/m``, ``M j, Y`` → ``M j``, ``j F Y`` → ``j M``."""
    short = date_format.replace("F", "M")
    for piece in (", Y", " Y", "/Y", "-Y", ".Y", "Y/", "Y-", "Y."):
        short = short.replace(piece, "")
    return short.strip(" ,") or "m-d"


def _chart(daily: usage.Daily, account):
    long_label, short_label = _day_labels(account)
    series = [Series(p.pk, p.name, colour(i)) for i, p in enumerate(daily.packages)]
    charges = daily.charges

    def title(item, day, value):
        charged = charges.get((item.key, day))
        money = charged.display(account.currency) if charged else ""
        return f"{item.label}, {long_label(day)}: {value:,} lookups" + (
            f", {money}" if money else ""
        )

    return stacked_bars(daily.period.days, series, daily.count, title, short_label)


def _daily_table(daily: usage.Daily, account) -> dict:
    """The chart's numbers as rows of a table (the fallback for screen readers, and for reading
    exact values): a row per day, a column per package, totals."""
    long_label, _ = _day_labels(account)
    packages = daily.packages
    rows = [
        {
            "day": long_label(day),
            "counts": [daily.count(p.pk, day) for p in packages],
            "total": daily.day_count(day),
            "charge": daily.day_charges(day).display(account.currency),
        }
        for day in daily.period.days
    ]
    all_charges = Charges().merge(daily.package_charges(p.pk) for p in packages)
    return {
        "packages": packages,
        "rows": rows,
        "totals": [daily.package_count(p.pk) for p in packages],
        "total": sum(daily.package_count(p.pk) for p in packages),
        "charge": all_charges.display(account.currency),
    }
