"""Lists never count every row: BoundedPaginator counts at most ``count_limit`` rows past the
page asked for (a COUNT over a LIMITed subquery), says "more than N" beyond, and still pages."""

import re

from django.db import connection
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.lists import BoundedPaginator, Column, Listing
from users.models import User

SMALL = Listing(
    id="t",
    title="T",
    columns=(Column("Name", "name"),),
    default_sort="name",
    per_page=5,
    count_limit=20,
)


def _add_users(account, n):
    User.objects.bulk_create(
        User(account=account, email=f"u{i:04d}@bound.test", name=f"User {i:04d}") for i in range(n)
    )


def _bind(account, query=""):
    request = RequestFactory().get("/" + query)
    with CaptureQueriesContext(connection) as captured:
        bound = SMALL.bind(request, User.objects.for_account(account))
        rows = list(bound)
        count = bound.page.paginator.count
    return bound, rows, count, [q["sql"] for q in captured.captured_queries]


def _paging_html(bound):
    request = RequestFactory().get("/")
    template = Template(
        '{% with page=list.page prefix="" %}{% include "components/paging.html" %}{% endwith %}'
    )
    return template.render(RequestContext(request, {"list": bound}))


def test_the_count_is_bounded_by_a_limit_and_says_more_than(world):
    _add_users(world["a"], 60)  # + the fixture's two
    bound, rows, count, sql = _bind(world["a"])
    counts = [q for q in sql if "COUNT(" in q.upper()]
    assert len(counts) == 1
    assert re.search(r"LIMIT 21\b", counts[0]), counts[0]  # 20 counted, one more to know
    assert "ORDER BY" not in counts[0].upper()  # the order does not change how many
    assert bound.page.paginator.capped and count == 20
    assert len(rows) == 5 and bound.page.has_next()
    html = _paging_html(bound)
    assert "Page 1 of more than 4 · more than 20 in all" in html
    assert 'rel="next"' in html


def test_pages_beyond_the_bound_stay_reachable(world):
    _add_users(world["a"], 60)  # 62 users: 13 pages of 5
    bound, rows, count, _ = _bind(world["a"], "?page=11")
    assert bound.page.number == 11 and len(rows) == 5
    assert bound.page.has_next() and count == 62  # 50 skipped + 20 counted: past the end
    assert not bound.page.paginator.capped
    bound, rows, _, _ = _bind(world["a"], "?page=13")
    assert len(rows) == 2 and not bound.page.has_next()
    names = [u.name for u in _bind(world["a"], "?page=12")[1]]
    assert names == [f"User {i:04d}" for i in range(53, 58)]  # after Ada and Uma


def test_a_list_under_the_bound_shows_its_exact_total(world):
    _add_users(world["a"], 10)
    bound, _, count, _ = _bind(world["a"])
    assert count == 12 and not bound.page.paginator.capped
    assert "Page 1 of 3 · 12 in all" in _paging_html(bound)


def test_nonsense_and_huge_page_numbers_fall_back(world):
    _add_users(world["a"], 30)
    for query in ("?page=x", "?page=-3", "?page=99999999999999999999999"):
        _, rows, _, _ = _bind(world["a"], query)
        assert rows, query
    assert _bind(world["a"], "?page=x")[0].page.number == 1


def test_a_plain_list_is_bounded_too():
    paginator = BoundedPaginator(list(range(100)), 10, limit=30)
    assert paginator.count == 30 and paginator.capped
    assert BoundedPaginator(list(range(25)), 10, limit=30).count == 25
