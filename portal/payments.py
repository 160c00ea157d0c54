"""The customer's balance as a credit target of the payment engine
(payment_gateways/payments/targets.py): a portal customer's payment to the Account credits
``Customer.balance`` (an F() update) and writes its ledger row, in the completing transaction;
then the ``customer_payment_credited`` hooks run in it too (invoices allocates the payment to
the customer's open invoices).
Registered from :meth:`portal.apps.PortalConfig.ready`."""

from django.db.models import F

from accounts.registry import hooks
from payment_gateways.models import BalanceEntry, Payment
from payment_gateways.payments.services import CUSTOMER_KIND

from .models import Customer


class CustomerBalance:
    """``target_kind="customer"``, ``target_id`` = the customer's id (within the payment's
    account)."""

    kind = CUSTOMER_KIND
    mails_receipt = False  # the portal shows the outcome; the Account's receipt is another thing

    def _customers(self, payment: Payment):
        return Customer.objects.for_account(payment.account).filter(pk=payment.target_id)

    def currency(self, payment: Payment) -> str:
        return self._customers(payment).values_list("currency", flat=True).first() or ""

    def credit(self, payment: Payment) -> BalanceEntry:
        customers = self._customers(payment)
        if customers.update(balance=F("balance") + payment.amount) != 1:
            raise Customer.DoesNotExist(f"payment {payment.uuid} names no customer")
        balance = customers.values_list("balance", flat=True).get()
        entry = BalanceEntry.objects.create(
            account_id=payment.account_id,
            target_kind=self.kind,
            target_id=str(payment.target_id),
            payment=payment,
            amount=payment.amount,
            currency=payment.currency,
            balance_after=balance,
            description=payment.description,
        )
        # Other apps act on the credited payment in this same transaction (invoices allocates it
        # to the customer's open invoices).
        for credited in hooks("customer_payment_credited"):
            credited(payment)
        return entry

    def label(self, payment: Payment) -> str:
        return self._customers(payment).values_list("name", flat=True).first() or ""


def customer_payments(account, customer: Customer):
    """The customer's own payments (newest first), within ``account``."""
    return Payment.objects.for_account(account).filter(
        target_kind=CUSTOMER_KIND, target_id=str(customer.pk)
    )
