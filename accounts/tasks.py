from django_tasks import task


@task()
def send_email(*, account_id: int | None, subject: str, body: str, to: list[str]) -> None:
    from .mail import deliver
    from .models import Account

    account = Account.objects.filter(pk=account_id).first() if account_id else None
    deliver(account, subject, body, to)
