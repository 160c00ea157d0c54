"""Receipts: the printable page's content and the mail sent when a payment completes."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.formatting import format_datetime
from accounts.mail import send_mail_later

from ..models import BalanceEntry, Payment


def platform_details() -> dict:
    """The platform as it appears on receipts (PLATFORM_COMPANY_* settings)."""
    return {
        "name": settings.PLATFORM_COMPANY_NAME,
        "address": settings.PLATFORM_COMPANY_ADDRESS,
        "email": settings.PLATFORM_COMPANY_EMAIL,
        "tax_id": settings.PLATFORM_COMPANY_TAX_ID,
    }


def receipt_url(payment: Payment) -> str:
    """Mail links are built from PANEL_BASE_URL, never from a request's Host header."""
    path = reverse("payments:receipt", kwargs={"pk": payment.pk})
    return settings.PANEL_BASE_URL.rstrip("/") + path


def send_receipt(payment: Payment, entry: BalanceEntry) -> None:
    """Mail the receipt through the account's mail path, to the account's email and to the user
    who paid (after the completing transaction commits)."""
    account = payment.account
    starter = payment.started_by
    recipients = list(dict.fromkeys(e for e in (account.email, getattr(starter, "email", "")) if e))
    time_zone = starter.effective_time_zone if starter is not None else account.time_zone
    body = render_to_string(
        "payment_gateways/payments/email/receipt.txt",
        {
            "payment": payment,
            "account": account,
            "entry": entry,
            "platform": platform_details(),
            "when": format_datetime(payment.completed_at, account.date_format, time_zone),
            "time_zone": time_zone,
            "url": receipt_url(payment),
        },
    )
    subject = f"{account.name}: receipt for your payment {payment.reference}"
    send_mail_later(account, subject, body, recipients)
