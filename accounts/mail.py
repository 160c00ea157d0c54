"""Every email the panel sends goes through here, as a task, after the transaction commits.

A slow or broken mail server therefore never slows or breaks the request that caused the mail.
"""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from .registry import first_answer
from .tasks import send_email


def send_mail_later(account, subject: str, body: str, to: list[str]) -> None:
    """Queue one plain-text email on behalf of ``account`` (None: the platform)."""
    account_id = account.pk if account is not None else None
    transaction.on_commit(
        lambda: send_email.enqueue(account_id=account_id, subject=subject, body=body, to=to)
    )


def connection_for(account):
    """The mail connection used for ``account``'s mail: the first ``mail_connection`` hook that
    answers (the SMTP settings register one: the account's own server), else the platform's mail
    settings (EMAIL_URL)."""
    return first_answer("mail_connection", account) or get_connection()


def from_address_for(account) -> str:
    """Sender address for ``account``'s mail: a ``mail_from_address`` hook's answer (the
    account's own SMTP settings), else DEFAULT_FROM_EMAIL."""
    return first_answer("mail_from_address", account) or settings.DEFAULT_FROM_EMAIL


def deliver(account, subject: str, body: str, to: list[str]) -> None:
    """Send now, through the account's mail path. Called by the task, not by views."""
    EmailMessage(
        subject=subject,
        body=body,
        from_email=from_address_for(account),
        to=to,
        connection=connection_for(account),
    ).send()
