"""Writes about accounts. Each runs in a transaction and leaves an audit entry."""

from django.db import transaction

from . import audit
from .models import Account


@transaction.atomic
def create_account(*, name: str, email: str, actor=None, **fields) -> Account:
    account = Account(name=name, email=email, **fields)
    account.full_clean()
    account.save()
    audit.record(
        "account.created",
        account=account,
        actor=actor,
        target=account,
        changes=audit.diff({}, audit.snapshot(account, ["name", "email", "currency", "time_zone"])),
    )
    return account
