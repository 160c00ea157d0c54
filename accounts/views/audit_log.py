"""The Audit Log page: read only, newest first, filtered, paged, and exported as streamed CSV."""

from datetime import UTC

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.permissions import requires

from ..audit import field_label, value_text
from ..csv_export import streamed_csv
from ..formatting import format_datetime
from ..forms import AuditFilterForm
from ..lists import Column, Listing
from ..models import AuditEntry

AUDIT_LOG = Listing(
    id="audit",
    title="Audit Log",
    columns=(
        Column("When"),
        Column("Who"),
        Column("IP"),
        Column("Section"),
        Column("What"),
        Column("Changes"),
    ),
    checkboxes=False,
    title_level=1,
    filters_template="accounts/_audit_filters.html",
    help="audit-log",
    empty_text="No entries match these filters.",
    caption="Audit log entries, newest first",
)
CSV_HEADER = [
    "Time",
    "Time (UTC)",
    "User",
    "IP",
    "Section",
    "Event",
    "Object",
    "Changes",
    "Details",
]


def _filtered(request):
    form = AuditFilterForm(request.GET, account=request.account)
    form.is_valid()  # filters with bad input are reported next to their field and not applied
    return form, form.filter(AuditEntry.objects.for_account(request.account))


@requires("audit_log")
@require_safe
def audit_log(request):
    form, entries = _filtered(request)  # newest first: the model's ordering
    query = request.GET.copy()
    query.pop("page", None)
    export = reverse("accounts:audit_log_export") + (f"?{query.urlencode()}" if query else "")
    listing = AUDIT_LOG.bind(request, entries, filters=form, export_url=export)
    return render(request, "accounts/audit_log.html", {"entries": listing})


@requires("audit_log")
@require_safe
def audit_log_export(request):
    """The filtered entries as CSV, streamed row by row (a large log never sits in memory)."""
    _, entries = _filtered(request)
    # The time zone is read now: the response streams after the middleware has returned.
    date_format, tz_name = request.account.date_format, timezone.get_current_timezone_name()
    rows = (_csv_row(entry, date_format, tz_name) for entry in entries.iterator(chunk_size=1000))
    stamp = timezone.localdate().isoformat()
    return streamed_csv(f"audit-log-{stamp}.csv", CSV_HEADER, rows)


def _csv_row(entry: AuditEntry, date_format: str, tz_name: str) -> list[str]:
    changes = "; ".join(
        f"{field_label(key)}: {value_text(old)} → {value_text(new)}"
        for key, (old, new) in entry.changes.items()
    )
    details = "; ".join(f"{field_label(k)}: {value_text(v)}" for k, v in entry.data.items())
    return [
        format_datetime(entry.created, date_format, tz_name),
        entry.created.astimezone(UTC).isoformat(),
        entry.actor_label,
        entry.ip or "",
        entry.section,
        entry.event_text,
        entry.target_label,
        changes,
        details,
    ]
