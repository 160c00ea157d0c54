"""The panel's CDR section (module Cdr): the account's calls, filtered by date (at most a year,
the last 30 days by default) and customer, paged, and the same rows as a streamed CSV."""

from datetime import UTC

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.csv_export import streamed_csv
from accounts.formatting import format_datetime
from accounts.lists import Column, Listing
from accounts.permissions import requires

from .forms import CdrFilterForm
from .models import Cdr

CDRS = Listing(
    id="cdrs",
    title="CDR",
    title_level=1,
    columns=(
        Column("Start", "start", ("start_time",)),
        Column("Customer"),
        Column("Caller"),
        Column("Callee"),
        Column("Destination"),
        Column("Duration", "duration"),
        Column("Rate/min"),
        Column("Cost", "cost"),
        Column("Carrier"),
        Column("Disposition"),
        Column("DTMF"),
    ),
    default_sort="-start",
    item_name="call",
    help="cdr",
    empty_text="No calls in these dates.",
    checkboxes=False,
    caption="Calls",
)
CSV_HEADER = [
    "Start",
    "Start (UTC)",
    "Customer",
    "Caller",
    "Callee",
    "Destination",
    "Duration (s)",
    "Rate per minute",
    "Cost",
    "Currency",
    "Carrier",
    "Disposition",
    "SIP code",
    "DTMF",
]


def _filtered(request):
    form = CdrFilterForm(request.GET, account=request.account)
    form.is_valid()  # bad filters are reported next to their field; the default range applies
    calls = form.filter(Cdr.objects.for_account(request.account))
    return form, calls


@requires("cdr")
@require_safe
def cdr_list(request):
    form, calls = _filtered(request)
    query = request.GET.copy()
    query.pop("page", None)
    listing = CDRS.bind(
        request,
        calls.select_related("customer").only(*LIST_FIELDS),
        refresh_url=request.get_full_path(),
        export_url=reverse("cdr:export") + (f"?{query.urlencode()}" if query else ""),
        filters=form,
    )
    return render(request, "portal/panel/cdr_list.html", {"calls": listing, "filters": form})


LIST_FIELDS = [
    "start_time",
    "customer__name",
    "caller",
    "callee",
    "destination",
    "duration",
    "rate",
    "cost",
    "currency",
    "carrier",
    "disposition",
    "sip_code",
    "dtmf",
]


@requires("cdr")
@require_safe
def cdr_export(request):
    """The filtered calls as CSV (:func:`calls_csv`)."""
    _, calls = _filtered(request)
    return calls_csv(request.account, calls)


def calls_csv(account, calls):
    """``calls`` as CSV, streamed row by row (values(), in chunks: flat memory), times in the
    current time zone and the account's date format. The panel's export and the REST API's."""
    date_format, tz_name = account.date_format, timezone.get_current_timezone_name()
    labels = dict(Cdr.Disposition.choices)
    rows = calls.order_by("-start_time", "-id").values_list(*LIST_FIELDS)

    def row(values):
        start, customer, caller, callee, destination, duration, rate, cost, currency = values[:9]
        carrier, disposition, sip_code, dtmf = values[9:]
        return [
            format_datetime(start, date_format, tz_name),
            start.astimezone(UTC).isoformat(),
            customer,
            caller,
            callee,
            destination,
            duration,
            f"{rate:f}",
            f"{cost:.4f}",
            currency,
            carrier,
            labels.get(disposition, disposition),
            sip_code,
            "yes" if dtmf else "no",
        ]

    stamp = timezone.localdate().isoformat()
    return streamed_csv(
        f"cdr-{stamp}.csv", CSV_HEADER, (row(v) for v in rows.iterator(chunk_size=2000))
    )
