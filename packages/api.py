"""The Usage tab's REST API (declared in packages/panel.py, mounted by the api app): the daily
rows the Usage tab exports (one per day, package and unit price, oldest first), for the Usage
tab's own date range (UsageRangeForm: whole days in the token user's time zone, at most a year,
the last 30 days by default) read through packages/usage.py."""

from datetime import date

from django.http import QueryDict
from django.utils import timezone
from ninja import Query, Router, Schema

from accounts.apikit import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageNumber,
    PageSize,
    form_errors,
    in_viewer_time_zone,
    need,
    paginate,
)

from . import usage
from .forms import UsageRangeForm
from .models import Area

usage_router = Router(tags=["Usage"])


class UsageRow(Schema):
    date: date
    package: str
    area: str
    destination: str
    lookups: int
    unit_price: str
    charge: str
    currency: str


class UsagePage(Page):
    date_from: date
    date_to: date
    time_zone: str
    items: list[UsageRow]


class UsageFilters(Schema):
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE
    date_from: date | None = None
    date_to: date | None = None


@usage_router.get(
    "/daily", response=UsagePage, summary="Daily usage rows: per day, package and unit price"
)
def daily_usage(request, filters: Query[UsageFilters]):
    need(request, "usage")
    account = request.account
    with in_viewer_time_zone(request):
        today, tz = timezone.localdate(), timezone.get_current_timezone()
        query = QueryDict(mutable=True)
        for name in ("date_from", "date_to"):
            if getattr(filters, name):
                query[name] = getattr(filters, name).isoformat()
        form = UsageRangeForm(query or None, today=today, show_date=date.isoformat)
        if form.is_bound and not form.is_valid():
            raise form_errors(form)
        period = form.period()
        rows, meta = paginate(
            usage.daily_rows(account, period, tz), filters.page, filters.page_size
        )
        zone = timezone.get_current_timezone_name()
    areas = dict(Area.choices)
    items = [
        {
            "date": row["day"],
            "package": row["package__name"],
            "area": areas.get(row["package__area"], row["package__area"]),
            "destination": row["package__destination"],
            "lookups": row["lookups"],
            "unit_price": f"{row['unit_price']:.8f}",
            "charge": f"{row['charged']:.8f}",
            "currency": row["currency"],
        }
        for row in rows
    ]
    return {
        **meta,
        "date_from": period.first,
        "date_to": period.last,
        "time_zone": zone,
        "items": items,
    }
