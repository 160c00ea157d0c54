"""Search, sort and paging for list pages, driven by the query string; ticked rows."""

import re
from dataclasses import dataclass

from django.core.paginator import Paginator

PER_PAGE = 50


@dataclass(frozen=True)
class ListState:
    page: object  # a Page
    sort: str
    query: str


def list_state(
    request, queryset, *, sorts: dict[str, str], default: str, search=None, prefix: str = ""
) -> ListState:
    """Apply ``?<prefix>q=`` (through ``search(queryset, q)``), ``?<prefix>sort=`` (a key of
    ``sorts`` with an optional leading "-") and ``?<prefix>page=``. Unknown values fall back to
    the defaults rather than erroring."""
    query = request.GET.get(prefix + "q", "").strip()[:100]
    if query and search is not None:
        queryset = search(queryset, query)
    sort = request.GET.get(prefix + "sort", default)
    field = sorts.get(sort.lstrip("-"))
    if field is None:
        sort, field = default, sorts[default.lstrip("-")]
    descending = sort.startswith("-")
    queryset = queryset.order_by(("-" if descending else "") + field, "pk")
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get(prefix + "page"))
    return ListState(page=page, sort=sort, query=query)


_ID = re.compile(r"[0-9]{1,18}")
MAX_SELECTED = 500


def selected_ids(request) -> list[int]:
    """The row ids ticked in a list (``selected`` checkboxes), as ints.

    Anything that is not a plausible primary key (empty, non-ASCII digits, beyond bigint) is
    dropped rather than reaching the database; the caller still fetches the rows through the
    account, so another account's ids match nothing.
    """
    values = request.POST.getlist("selected")[:MAX_SELECTED]
    return sorted({int(v) for v in values if _ID.fullmatch(v)})
