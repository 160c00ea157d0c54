"""The Payments table (columns, filters, paging, constant queries), its CSV export, the receipt
page and the receipt mail."""

import csv
import io
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from accounts.actors import PLATFORM
from accounts.models import Account
from payment_gateways.models import Payment
from payment_gateways.payments import services
from tests.querycount import assert_constant_queries

from .factories import paid_payment, pending_payment

LIST = "/account/payments/"


def _rows(response) -> list:
    return list(response.context["payments"].page.object_list)


def _make(account, count, status):
    for _ in range(count):
        payment = pending_payment(account, "100.00")
        if status == "completed":
            paid_payment(account, "100.00")
            payment.delete()
        elif status != "pending":
            services.close_payment(payment, status, f"{status} because of tests", actor=PLATFORM)


def test_the_table_shows_each_payment_with_its_receipt_link(client_admin_a, account_a):
    done = paid_payment(account_a, "250.00")
    pending_payment(account_a, "50.00", provider="paypal")
    body = client_admin_a.get(LIST).content.decode().replace("\xa0", " ")
    for header in ("Date/time", "Description", "Amount", "Currency", "Method", "Status"):
        assert f">{header}<" in body
    assert "$250.00 USD" in body and "$50.00 USD" in body
    assert "Credit card" in body and "PayPal" in body
    assert ">Completed<" in body and ">Pending<" in body
    assert f'href="/account/payments/{done.pk}/receipt/"' in body
    assert 'href="/account/payments/export.csv"' in body


def test_the_table_pages_sorts_and_filters_by_status_and_date(client_admin_a, account_a):
    _make(account_a, 20, "completed")
    _make(account_a, 8, "failed")
    _make(account_a, 2, "pending")
    old = Payment.objects.for_account(account_a).filter(status="failed")[:3]
    long_ago = timezone.now() - timedelta(days=40)
    Payment.objects.for_account(account_a).filter(pk__in=[p.pk for p in old]).update(
        created=long_ago
    )
    first = client_admin_a.get(LIST)
    assert len(_rows(first)) == 25
    assert "Page 1 of 2 · 30 in all" in first.content.decode()
    assert _rows(first)[0].created >= _rows(first)[-1].created  # newest first
    assert len(_rows(client_admin_a.get(LIST, {"page": 2}))) == 5

    failed = client_admin_a.get(LIST, {"status": "failed"})
    assert {p.status for p in _rows(failed)} == {"failed"} and len(_rows(failed)) == 8
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    recent_failed = client_admin_a.get(LIST, {"status": "failed", "date_from": since})
    assert len(_rows(recent_failed)) == 5
    day = long_ago.date().isoformat()
    on_the_day = client_admin_a.get(LIST, {"date_from": day, "date_to": day})
    assert len(_rows(on_the_day)) == 3

    by_amount = client_admin_a.get(LIST, {"sort": "amount", "status": "failed"})
    assert "sort=-amount" in by_amount.content.decode()  # the header now sorts the other way


def test_bad_filters_are_reported_and_not_applied(client_admin_a, account_a):
    _make(account_a, 3, "completed")
    response = client_admin_a.get(
        LIST, {"status": "lost", "date_from": "2026-13-45", "date_to": "1900-01-01"}
    )
    form = response.context["payments"].filters
    assert form.errors["status"] == ["Choose a status from the list."]
    assert form.errors["date_from"] == ["Enter a valid date."]
    assert form.errors["date_to"] == ["Enter a date from 1970 on."]
    assert len(_rows(response)) == 3
    swapped = client_admin_a.get(LIST, {"date_from": "2026-02-02", "date_to": "2026-02-01"})
    assert swapped.context["payments"].filters.errors["date_to"] == [
        "The end date is before the start date."
    ]


def test_the_table_needs_the_same_queries_at_one_row_and_at_fifty(client_admin_a, account_a):
    def render():
        response = client_admin_a.get(LIST)
        assert response.status_code == 200
        return response

    def add_rows(total):
        have = Payment.objects.for_account(account_a).count()
        for index in range(have, total):
            (paid_payment if index % 2 else pending_payment)(account_a, "25.00")

    assert_constant_queries(render, add_rows, few=1, many=50)


