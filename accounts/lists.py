"""Search, sort and paging for list pages, driven by the query string."""

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
