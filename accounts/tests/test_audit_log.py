"""The Audit Log page: newest first, filters, paging, streamed CSV, read only, constant queries."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.http import StreamingHttpResponse

from accounts import audit
from accounts.actors import Actor
from accounts.lists import PER_PAGE
from accounts.models import AuditEntry
from accounts.permissions import ALLOW
from tests.conftest import signed_in_client
from tests.querycount import assert_constant_queries
from users.models import User

PAGE = "/audit/"
EXPORT = "/audit/export.csv"


def _entry(account, event, when, actor=None, **fields):
    entry = audit.record(event, account=account, actor=Actor(actor) if actor else None, **fields)
    AuditEntry.objects.filter(pk=entry.pk).update(created=when)
    return entry


@pytest.fixture
def history(world):
    """A known history for account A (and one entry of B's that must never show)."""
    AuditEntry.objects.all().delete()
    a, admin, user = world["a"], world["admin_a"], world["user_a"]
    day = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    return {
        "old_login": _entry(a, "login.succeeded", day - timedelta(days=5), admin, target=admin),
        "failed": _entry(a, "login.failed", day - timedelta(days=2), data={"email": "x@a.test"}),
        "profile": _entry(
            a,
            "account.profile_updated",
            day - timedelta(days=1),
            admin,
            target=a,
            changes={"city": ["London", "Leeds"]},
        ),
        "user_login": _entry(a, "login.succeeded", day, user, target=user),
        "b_entry": _entry(world["b"], "login.succeeded", day, world["admin_b"]),
    }


def _rows(response):
    return [entry.pk for entry in response.context["page"].object_list]


def _csv(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_newest_first_with_who_what_where_and_before_after(history, client_admin_a):
    response = client_admin_a.get(PAGE)
    assert _rows(response) == [
        history[k].pk for k in ("user_login", "profile", "failed", "old_login")
    ]
    body = response.content.decode()
    assert "Account profile changed" in body
    assert "<del>London</del> → <ins>Leeds</ins>" in body
    assert "Failed sign-in" in body and "x@a.test" in body
    assert "admin@bravo.test" not in body  # B's entry


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"section": "Config"}, ["profile"]),
        ({"section": "Login"}, ["user_login", "failed", "old_login"]),
        ({"date_from": "2026-03-08", "date_to": "2026-03-09"}, ["profile", "failed"]),
        ({"date_from": "2026-03-10"}, ["user_login"]),
        ({"date_to": "2026-03-05"}, ["old_login"]),
        ({"section": "Login", "date_from": "2026-03-06"}, ["user_login", "failed"]),
    ],
)
def test_filters(history, client_admin_a, query, expected):
    response = client_admin_a.get(PAGE, query)
    assert _rows(response) == [history[k].pk for k in expected]


def test_filter_by_user(world, history, client_admin_a):
    response = client_admin_a.get(PAGE, {"user": "Admin@Alpha.test"})
    assert _rows(response) == [history["profile"].pk, history["old_login"].pk]
    suggestions = response.content.decode()
    assert '<option value="user@alpha.test">' in suggestions
    assert "admin@bravo.test" not in suggestions


def test_filter_by_a_deleted_user(world, history):
    boss = User.objects.create(account=world["a"], email="boss@alpha.test", role="admin")
    world["admin_a"].delete()  # their entries keep the email they acted with
    response = signed_in_client(boss).get(PAGE, {"user": "admin@alpha.test"})
    assert _rows(response) == [history["profile"].pk, history["old_login"].pk]


def test_dates_are_days_of_the_viewers_time_zone(world, history, client_admin_a):
    # 12:00 UTC on 10 March is already 11 March in Auckland (UTC+13).
    world["a"].time_zone = "Pacific/Auckland"
    world["a"].save()
    response = client_admin_a.get(PAGE, {"date_from": "2026-03-11", "date_to": "2026-03-11"})
    assert _rows(response) == [history["user_login"].pk]


@pytest.mark.parametrize(
    ("query", "field", "message", "rows"),
    [
        ({"date_from": "yesterday"}, "date_from", "Enter a valid date.", 4),
        ({"date_to": "2026-02-30"}, "date_to", "Enter a valid date.", 4),
        # The start is fine and applies; the end before it does not.
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to", "before the start", 1),
        ({"section": "Nope"}, "section", "Select a valid choice.", 4),
        ({"user": "nobody@alpha.test"}, "user", "No such user in your account.", 4),
        ({"date_to": "9999-12-31"}, "date_to", "before the year 9999", 4),
        ({"date_from": "0001-01-01"}, "date_from", "from 1970 on", 4),
        ({"user": "abc"}, "user", "Enter a valid email address.", 4),
    ],
)
def test_bad_filters_are_reported_next_to_the_field(
    history, client_admin_a, query, field, message, rows
):
    response = client_admin_a.get(PAGE, query)
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert len(_rows(response)) == rows  # the bad filter is not applied


