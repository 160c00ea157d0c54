"""Customer invoices: lines and totals from the CDRs (a non-UTC time zone around month ends),
grouping, rounding, gapless numbering, the idempotent monthly run, the PDF parsed back, the
panel screens with their bad input, permissions and isolation."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TestCase

from accounts.actors import PLATFORM
from accounts.errors import Refused
from accounts.models import Account, AuditEntry
from invoices import services
from invoices.document import build, filename, to_pdf
from invoices.models import Invoice, InvoiceSettings, InvoiceStatus
from portal.models import Cdr
from tests.querycount import assert_constant_queries

ZONE = "America/Los_Angeles"
# "Today" for the tests: 2026-03-10 noon in Los Angeles; last month is February 2026.
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo(ZONE))
FEB_1, FEB_28 = datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def la(world):
    account = world["a"]
    Account.objects.filter(pk=account.pk).update(time_zone=ZONE)
    account.refresh_from_db()
    world["customer_a"].account = account
    return account


def _call(customer, when, cost, destination="United Kingdom", duration=60):
    return Cdr.objects.create(
        account=customer.account,
        customer=customer,
        start_time=when,
        caller="+15550001111",
        callee="447700900123",
        destination=destination,
        duration=duration,
        rate=Decimal("0.01"),
        cost=Decimal(cost),
        currency=customer.currency,
    )


def _local(*args):
    return datetime.datetime(*args, tzinfo=ZoneInfo(ZONE))


def _february_calls(customer):
    """Calls inside February in Los Angeles, and some just outside it (which are inside
    February in UTC, or outside it in UTC while inside locally)."""
    inside = [
        _call(customer, _local(2026, 2, 1, 0, 0, 5), "0.1875", "United Kingdom"),  # 08:00 UTC
        _call(customer, _local(2026, 2, 1, 0, 30), "0.0125", "United Kingdom"),
        _call(customer, _local(2026, 2, 14, 9, 0), "1.333333", "United States"),
        _call(customer, _local(2026, 2, 14, 10, 0), "0.666667", "United States"),
        # 23:59 on the 28th in LA is March 1st 07:59 in UTC: still February's.
        _call(customer, _local(2026, 2, 28, 23, 59), "2.50", "Germany", duration=150),
    ]
    outside = [
        # 31 January 23:30 in LA is 1 February in UTC: January's.
        _call(customer, _local(2026, 1, 31, 23, 30), "9.99", "United Kingdom"),
        _call(customer, _local(2026, 3, 1, 0, 0), "7.77", "United Kingdom"),
    ]
    return inside, outside


def _generate(customer, **kwargs):
    return services.generate_invoice(
        actor=PLATFORM, customer=customer, period_from=FEB_1, period_to=FEB_28, **kwargs
    )


# --- lines and totals ------------------------------------------------------------------------


def test_totals_equal_the_period_s_call_costs_in_the_account_s_time_zone(world, la, frozen):
    customer = world["customer_a"]
    inside, _ = _february_calls(customer)
    invoice = _generate(customer)
    assert invoice.subtotal == sum(c.cost for c in inside).quantize(Decimal("0.01"))
    assert invoice.subtotal == Decimal("4.70")
    lines = list(invoice.lines.all())
    assert [(line.description, line.amount) for line in lines] == [
        ("Germany (1 call)", Decimal("2.50")),
        ("United Kingdom (2 calls)", Decimal("0.20")),
        ("United States (2 calls)", Decimal("2.00")),
    ]
    assert lines[0].quantity == Decimal("2.50") and lines[0].unit == "min"
    assert invoice.total == invoice.subtotal + invoice.tax
    assert invoice.currency == customer.currency
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number == ""


def test_grouping_by_day_uses_local_days(world, la, frozen):
    customer = world["customer_a"]
    _february_calls(customer)
    prefs = services.settings_for(la)
    InvoiceSettings.objects.for_account(la).filter(pk=prefs.pk).update(grouping="day")
    invoice = _generate(customer)
    assert [(line.description, line.amount) for line in invoice.lines.all()] == [
        ("Calls on 2026-02-01 (2 calls)", Decimal("0.20")),
        ("Calls on 2026-02-14 (2 calls)", Decimal("2.00")),
        ("Calls on 2026-02-28 (1 call)", Decimal("2.50")),
    ]
    assert invoice.subtotal == Decimal("4.70")


def test_one_line_grouping_and_tax_rounded_once_half_up(world, la, frozen):
    customer = world["customer_a"]
    _february_calls(customer)
    InvoiceSettings.objects.for_account(la).filter(pk=services.settings_for(la).pk).update(
        grouping="package", tax_rate=Decimal("17.5")
    )
    invoice = _generate(customer)
    assert invoice.lines.count() == 1
    # 4.70 × 17.5 % = 0.8225 → 0.82 (half up at the third decimal: below half)
    assert invoice.tax == Decimal("0.82")
    assert invoice.total == Decimal("5.52")


def test_each_line_is_rounded_once_half_up(world, la, frozen):
    customer = world["customer_a"]
    _call(customer, _local(2026, 2, 3, 12), "0.0025", "Spain")
    _call(customer, _local(2026, 2, 3, 13), "0.0025", "Spain")  # 0.005 → 0.01
    _call(customer, _local(2026, 2, 3, 14), "0.004999", "France")  # → 0.00
    invoice = _generate(customer)
    amounts = {line.description: line.amount for line in invoice.lines.all()}
    assert amounts == {"France (1 call)": Decimal("0.00"), "Spain (2 calls)": Decimal("0.01")}
    assert invoice.subtotal == Decimal("0.01")


# --- bad periods, twice ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period_from", "period_to", "field", "words"),
    [
        (FEB_28, FEB_1, "period_from", "starts after it ends"),
        (FEB_1, datetime.date(2026, 3, 11), "period_to", "in the future"),
        (datetime.date(2025, 1, 1), FEB_28, "period_to", "at most a year"),
    ],
)
def test_bad_periods_are_refused(world, la, frozen, period_from, period_to, field, words):
    with pytest.raises(Refused) as refused:
        services.generate_invoice(
            actor=PLATFORM,
            customer=world["customer_a"],
            period_from=period_from,
            period_to=period_to,
        )
    assert refused.value.field == field and words in refused.value.message


def test_generating_twice_for_a_period_is_refused_until_voided(world, la, frozen):
    customer = world["customer_a"]
    first = _generate(customer)
    with pytest.raises(Refused, match="already has an invoice"):
        _generate(customer)
    services.void_invoice(actor=PLATFORM, invoice=first, reason="wrong rate card")
    second = _generate(customer)
    assert second.pk != first.pk


# --- numbering -------------------------------------------------------------------------------


def test_numbers_are_given_at_issue_and_are_gapless(world, la, frozen):
    customer = world["customer_a"]
    InvoiceSettings.objects.for_account(la).filter(pk=services.settings_for(la).pk).update(
        number_prefix="ALP-", next_number=100
    )
    numbers = []
    for month in range(1, 6):
        day = datetime.date(2025, month, 1)
        draft = services.generate_invoice(
            actor=PLATFORM, customer=customer, period_from=day, period_to=day
        )
        if month == 3:  # a voided draft takes no number
            services.void_invoice(actor=PLATFORM, invoice=draft, reason="test")
            continue
        services.issue_invoice(actor=PLATFORM, invoice=draft)
        numbers.append(draft.number)
    assert numbers == ["ALP-100", "ALP-101", "ALP-102", "ALP-103"]
    assert services.settings_for(la).next_number == 104
    issued = Invoice.objects.for_account(la).get(number="ALP-100")
    assert issued.issue_date == datetime.date(2026, 3, 10)
    assert issued.due_date == datetime.date(2026, 4, 9)  # 30 days' terms


def test_issuing_twice_is_refused_and_takes_no_number(world, la, frozen):
    invoice = _generate(world["customer_a"], issue=True)
    with pytest.raises(Refused):
        services.issue_invoice(actor=PLATFORM, invoice=invoice)
    assert services.settings_for(la).next_number == 3  # the world's invoice took 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (row locks across connections)"
)
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_generations_number_gaplessly(world, la):
    import threading

    from portal import services as portal_services

    customers = [
        portal_services.create_customer(
            actor=PLATFORM, account=la, data={"name": f"Parallel {n}", "currency": la.currency}
        )
        for n in range(10)
    ]
    day = datetime.date(2025, 6, 1)
    start = threading.Barrier(10)
    errors = []

    def run(customer):
        try:
            start.wait()
            services.generate_invoice(
                actor=PLATFORM, customer=customer, period_from=day, period_to=day, issue=True
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    sequences = sorted(
        Invoice.objects.for_account(la).filter(period_from=day).values_list("sequence", flat=True)
    )
    assert sequences == list(range(2, 12))  # 1 is the world's invoice


# --- the monthly run -------------------------------------------------------------------------


def test_the_monthly_command_is_idempotent(world, la, frozen):
    customer = world["customer_a"]
    _february_calls(customer)
    out = io.StringIO()
    call_command("generate_invoices", stdout=out)
    made = Invoice.objects.for_account(la).filter(period_from=FEB_1, period_to=FEB_28)
    assert made.count() == 1
    invoice = made.get()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number
    assert invoice.total == Decimal("4.70")
    again = io.StringIO()
    call_command("generate_invoices", stdout=again)
    assert made.count() == 1
    assert "0 invoice(s) issued." in again.getvalue()
    # account B's customer has no February calls: nothing for it
    assert not Invoice.objects.for_account(world["b"]).filter(period_from=FEB_1).exists()


def test_the_task_runs_the_same_monthly_generation(world, la, frozen):
    from invoices.tasks import generate_monthly_invoices

    _february_calls(world["customer_a"])
    generate_monthly_invoices.enqueue()
    generate_monthly_invoices.enqueue()
    assert Invoice.objects.for_account(la).filter(period_from=FEB_1).count() == 1


def test_an_issued_invoice_is_mailed_with_its_pdf(world, la, frozen):
    _february_calls(world["customer_a"])
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        invoice = _generate(world["customer_a"], issue=True)
    sent = [m for m in mail.outbox if invoice.number in m.subject]
    assert len(sent) == 1
    assert sent[0].to == [world["contact_a"].email]
    ((name, content, mimetype),) = sent[0].attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert name == filename(invoice)


# --- PDF -------------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_carries_number_totals_and_both_parties(world, la, frozen):
    Account.objects.filter(pk=la.pk).update(ocn="123A", frn="0012345678")
    la.refresh_from_db()
    customer = world["customer_a"]
    customer.account = la
    _february_calls(customer)
    InvoiceSettings.objects.for_account(la).filter(pk=services.settings_for(la).pk).update(
        tax_rate=Decimal("20"), footer="Pay to IBAN GB00 TEST 0000"
    )
    invoice = _generate(customer, issue=True)
    invoice = Invoice.objects.select_related("account", "customer").get(pk=invoice.pk)
    text = _pdf_text(to_pdf(build(invoice)))
    for expected in (
        invoice.number,
        la.name,
        customer.name,
        "OCN: 123A",
        "FRN: 0012345678",
        "$4.70",  # subtotal
        "$0.94",  # tax
        "$5.64",  # total
        "Pay to IBAN GB00 TEST 0000",
        "Germany (1 call)",
    ):
        assert expected in text, expected


def test_the_panel_serves_the_pdf_with_a_safe_name(world, client_admin_a):
    invoice = world["invoice_a"]
    response = client_admin_a.get(f"/customers/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="invoice-{invoice.number}.pdf"'
    assert invoice.number in _pdf_text(response.content)


def test_unsafe_characters_never_reach_the_file_name(world):
    invoice = Invoice(pk=7, number='A"/\\;\r\nB 1')
    assert filename(invoice) == "invoice-A_B_1.pdf"


def test_another_account_s_invoice_and_pdf_are_404(world, client_admin_a):
    other = world["invoice_b"]
    for suffix in ("", "pdf/", "void/", "issue/", "edit/"):
        assert client_admin_a.get(f"/customers/invoices/{other.pk}/{suffix}").status_code == 404
    assert client_admin_a.get(f"/customers/{world['customer_b'].pk}/invoices/").status_code == 404


# --- panel screens ---------------------------------------------------------------------------


def test_generate_from_the_panel_then_issue_and_void(world, la, frozen, client_admin_a):
    customer = world["customer_a"]
    _february_calls(customer)
    page = client_admin_a.get(f"/customers/{customer.pk}/invoices/generate/")
    assert page.status_code == 200 and 'value="2026-02-01"' in page.content.decode()
    response = client_admin_a.post(
        f"/customers/{customer.pk}/invoices/generate/",
        {"period_from": "2026-02-01", "period_to": "2026-02-28"},
    )
    invoice = Invoice.objects.for_account(la).get(period_from=FEB_1)
    assert response.status_code == 302 and response["Location"].endswith(f"/{invoice.pk}/")
    body = client_admin_a.get(response["Location"]).content.decode()
    assert "$4.70" in body and "Draft" in body
    client_admin_a.post(f"/customers/invoices/{invoice.pk}/issue/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number
    response = client_admin_a.post(f"/customers/invoices/{invoice.pk}/void/", {"reason": ""})
    assert response.status_code == 400
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    client_admin_a.post(f"/customers/invoices/{invoice.pk}/void/", {"reason": "Wrong rates"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID and invoice.void_reason == "Wrong rates"
    events = set(AuditEntry.objects.filter(account=la).values_list("event", flat=True))
    assert {"invoice.generated", "invoice.issued", "invoice.voided"} <= events


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"period_from": "2026-02-28", "period_to": "2026-02-01"}, "period_from", "starts after"),
        ({"period_from": "2026-03-01", "period_to": "2026-03-20"}, "period_to", "future"),
        ({"period_from": "2024-01-01", "period_to": "2026-02-01"}, "period_to", "at most a year"),
        ({"period_from": "not a date", "period_to": "2026-02-01"}, "period_from", "valid date"),
    ],
)
def test_bad_generate_input_is_shown_next_to_the_field(
    world, la, frozen, client_admin_a, data, field, words
):
    customer = world["customer_a"]
    before = Invoice.objects.for_account(la).count()
    response = client_admin_a.post(f"/customers/{customer.pk}/invoices/generate/", data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert f'id="id_{field}"' in response.content.decode()
    assert Invoice.objects.for_account(la).count() == before


def test_generating_twice_in_the_panel_says_so(world, la, frozen, client_admin_a):
    customer = world["customer_a"]
    url = f"/customers/{customer.pk}/invoices/generate/"
    data = {"period_from": "2026-02-01", "period_to": "2026-02-28"}
    assert client_admin_a.post(url, data).status_code == 302
    response = client_admin_a.post(url, data)
    assert response.status_code == 400 and "already has an invoice" in response.content.decode()
    assert Invoice.objects.for_account(la).filter(period_from=FEB_1).count() == 1


def test_a_forged_edit_of_an_issued_invoice_changes_nothing(world, client_admin_a):
    invoice = world["invoice_a"]
    before = (invoice.tax_rate, invoice.total)
    response = client_admin_a.post(f"/customers/invoices/{invoice.pk}/edit/", {"tax_rate": "50"})
    assert response.status_code == 400
    assert "cannot be changed" in response.content.decode()
    invoice.refresh_from_db()
    assert (invoice.tax_rate, invoice.total) == before


def test_a_read_only_user_sees_invoices_but_cannot_generate(world, client_user_a):
    from users.models import User

    User.objects.filter(pk=world["user_a"].pk).update(read_only=True)
    customer = world["customer_a"]
    assert client_user_a.get(f"/customers/{customer.pk}/invoices/").status_code == 200
    url = f"/customers/{customer.pk}/invoices/generate/"
    assert client_user_a.get(url).status_code == 403
    day = "2025-01-01"
    assert client_user_a.post(url, {"period_from": day, "period_to": day}).status_code == 403
    assert not Invoice.objects.for_account(world["a"]).filter(period_from=day).exists()


def test_the_invoice_lists_need_a_fixed_number_of_queries(world, client_admin_a):
    customer = world["customer_a"]

    def add_rows(n):
        for k in range(Invoice.objects.for_account(world["a"]).count(), n):
            day = datetime.date(2020, 1, 1) + datetime.timedelta(days=k)
            services.generate_invoice(
                actor=PLATFORM, customer=customer, period_from=day, period_to=day, issue=True
            )

    for url in ("/customers/invoices/", f"/customers/{customer.pk}/invoices/"):

        def render(url=url):
            response = client_admin_a.get(url)
            assert response.status_code == 200

        assert_constant_queries(render, add_rows, few=2, many=30)


def test_allocations_by_hand_make_an_invoice_paid(world, la, frozen, client_admin_a):
    _february_calls(world["customer_a"])
    invoice = _generate(world["customer_a"], issue=True)
    url = f"/customers/invoices/{invoice.pk}/allocate/"
    response = client_admin_a.post(url, {"amount": "5.00"})
    assert response.status_code == 400 and "more than the 4.70" in response.content.decode()
    assert client_admin_a.post(url, {"amount": "4.00", "reference": "TRX1"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    client_admin_a.post(url, {"amount": "0.70"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


# --- settings --------------------------------------------------------------------------------


SETTINGS = "/account/settings/invoicing/"


def _prefs(**changes):
    data = {
        "grouping": "day",
        "number_prefix": "AN-",
        "next_number": "10",
        "payment_terms_days": "14",
        "tax_rate": "20.5",
        "footer": "Thank you",
    }
    data.update(changes)
    return data


def test_the_settings_tab_shows_and_saves_invoicing_preferences(world, client_admin_a):
    assert "Invoicing" in client_admin_a.get("/account/settings/").content.decode()
    response = client_admin_a.post(SETTINGS, _prefs())
    assert response.status_code == 302
    saved = services.settings_for(world["a"])
    assert (saved.grouping, saved.number_prefix, saved.next_number, saved.tax_rate) == (
        "day",
        "AN-",
        10,
        Decimal("20.5"),
    )
    assert "AN-" in client_admin_a.get("/account/settings/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"tax_rate": "-1"}, "tax_rate", "from 0 to 100"),
        ({"tax_rate": "100.01"}, "tax_rate", "from 0 to 100"),
        ({"number_prefix": "IN\tV"}, "number_prefix", "control characters"),
        ({"number_prefix": "INV\x00"}, "number_prefix", "Null characters are not allowed"),
        ({"number_prefix": "X" * 13}, "number_prefix", "at most 12"),
        ({"next_number": "0"}, "next_number", "1 or more"),
        ({"grouping": "weekly"}, "grouping", "Choose a grouping"),
    ],
)
def test_bad_preferences_are_refused_next_to_the_field(
    world, client_admin_a, changes, field, words
):
    before = InvoiceSettingsSnapshot.of(world["a"])
    response = client_admin_a.post(SETTINGS, _prefs(**changes))
    assert response.status_code == 400
    body = response.content.decode()
    assert words in body and f'id="id_{field}"' in body
    assert InvoiceSettingsSnapshot.of(world["a"]) == before


class InvoiceSettingsSnapshot:
    @staticmethod
    def of(account):
        saved = services.settings_for(account)
        return [getattr(saved, name) for name in services.SETTINGS_FIELDS]


def test_a_user_cannot_change_invoicing_preferences(world, client_user_a):
    assert client_user_a.post(SETTINGS, _prefs()).status_code == 403
    assert services.settings_for(world["a"]).number_prefix == "INV-"


# --- OCN and FRN on the Config tab -----------------------------------------------------------


def _profile(account, **changes):
    from accounts.tests.test_config import VALID

    return {**VALID, "name": account.name, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ocn": "12A"}, "ocn", "An OCN is 4 letters or digits"),
        ({"ocn": "12-A"}, "ocn", "An OCN is 4 letters or digits"),
        ({"frn": "123456789"}, "frn", "An FRN is 10 digits"),
        ({"frn": "12345678901"}, "frn", "at most 10"),
        ({"frn": "00123456a8"}, "frn", "An FRN is 10 digits"),
    ],
)
def test_bad_ocn_or_frn_is_refused_next_to_the_field(world, client_admin_a, changes, field, words):
    response = client_admin_a.post("/account/config/edit/", _profile(world["a"], **changes))
    assert response.status_code == 200  # the form again (the Config tab's way), not saved
    body = response.content.decode()
    assert words in body and f'id="id_{field}"' in body
    world["a"].refresh_from_db()
    assert (world["a"].ocn, world["a"].frn) == ("", "")


def test_ocn_and_frn_are_saved_and_shown(world, client_admin_a):
    response = client_admin_a.post(
        "/account/config/edit/", _profile(world["a"], ocn="123a", frn="0012345678")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world["a"].refresh_from_db()
    assert (world["a"].ocn, world["a"].frn) == ("123A", "0012345678")
    body = client_admin_a.get("/account/config/").content.decode()
    assert "123A" in body and "0012345678" in body


def test_the_demo_issues_and_pays_invoices_once(db):
    call_command("demo", stdout=io.StringIO())
    for account in Account.objects.all():
        invoices = Invoice.objects.for_account(account)
        assert invoices.filter(status=InvoiceStatus.ISSUED).exists()
        assert invoices.filter(status=InvoiceStatus.PAID).exists()
        # Dated as the monthly run issues them: the day after each month, numbers in date order.
        assert all(i.issue_date == i.period_to + datetime.timedelta(days=1) for i in invoices)
        by_number = list(invoices.order_by("sequence").values_list("issue_date", flat=True))
        assert by_number == sorted(by_number) and len(set(by_number)) == 3
    count = Invoice.all_accounts.count()
    call_command("demo", stdout=io.StringIO())
    assert Invoice.all_accounts.count() == count


def test_the_html_view_and_the_pdf_print_the_same_document(world, la, frozen, client_admin_a):
    _february_calls(world["customer_a"])
    invoice = _generate(world["customer_a"], issue=True)
    html = client_admin_a.get(f"/customers/invoices/{invoice.pk}/").content.decode()
    text = _pdf_text(client_admin_a.get(f"/customers/invoices/{invoice.pk}/pdf/").content)
    doc = build(Invoice.objects.select_related("account", "customer").get(pk=invoice.pk))
    printed = [doc.number, doc.total, doc.subtotal, doc.tax, doc.buyer_name, doc.seller_name]
    printed += [value for line in doc.lines for value in (line.description, line.amount)]
    for value in printed:
        assert value in html and value in text, value
