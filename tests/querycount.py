"""Query-count assertions for list pages: the count must not grow with the number of rows."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], object]) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = action()
    return len(captured.captured_queries), result


def assert_constant_queries(
    render: Callable[[], object], add_rows: Callable[[int], None], few: int = 1, many: int = 50
) -> int:
    """Render at ``few`` rows, then at ``many``; fail when the second needs more queries.

    ``add_rows(n)`` tops the data up to ``n`` rows; ``render()`` fetches the page (and should
    check its status, so an error page with few queries cannot pass). Returns the count.
    """
    add_rows(few)
    render()  # warm caches (sessions, content types) so both counts measure the same work
    small, _ = count_queries(render)
    add_rows(many)
    large, _ = count_queries(render)
    assert large <= small, (
        f"the page needs {small} queries at {few} rows but {large} at {many}: "
        "something runs one query per row (select_related / prefetch_related / annotate)"
    )
    return small