def test_the_csv_export_streams_the_filtered_payments_safely(client_admin_a, account_a):
    done = paid_payment(account_a, "250.00")
    failed = pending_payment(account_a, "50.00")
    services.close_payment(failed, "failed", "=HYPERLINK(evil)", actor=PLATFORM)
    response = client_admin_a.get("/account/payments/export.csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="payments-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "Date/time",
        "Date/time (UTC)",
        "Description",
        "Amount",
        "Currency",
        "Method",
        "Status",
        "Reference",
        "Transaction ID",
        "Reason",
    ]
    by_reference = {row[7]: row for row in rows[1:]}
    assert by_reference[done.reference][3:7] == ["250.00", "USD", "Credit card", "Completed"]
    assert by_reference[done.reference][8] == done.transaction_id
    assert by_reference[failed.reference][9] == "'=HYPERLINK(evil)"  # not a formula
    only_failed = client_admin_a.get("/account/payments/export.csv", {"status": "failed"})
    lines = b"".join(only_failed.streaming_content).decode().strip().splitlines()
    assert len(lines) == 2


def test_the_export_link_keeps_the_filters(client_admin_a, account_a):
    body = client_admin_a.get(LIST, {"status": "completed", "page": "1"}).content.decode()
    assert 'href="/account/payments/export.csv?status=completed"' in body


def test_the_receipt_shows_both_parties_the_amount_and_the_transaction(
    client_admin_a, account_a, settings
):
    settings.PLATFORM_COMPANY_NAME = "Carrier Platform Ltd"
    settings.PLATFORM_COMPANY_ADDRESS = ["1 Exchange Square", "London EC2A 2BR"]
    settings.PLATFORM_COMPANY_TAX_ID = "GB999999973"
    Account.objects.filter(pk=account_a.pk).update(
        address_line1="10 Downing Street", city="London", post_code="SW1A 2AA", vat_id="GB123"
    )
    payment = paid_payment(account_a, "100.00")
    body = client_admin_a.get(f"/account/payments/{payment.pk}/receipt/").content.decode()
    body = body.replace("\xa0", " ")
    for text in (
        f"Receipt {payment.reference}",
        "Carrier Platform Ltd",
        "1 Exchange Square",
        "Tax ID: GB999999973",
        "Alpha Networks",
        "10 Downing Street",
        "VAT ID: GB123",
        payment.transaction_id,
        "$100.00 USD",
        "Balance after this payment",
        "data-print",
    ):
        assert text in body, text


def test_only_a_completed_payment_has_a_receipt(client_admin_a, account_a):
    payment = pending_payment(account_a)
    assert client_admin_a.get(f"/account/payments/{payment.pk}/receipt/").status_code == 404


def test_a_completed_payment_mails_its_receipt_through_the_account_mail_path(
    account_a, admin_a, django_capture_on_commit_callbacks, settings
):
    settings.PANEL_BASE_URL = "https://panel.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        payment = paid_payment(account_a, "100.00", user=admin_a)
    (message,) = mail.outbox
    assert message.subject == f"Alpha Networks: receipt for your payment {payment.reference}"
    assert message.to == ["ops@alpha.test", "admin@alpha.test"]
    assert payment.transaction_id in message.body
    assert "100.00 USD" in message.body
    assert f"https://panel.example.com/account/payments/{payment.pk}/receipt/" in message.body


def test_no_mail_leaves_before_the_completion_commits(account_a):
    paid_payment(account_a)
    assert mail.outbox == []


def test_the_platform_admin_lists_payments_and_the_ledger_read_only(account_a):
    from django.test import Client

    from accounts.sessions import SESSION_HOST_KEY
    from users.models import User

    root = User.objects.create_superuser("root@platform.test", "Correct-Horse-42!")
    client = Client()
    client.force_login(root)
    session = client.session
    session[SESSION_HOST_KEY] = "testserver"
    session.save()
    for url in ("/admin/payment_gateways/payment/", "/admin/payment_gateways/balanceentry/"):

        def render(url=url):
            response = client.get(url)
            assert response.status_code == 200
            return response

        def add_rows(total):
            for _ in range(Payment.objects.for_account(account_a).count(), total):
                paid_payment(account_a, "10.00")

        assert_constant_queries(render, add_rows, few=1, many=20)
    payment = Payment.objects.for_account(account_a).first()
    change = client.get(f"/admin/payment_gateways/payment/{payment.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
