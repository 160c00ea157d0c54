"""Read-only answers about payments that other parts of the panel ask for (through hooks)."""

from ..models import Payment
from .targets import AccountBalance


def account_has_payments(account) -> bool:
    """The Config tab's currency lock: a payment that is Completed, or still Pending (it would
    complete in the old currency), fixes the account's currency. Cancelled and Failed ones moved
    no money and do not, nor do portal customers' payments (they credit the customer's balance,
    kept in the customer's own currency)."""
    return (
        Payment.objects.for_account(account)
        .filter(
            target_kind=AccountBalance.kind,
            status__in=[Payment.Status.COMPLETED, Payment.Status.PENDING],
        )
        .exists()
    )
