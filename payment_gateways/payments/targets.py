"""What a completed payment credits: a *credit target*, named on the payment by ``target_kind``
(and ``target_id`` for targets other than the account itself).

The account's own balance is the only target today. The customer portal will register a target
for its customers' balances (``register(CustomerBalance())`` from its app's ``ready()``), and the
payment engine needs no change: it asks the target, inside the completing transaction, to add
the amount to the balance and write the ledger row.
"""

from typing import Protocol

from django.db.models import F

from accounts.models import Account

from ..models import BalanceEntry, Payment


class CreditTarget(Protocol):
    kind: str

    def currency(self, payment: Payment) -> str:
        """The currency the target's balance is kept in (a payment in another is refused)."""

    def credit(self, payment: Payment) -> BalanceEntry:
        """Add ``payment.amount`` to the balance (an F() update, never read-modify-write) and
        write its ledger row. Called once per payment, inside the completing transaction."""

    def label(self, payment: Payment) -> str:
        """Whose balance it is, for receipts and the audit log."""

    # Optional ``mails_receipt = False``: the engine then sends no receipt mail on completion
    # (the Account's receipt mail is about the Account paying the platform).


class AccountBalance:
    """The account's own balance (the top bar's badge): the Account pays the platform."""

    kind = "account"

    def currency(self, payment: Payment) -> str:
        return Account.objects.values_list("currency", flat=True).get(pk=payment.account_id)

    def credit(self, payment: Payment) -> BalanceEntry:
        accounts = Account.objects.filter(pk=payment.account_id)
        accounts.update(balance=F("balance") + payment.amount)
        balance = accounts.values_list("balance", flat=True).get()
        return BalanceEntry.objects.create(
            account_id=payment.account_id,
            target_kind=self.kind,
            payment=payment,
            amount=payment.amount,
            currency=payment.currency,
            balance_after=balance,
            description=payment.description,
        )

    def label(self, payment: Payment) -> str:
        return payment.account.name


TARGETS: dict[str, CreditTarget] = {}


def register(target: CreditTarget) -> None:
    TARGETS[target.kind] = target


def target_of(payment: Payment) -> CreditTarget:
    return TARGETS[payment.target_kind]


register(AccountBalance())
