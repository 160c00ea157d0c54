"""Invoice tasks: mailing an issued invoice with its PDF, and the monthly run."""

import logging

from accounts.traced_tasks import task

logger = logging.getLogger(__name__)


@task()
def mail_invoice(*, invoice_id: int) -> None:
    """An issued invoice to its customer's active contacts, through the account's mail route,
    with the PDF attached. A failure is recorded in the account's audit log."""
    from accounts import audit
    from accounts.mail import deliver
    from accounts.smtp import Failure

    from . import document
    from .models import Invoice

    invoice = (
        Invoice.all_accounts.select_related("account", "customer").filter(pk=invoice_id).first()
    )
    if invoice is None or not invoice.number:
        return
    to = list(invoice.customer.contacts.filter(is_active=True).values_list("email", flat=True))
    if not to:
        return
    doc = document.build(invoice)
    body = (
        f"Hello,\n\nplease find attached invoice {invoice.number} from {doc.seller_name} for "
        f"{doc.period}.\n\nTotal: {doc.total}\nDue date: {doc.due_date}\n"
    )
    attachment = (document.filename(invoice), document.to_pdf(doc), "application/pdf")
    try:
        deliver(invoice.account, f"Invoice {invoice.number}", body, to, attachments=[attachment])
    except Failure as failure:
        logger.warning("invoice mail not delivered: %s", failure.reason)
        audit.record(
            "mail.not_delivered",
            account=invoice.account,
            target_label=f"to {', '.join(to)}",
            data={"subject": f"Invoice {invoice.number}", "reason": failure.reason, "attempts": 1},
        )


@task()
def generate_monthly_invoices() -> int:
    """Every account's customers with calls last calendar month get that month's invoice, once
    (a platform job: it crosses accounts on purpose)."""
    from accounts.models import Account

    from .services import generate_last_month

    made = 0
    for account in Account.objects.order_by("pk"):
        made += len(generate_last_month(account))
    return made
