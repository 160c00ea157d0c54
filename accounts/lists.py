"""The one list toolkit: a :class:`Listing` declares a table (columns with sort keys, search,
paging, bulk actions); ``bind`` applies the query string to a queryset; ``components/list.html``
draws it. Ticked rows reach bulk actions through :func:`selected_ids`, and every bulk delete goes
through :func:`bulk_delete`.

Sorting: ``?<prefix>sort=<key>`` ascending, ``-<key>`` descending; the primary key is the last
tie-break and follows the primary direction, so an index on (account, field, id) serves every
page in both directions. Unknown sort keys and page numbers fall back to the defaults.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect
from django.utils.functional import cached_property

from .errors import Refused
from .parallel import MAX_CHECKS_PER_REQUEST
from .requests import safe_next_url

PER_PAGE = 25
MAX_QUERY = 100
COUNT_LIMIT = 10_000  # rows counted past the requested page before the pager says "more than"
MAX_PAGE = 100_000  # a page number beyond this is read as this (keeps LIMIT/OFFSET sane)


class BoundedPaginator(Paginator):
    """A paginator whose ``count`` reads at most ``limit`` rows past the page it serves.

    ``count`` is exact when the rows end within that bound; otherwise it is the bound and
    ``capped`` is true ("more than ``count``"). The pages up to the bound are real pages, so the
    requested page and the ones after it are always reachable: deep pages cost what their OFFSET
    costs anyway; page 1 of 150,000 rows costs a count of 10,001.
    """

    def __init__(self, object_list, per_page, *, limit: int = COUNT_LIMIT, number=1, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit
        self.capped = False
        try:
            wanted = min(max(int(number), 1), MAX_PAGE)
        except (TypeError, ValueError):
            wanted = 1
        self.bound = (wanted - 1) * self.per_page + max(limit, self.per_page)

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):  # a queryset: the order does not change how many
            counted = rows.order_by()[: self.bound + 1].count()
        else:
            counted = len(rows[: self.bound + 1])
        self.capped = counted > self.bound
        return min(counted, self.bound)


@dataclass(frozen=True)
class Column:
    """A column header. ``sort`` is its ``?sort=`` key (empty: not sortable); ``order_by`` the
    fields it sorts by, ascending (default: the key itself); descending reverses the first."""

    label: str
    sort: str = ""
    order_by: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return self.order_by or (self.sort,)


@dataclass(frozen=True)
class AddChoice:
    label: str
    url: str


@dataclass(frozen=True)
class Listing:
    """A list page's table, declared once per list (module level)."""

    id: str  # also the id of the form the row checkboxes belong to ("<id>-form")
    title: str
    columns: tuple[Column, ...]
    default_sort: str = ""
    search: Callable | None = None  # (queryset, query) -> queryset
    prefix: str = ""  # when two lists share a page: ?<prefix>sort=, ?<prefix>page=, ?<prefix>q=
    item_name: str = "item"
    help: str = ""
    empty_text: str = "Nothing here yet."
    per_page: int = PER_PAGE
    checkboxes: bool = True  # False: no selection column at all (a read-only log)
    title_level: int = 2  # 1 when the list is the page (its only heading)
    filters_template: str = ""  # drawn above the table with ``form`` = the bound list's filters
    caption: str = ""  # the table's (visually hidden) caption; empty: the title
    count_limit: int = COUNT_LIMIT  # rows counted past the page (accounts.lists.BoundedPaginator)

    @property
    def searchable(self) -> bool:
        """The list has a search box. (A template cannot test ``listing.search`` itself: Django
        calls a callable it meets, and one that needs arguments resolves to "".)"""
        return self.search is not None

    add_label: str = ""  # the add button's words (empty: a "+" icon)

    def bind(self, request, queryset, **actions) -> "BoundList":
        """The page of ``queryset`` the request asks for; ``actions`` are :class:`BoundList`'s
        toolbar fields (can_write, add_url, add_choices, refresh_url, refresh_selected_url,
        delete_url, export_url) and ``filters``, a bound GET form drawn above the table."""
        query = request.GET.get(self.prefix + "q", "").strip()[:MAX_QUERY]
        if query and self.search is not None:
            queryset = self.search(queryset, query)
        sort = request.GET.get(self.prefix + "sort", self.default_sort)
        fields = self._sort_fields(sort)
        if fields is None:
            sort, fields = self.default_sort, self._sort_fields(self.default_sort) or ()
        descending = sort.startswith("-")
        if fields:
            queryset = queryset.order_by(*fields, "-pk" if _desc(fields[0]) else "pk")
        elif not queryset.ordered:
            queryset = queryset.order_by("-pk" if descending else "pk")
        number = request.GET.get(self.prefix + "page")
        paginator = BoundedPaginator(
            queryset, self.per_page, limit=self.count_limit, number=number or 1
        )
        page = paginator.get_page(number)
        return BoundList(self, page, sort, query, **actions)

    def _sort_fields(self, sort: str) -> tuple[str, ...] | None:
        if not sort:
            return ()
        key, descending = sort.lstrip("-"), sort.startswith("-")
        column = next((c for c in self.columns if c.sort and c.sort == key), None)
        if column is None:
            return None
        first, *rest = column.fields
        return (_flip(first) if descending else first, *rest)


