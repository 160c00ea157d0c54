"""Money and dates render one way everywhere; the template components render what they promise."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import RequestContext, Template
from django.test import RequestFactory

from accounts.formatting import format_date, format_datetime, format_money
from accounts.lists import BoundList, Column, Listing


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1138.17", "USD", "$1,138.17 USD"),
        ("99.5", "EUR", "€99.50 EUR"),
        ("1200", "JPY", "¥1,200 JPY"),
        ("-12.3456", "GBP", "-£12.35 GBP"),
        ("10", "CHF", "CHF10.00"),  # the symbol is the code: not repeated
    ],
)
def test_money(amount, currency, expected):
    assert format_money(Decimal(amount), currency).replace("\xa0", " ") == expected


def test_dates_follow_the_format_and_the_viewers_time_zone():
    moment = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    assert format_date(moment, "d/m/Y", "UTC") == "31/01/2026"
    assert format_date(moment, "d/m/Y", "Asia/Kolkata") == "01/02/2026"
    assert format_datetime(moment, "M j, Y", "America/New_York") == "Jan 31, 2026 18:30"
    assert format_date(date(2026, 3, 4), "Y-m-d", None) == "2026-03-04"
    assert format_date(None, "Y-m-d", "UTC") == ""


def _render(source, **context):
    request = RequestFactory().get("/things/?sort=name&page=2")
    request.account = None
    return Template(source).render(RequestContext(request, context))


def test_card_component_renders_title_body_and_actions():
    html = _render(
        '{% component "card" title="Company Information" edit_url="/edit/" help="config" %}'
        "<p>Body {{ word }}</p>{% endcomponent %}",
        word="<b>escaped</b>",
    )
    assert "Company Information" in html
    assert "<p>Body &lt;b&gt;escaped&lt;/b&gt;</p>" in html
    # The glyph is hidden from screen readers; the name is visually hidden text (WCAG 2.5.3).
    assert (
        'href="/edit/" data-dialog title="Edit Company Information"><span aria-hidden="true">✎'
        '</span><span class="visually-hidden">Edit Company Information</span></a>'
    ) in html
    assert 'href="/help/config/" data-dialog' in html


def test_card_without_edit_url_has_no_pencil():
    html = _render('{% component "card" title="View only" %}x{% endcomponent %}')
    assert "Edit View only" not in html


NUMBERS = Listing(
    id="users",
    title="Users",
    columns=(Column("Name", "name"), Column("Email")),
    default_sort="name",
    item_name="user",
)


def _bound(items, request_query="?sort=name&page=2", **actions):
    request = RequestFactory().get("/things/" + request_query)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return BoundList(NUMBERS, page, request.GET.get("sort", ""), "", **actions)


def test_list_component_toolbar_checkboxes_and_paging():
    bound = _bound(
        list(range(120)),
        can_write=True,
        add_url="/add/",
        refresh_url="/users/",
        delete_url="/delete/",
    )
    html = _render(
        '{% component "list" list=bound %}'
        '{% for n in bound %}<tr><td><input type="checkbox" name="selected" value="{{ n }}" '
        'form="users-form"></td><td>{{ n }}</td></tr>{% endfor %}{% endcomponent %}',
        bound=bound,
    )
    assert (
        'href="/add/" data-dialog title="Add user"><span aria-hidden="true">+</span>'
        '<span class="visually-hidden">Add user</span></a>'
    ) in html
    assert '<caption class="visually-hidden">Users</caption>' in html
    assert 'form method="post" action="/delete/" id="users-form"' in html
    assert 'formaction="/delete/"' in html and 'data-confirm="Delete the selected user(s)?"' in html
    assert 'data-select-all="users-form"' in html
    assert '<th scope="col" aria-sort="ascending"><a href="?sort=-name">Name</a>' in html
    assert "Page 2 of 3 · 120 in all" in html
    assert 'href="?sort=name&amp;page=1" rel="prev"' in html
    assert 'href="?sort=name&amp;page=3" rel="next"' in html
    assert html.count('name="selected"') == 50


def test_list_component_hides_writes_from_read_only_viewers():
    html = _render(
        '{% component "list" list=bound %}{% endcomponent %}',
        bound=_bound([], "", can_write=False, add_url="/add/", delete_url="/delete/"),
    )
    assert "/add/" not in html
    assert "/delete/" not in html
    assert "Nothing here yet." in html


@pytest.mark.parametrize(
    ("query", "expected_sort", "order"),
    [
        ("", "name", ["name", "pk"]),
        ("?sort=-name", "-name", ["-name", "-pk"]),  # the tie-break follows the direction
        ("?sort=role", "role", ["role", "name", "pk"]),
        ("?sort=-role", "-role", ["-role", "name", "-pk"]),
        ("?sort=email", "name", ["name", "pk"]),  # not a sortable column: the default
        ("?sort=nonsense", "name", ["name", "pk"]),
    ],
)
def test_listing_sorts_by_declared_columns_only(world, query, expected_sort, order):
    from users.models import User

    listing = Listing(
        id="t",
        title="T",
        columns=(
            Column("Name", "name"),
            Column("Email"),
            Column("Role", "role", ("role", "name")),
        ),
        default_sort="name",
    )
    bound = listing.bind(RequestFactory().get("/" + query), User.objects.for_account(world["a"]))
    assert bound.sort == expected_sort
    assert list(bound.page.paginator.object_list.query.order_by) == order


class _Form(forms.Form):
    email = forms.EmailField(help_text="The address you sign in with.")


def test_form_row_links_errors_and_help_to_the_input():
    form = _Form({"email": "not-an-email"})
    form.is_valid()
    html = _render('{% include "components/form_row.html" with field=form.email %}', form=form)
    assert 'aria-describedby="id_email_errors id_email_help"' in html
    assert 'aria-invalid="true"' in html
    assert (
        '<ul class="form-row__errors" id="id_email_errors"><li>Enter a valid email address.' in html
    )


@pytest.mark.parametrize(
    ("status", "tone"),
    [("Verified", "ok"), ("Failed", "bad"), ("Not checked", "warn"), ("Something", "neutral")],
)
def test_status_badge_tones(status, tone):
    html = _render("{% badge status %}", status=status)
    assert html == f'<span class="badge badge--{tone}">{status}</span>'


def test_a_badge_escapes_its_words_and_shows_a_detail():
    html = _render("{% badge status detail %}", status="<i>Verified</i>", detail="<b>2 min ago</b>")
    assert html == (
        '<span class="badge badge--neutral">&lt;i&gt;Verified&lt;/i&gt;'
        " <small>&lt;b&gt;2 min ago&lt;/b&gt;</small></span>"
    )


def test_help_is_a_page_without_javascript_and_a_fragment_for_the_dialog(client_admin_a):
    page = client_admin_a.get("/help/config/").content.decode()
    assert "<html" in page and 'class="sidebar"' in page and "Help: Config" in page
    fragment = client_admin_a.get("/help/config/", HTTP_X_DIALOG="1").content.decode()
    assert "<html" not in fragment
    assert 'id="dialog-title">Help: Config' in fragment
    assert "data-close-dialog" in fragment


def test_unknown_help_topic_is_404(client_admin_a):
    assert client_admin_a.get("/help/nope/").status_code == 404


def test_balance_badge_in_the_account_currency(client_admin_a, client_admin_b):
    assert "Balance: $1,138.17 USD" in client_admin_a.get("/account/config/").content.decode()
    body = client_admin_b.get("/account/config/").content.decode().replace("\xa0", " ")
    assert "Balance: €99.50 EUR" in body


def test_date_tags_use_the_accounts_format_and_the_active_time_zone(account_a):
    from django.utils import timezone

    account_a.date_format = "d.m.Y"
    request = RequestFactory().get("/")
    request.account = account_a
    moment = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    with timezone.override("Asia/Tokyo"):
        html = Template("{% local_date when %} | {% local_datetime when %}").render(
            RequestContext(request, {"when": moment})
        )
    assert html == "01.02.2026 | 01.02.2026 08:30"