def test_another_accounts_user_is_not_a_filter(world, history, client_admin_a):
    response = client_admin_a.get(PAGE, {"user": world["admin_b"].email})
    assert "No such user in your account." in response.context["form"].errors["user"]
    assert history["b_entry"].pk not in _rows(response)


def test_paging_keeps_the_filters(world, client_admin_a):
    AuditEntry.objects.all().delete()
    for _ in range(120):
        audit.record("login.succeeded", account=world["a"], actor=Actor(world["admin_a"]))
    audit.record("account.profile_updated", account=world["a"], actor=Actor(world["admin_a"]))
    response = client_admin_a.get(PAGE, {"section": "Login", "page": 5})
    assert len(_rows(response)) == 120 - 4 * PER_PAGE
    body = response.content.decode()
    assert "Page 5 of 5 · 120 in all" in body
    assert 'href="?section=Login&amp;page=4" rel="prev"' in body
    assert client_admin_a.get(PAGE, {"page": "999"}).status_code == 200  # clamps, no error


def test_csv_export_streams_the_filtered_rows(world, history, client_admin_a):
    world["a"].date_format = "d/m/Y"
    world["a"].save()
    response = client_admin_a.get(EXPORT, {"section": "Login"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = _csv(response)
    assert rows[0][:6] == ["Time", "Time (UTC)", "User", "IP", "Section", "Event"]
    assert [r[5] for r in rows[1:]] == ["Signed in", "Failed sign-in", "Signed in"]
    assert rows[1][0] == "10/03/2026 12:00"  # the account's date format
    assert rows[1][1] == "2026-03-10T12:00:00+00:00"
    assert rows[1][2] == "user@alpha.test"
    assert rows[2][8] == "Email: x@a.test"


def test_csv_lists_changes_and_defuses_formulas(world, history, client_admin_a):
    _entry(
        world["a"],
        "account.profile_updated",
        datetime(2026, 3, 11, tzinfo=UTC),
        world["admin_a"],
        target_label="=HYPERLINK(evil)",
        changes={"name": ["Old", "=1+1"]},
    )
    rows = _csv(client_admin_a.get(EXPORT, {"section": "Config"}))
    assert rows[1][6] == "'=HYPERLINK(evil)"
    assert rows[1][7] == "Name: Old → =1+1"
    assert rows[2][7] == "City: London → Leeds"


def test_csv_of_another_account_shows_nothing_of_it(history, client_admin_b):
    rows = _csv(client_admin_b.get(EXPORT))
    assert len(rows) == 2  # header and B's one entry
    assert "alpha" not in "".join(rows[1])


def test_no_edit_or_delete(history, client_admin_a):
    assert client_admin_a.post(PAGE).status_code == 405
    assert client_admin_a.post(EXPORT).status_code == 405
    body = client_admin_a.get(PAGE).content.decode()
    assert 'method="post"' not in body.split('id="main"')[1].split("</main>")[0]
    assert AuditEntry.objects.count() == 5


def test_the_audit_log_module_is_needed(world, history, client_user_a, monkeypatch):
    assert client_user_a.get(PAGE).status_code == 403
    assert client_user_a.get(EXPORT).status_code == 403
    monkeypatch.setattr("accounts.permissions.group_grants", lambda user: {"audit_log": ALLOW})
    assert client_user_a.get(PAGE).status_code == 200
    assert client_user_a.get(EXPORT).status_code == 200


def test_query_count_is_constant_at_1_and_200_rows(world, client_admin_a):
    client = signed_in_client(world["admin_a"])

    def add_rows(n):
        AuditEntry.objects.all().delete()
        AuditEntry.objects.bulk_create(
            AuditEntry(
                account=world["a"],
                actor=world["admin_a"] if i % 2 else world["user_a"],
                actor_label="admin@alpha.test",
                event="account.profile_updated",
                changes={"city": ["A", "B"]},
                target_label="Alpha",
            )
            for i in range(n)
        )

    def render():
        response = client.get(PAGE)
        assert response.status_code == 200
        return response

    queries = assert_constant_queries(render, add_rows, few=1, many=200)
    assert queries <= 8
