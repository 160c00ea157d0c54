from .traced_tasks import task


@task()
def send_email(
    *, account_id: int | None, subject: str, body: str, to: list[str], attempt: int = 1
) -> None:
    """One email (accounts.mail.send_mail_later); a temporary failure queues the next attempt."""
    from .mail import deliver_or_retry
    from .models import Account

    account = Account.objects.filter(pk=account_id).first() if account_id else None
    if account_id and account is None:
        return  # the account was deleted meanwhile: nobody is left to write to
    deliver_or_retry(account, subject, body, to, attempt)