@dataclass
class BoundList:
    listing: Listing
    page: Page
    sort: str
    query: str
    can_write: bool = False
    add_url: str = ""
    add_choices: list[AddChoice] = field(default_factory=list)
    refresh_url: str = ""  # a link that reloads the list
    refresh_selected_url: str = ""  # POSTs the ticked rows (re-check them)
    delete_url: str = ""  # POSTs the ticked rows to a bulk_delete view
    export_url: str = ""  # a CSV download of the rows the filters and search select
    filters: object = None  # a bound GET form whose fields narrow the rows (it filters itself)

    def __iter__(self):
        return iter(self.page)

    @property
    def selectable(self) -> bool:
        """Rows carry checkboxes when some action takes ticked rows."""
        return (
            self.listing.checkboxes
            and self.can_write
            and bool(self.delete_url or self.refresh_selected_url)
        )

    @property
    def form_id(self) -> str:
        return f"{self.listing.id}-form"


def _desc(field_name: str) -> bool:
    return field_name.startswith("-")


def _flip(field_name: str) -> str:
    return field_name[1:] if _desc(field_name) else f"-{field_name}"


_ID = re.compile(r"[0-9]{1,18}")
MAX_SELECTED = 500


def selected_ids(request) -> list[int]:
    """The row ids ticked in a list (``selected`` checkboxes), as ints.

    Anything that is not a plausible primary key (empty, non-ASCII digits, beyond bigint) is
    dropped rather than reaching the database; the service still fetches the rows through the
    account, so another account's ids match nothing.
    """
    values = request.POST.getlist("selected")[:MAX_SELECTED]
    return sorted({int(v) for v in values if _ID.fullmatch(v)})


def bulk_delete(request, delete, *, noun: str, plural: str = "", back: str):
    """The toolbar's delete, the same on every list: ``delete(actor, ids)`` deletes what it finds
    of the account's among the ticked ids (other accounts' ids and rows already gone are ignored)
    and returns the labels of what it deleted; the message says how many. A refusal (e.g. the
    account's last Administrator) deletes nothing and says why."""
    plural = plural or f"{noun}s"
    ids = selected_ids(request) if request.method == "POST" else []
    if request.method == "POST" and not ids:
        messages.error(request, f"Select the {plural} to delete.")
    elif ids:
        try:
            deleted = delete(request.actor, ids)
        except Refused as refused:
            messages.error(request, f"Nothing was deleted. {refused.message}")
        except PermissionDenied as denied:
            messages.error(request, f"Nothing was deleted. {denied}")
        else:
            if deleted:
                word = noun if len(deleted) == 1 else plural
                messages.success(request, f"Deleted {len(deleted)} {word}: {', '.join(deleted)}.")
            else:
                messages.error(request, f"None of the selected {plural} exist any more.")
    return redirect(back)


def check_selected(request, queryset, check, *, noun: str, plural: str = "", back: str, note=""):
    """The toolbar's refresh, the same on every list: ``check(rows)`` runs the outside checks of
    the ticked rows among ``queryset`` (the account's, so other accounts' ids match nothing), at
    most MAX_CHECKS_PER_REQUEST at a time (``note`` tells what happens to the rest); back to the
    list (or the ``next`` it came from) with the messages ``check`` left."""
    plural = plural or f"{noun}s"
    back = safe_next_url(request) or back
    if request.method != "POST":  # a bookmarked or reloaded action URL
        return redirect(back)
    ids = selected_ids(request)
    if len(ids) > MAX_CHECKS_PER_REQUEST:
        limit = f"Check at most {MAX_CHECKS_PER_REQUEST} {plural} at a time"
        messages.error(request, f"{limit}; {note}." if note else f"{limit}.")
        return redirect(back)
    rows = list(queryset.filter(pk__in=ids))
    if rows:
        check(rows)
    else:
        messages.error(request, f"Select the {plural} to check.")
    return redirect(back)
