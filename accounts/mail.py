"""Every email the panel sends goes through here, as a task, after the transaction commits.

A slow or broken mail server therefore never slows or breaks the request that caused the mail.

- **Route.** An account's mail goes through its own SMTP server when its SMTP Details name one
  (Config tab), from its From address; otherwise through the platform's mail settings
  (EMAIL_URL), from the platform's address under the account's name, with replies to the
  account's From address when it saved one.
- **Body.** Callers pass plain text. The message carries that text in the account's layout
  (``templates/email/message.txt``) and an HTML part that is exactly that text rendered
  (``templates/email/message.html``), so the two never disagree.
- **Failures.** A temporary one (a 4xx answer, a timeout, a refused or dropped connection) is
  tried again after each of MAIL_RETRY_DELAYS seconds; a permanent one, or a temporary one after
  the last retry, is recorded in the audit log ("Mail not delivered", with the reason).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .fields import DecryptionError
from .metrics import MAILS
from .smtp import AccountSMTPBackend, Failure, Target, explain
from .tasks import send_email

logger = logging.getLogger(__name__)
PLATFORM_SERVER = "the platform's mail server"


def send_mail_later(account, subject: str, body: str, to: list[str]) -> None:
    """Queue one email on behalf of ``account`` (None: the platform). ``body`` is plain text."""
    account_id = account.pk if account is not None else None
    transaction.on_commit(
        lambda: send_email.enqueue(account_id=account_id, subject=subject, body=body, to=to)
    )


@dataclass
class Route:
    """How one account's mail leaves: the connection, the sender, and the server's name for
    messages about it."""

    connection: object
    from_email: str
    server: str
    reply_to: list[str] = field(default_factory=list)
    own_server: bool = False


def route_for(account, timeout: float | None = None) -> Route:
    """The account's own server when its SMTP Details name one, else the platform's. Raises
    DecryptionError when the saved password cannot be decrypted."""
    from .models import SmtpSettings

    saved = SmtpSettings.objects.for_account(account).first() if account is not None else None
    if saved is not None and saved.host:
        target = Target.of(saved)
        return Route(
            connection=AccountSMTPBackend(target, timeout=timeout),
            from_email=_with_name(saved.from_address, account.name),
            server=target.server,
            own_server=True,
        )
    platform_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return Route(
        connection=get_connection(
            timeout=timeout or settings.EMAIL_TIMEOUT or settings.SMTP_TIMEOUT_SECONDS
        ),
        from_email=(
            formataddr((account.name, platform_address))
            if account is not None
            else settings.DEFAULT_FROM_EMAIL
        ),
        server=PLATFORM_SERVER,
        reply_to=[saved.from_address] if saved is not None and saved.from_address else [],
    )


def connection_for(account):
    """The mail connection used for ``account``'s mail (see :func:`route_for`)."""
    return route_for(account).connection


def from_address_for(account) -> str:
    """The sender of ``account``'s mail (see :func:`route_for`)."""
    return route_for(account).from_email


def _with_name(address: str, name: str) -> str:
    """``address`` as saved; a bare address gets the account's name as its display name."""
    shown, bare = parseaddr(address)
    return address if shown else formataddr((name, bare))


def brand_of(account) -> str:
    if account is not None:
        return account.name
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or "VoIP Console"


def compose(account, subject: str, body: str, to: list[str], route: Route, attachments=()):
    """The message: ``body`` in the account's layout as text, and the same text as HTML;
    ``attachments`` are (filename, content, mimetype) triples."""
    context = {"body": body.rstrip(), "brand": brand_of(account), "subject": subject}
    text = render_to_string("email/message.txt", context)
    html = render_to_string("email/message.html", {**context, "text": text})
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=route.from_email,
        to=to,
        reply_to=route.reply_to,
        connection=route.connection,
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(*attachment)
    return message


def deliver(
    account,
    subject: str,
    body: str,
    to: list[str],
    *,
    timeout: float | None = None,
    attachments=(),
):
    """Send now, through the account's route. Raises :class:`accounts.smtp.Failure` saying why
    it was not sent. Called by the task (and by Test Email), not by views."""
    try:
        route = route_for(account, timeout=timeout)
    except DecryptionError as exc:
        raise explain(exc, "", 0) from None
    wait = route.connection.timeout if hasattr(route.connection, "timeout") else timeout
    try:
        compose(account, subject, body, to, route, attachments).send()
    except Exception as exc:
        raise explain(exc, route.server, wait or 0) from exc
    return route


def deliver_or_retry(account, subject: str, body: str, to: list[str], attempt: int) -> None:
    """The task's work: send; on failure, queue the next try or record that it failed."""
    try:
        deliver(account, subject, body, to)
    except Failure as failure:
        delays = settings.MAIL_RETRY_DELAYS
        recipients = ", ".join(to)
        # The log names no address (the audit entry does, inside the account's own log).
        if failure.temporary and attempt <= len(delays):
            delay = delays[attempt - 1]
            MAILS.inc(result="retried")
            logger.info(
                "mail to %d recipient(s) failed (attempt %d), retrying in %gs: %s",
                len(to),
                attempt,
                delay,
                failure.reason,
            )
            _retry(account, subject, body, to, attempt + 1, delay)
            return
        MAILS.inc(result="failed")
        logger.warning("mail to %d recipient(s) not delivered: %s", len(to), failure.reason)
        _record_not_delivered(account, subject, recipients, failure.reason, attempt)
    else:
        MAILS.inc(result="sent")


def _retry(account, subject, body, to, attempt: int, delay: float) -> None:
    task = send_email
    if delay > 0 and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    # A backend that cannot defer (the immediate one of dev and tests) runs the retry at once.
    task.enqueue(
        account_id=account.pk if account is not None else None,
        subject=subject,
        body=body,
        to=to,
        attempt=attempt,
    )


def _record_not_delivered(account, subject, recipients, reason, attempts) -> None:
    from . import audit

    audit.record(
        "mail.not_delivered",
        account=account,
        target_label=f"to {recipients}",
        data={"subject": subject, "reason": reason, "attempts": attempts},
    )
