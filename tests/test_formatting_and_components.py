"""Money and dates render one way everywhere; the template components render what they promise."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import RequestContext, Template
from django.test import RequestFactory

from accounts.formatting import format_date, format_datetime, format_money


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


def test_list_component_toolbar_checkboxes_and_paging():
    page = Paginator(list(range(120)), 50).page(2)
    html = _render(
        '{% component "list" title="Users" id="users" columns=columns page=page add_url="/add/" '
        'refresh_url="/users/" delete_url="/delete/" item_name="user" can_write=True %}'
        '{% for n in page %}<tr><td><input type="checkbox" name="selected" value="{{ n }}" '
        'form="users-form"></td><td>{{ n }}</td></tr>{% endfor %}{% endcomponent %}',
        columns=[("Name", "name"), ("Email", "")],
        page=page,
    )
    assert (
        'href="/add/" data-dialog title="Add user"><span aria-hidden="true">+</span>'
        '<span class="visually-hidden">Add user</span></a>'
    ) in html
    assert '<caption class="visually-hidden">Users</caption>' in html
    assert 'form method="post" action="/delete/" id="users-form"' in html
    assert 'data-select-all="users-form"' in html
    assert '<th scope="col" aria-sort="ascending"><a href="?sort=-name">Name</a>' in html
    assert "Page 2 of 3 · 120 in all" in html
    assert 'href="?sort=name&amp;page=1" rel="prev"' in html
    assert 'href="?sort=name&amp;page=3" rel="next"' in html
    assert html.count('name="selected"') == 50


def test_list_component_hides_writes_from_read_only_viewers():
    page = Paginator([], 50).page(1)
    html = _render(
        '{% component "list" title="Users" id="users" columns=columns page=page add_url="/add/" '
        'delete_url="/delete/" item_name="user" can_write=False %}{% endcomponent %}',
        columns=[],
        page=page,
    )
    assert "/add/" not in html
    assert "/delete/" not in html
    assert "Nothing here yet." in html


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
    html = _render('{% include "components/badge.html" with status=status %}', status=status)
    assert f'class="badge badge--{tone}">{status}' in html


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
