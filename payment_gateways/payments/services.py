"""Every write about payments: the one engine, for any channel and any credit target.

1. :func:`start_payment` records the payment Pending (a short transaction of its own), asks the
   gateway for a checkout outside any transaction, and returns where to send the payer. A gateway
   error or timeout leaves the payment Failed with a plain reason.
2. The gateway's word comes back by the payer's return (:func:`confirm_return`,
   :func:`cancel_return`) or by a signed webhook (:func:`handle_webhook`). The browser's word is
   never trusted: the return pages ask the gateway themselves.
3. :func:`complete_payment` moves Pending → Completed exactly once: one conditional update claims
   the payment, the target's balance gets an F() update and a ledger row in the same
   transaction. A duplicate, replayed, late or concurrent confirmation finds the payment no longer
   Pending and credits nothing; one whose amount, currency or receiver differs from what was asked
   marks it Failed and credits nothing.

Each transaction starts with its write (the conditional update), so concurrent confirmations
queue on the row lock (PostgreSQL) or the write lock (SQLite) instead of failing.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from accounts.actors import PLATFORM, Actor
from accounts.errors import Refused
from accounts.formatting import format_money
from accounts.metrics import PAYMENTS, WEBHOOK_REFUSALS
from accounts.permissions import require_write

from ..models import Gateway, Payment
from ..providers.payments import GatewayAnswer, GatewayError, InvalidWebhook, Order, Outcome
from . import receipts
from .channels import Channel, channel_of, gateway_channel, platform_channel
from .targets import AccountBalance, target_of

log = logging.getLogger(__name__)

TOP_UP = "Account balance top-up"
CUSTOMER_KIND = "customer"  # the portal's credit target (portal/payments.py registers it)
UNREADABLE = "The gateway's answer could not be read; nothing was charged."
PENDING = Payment.Status.PENDING


@dataclass(frozen=True)
class Started:
    payment: Payment
    redirect_url: str  # empty when the gateway refused (the payment is Failed)


@dataclass(frozen=True)
class Checked:
    payment: Payment
    problem: str = ""  # the gateway could not be asked (the payment is unchanged)


def payment_limits() -> tuple[Decimal, Decimal]:
    return Decimal(settings.PAYMENT_MIN), Decimal(settings.PAYMENT_MAX)


def top_up_account(
    *,
    actor: Actor,
    account,
    provider: str,
    amount: Decimal,
    currency: str,
    urls: Callable[[Payment], tuple[str, str]],
) -> Started:
    """The Account pays the platform (the Payments tab): checks what the form checked again,
    then starts the payment on the platform's channel, crediting the account's balance."""
    require_write(actor, "payments")
    channel = platform_channel(provider)
    if channel is None:
        raise Refused("This payment method is not offered.", "pay_via")
    if currency != account.currency:
        raise Refused(f"Payments are made in your account currency, {account.currency}.", "amount")
    low, high = payment_limits()
    if not low <= amount <= high:
        bounds = f"{format_money(low, currency)} to {format_money(high, currency)}"
        raise Refused(f"Enter an amount from {bounds}.", "amount")
    return start_payment(
        actor=actor,
        account=account,
        channel=channel,
        target_kind=AccountBalance.kind,
        amount=amount,
        currency=currency,
        description=TOP_UP,
        urls=urls,
        payer_email=actor.user.email if actor.user is not None else "",
    )


def pay_customer_balance(
    *,
    actor: Actor,
    customer,
    domain,
    gateway: Gateway | None,
    amount: Decimal,
    currency: str,
    urls: Callable[[Payment], tuple[str, str]],
    payer_email: str = "",
    description: str = "",
) -> Started:
    """A portal customer pays the Account (the portal's Make payment, or Pay on an invoice with
    its ``description``): on one of the Account's
    own Verified gateways, in a currency the portal ``domain`` offers that is also the customer's
    balance currency, within the payment limits; crediting the customer's balance. The portal
    checked that the contact belongs to ``customer``; this checks the rest again."""
    account_id = customer.account_id
    if (
        gateway is None
        or gateway.account_id != account_id
        or gateway.status != Gateway.Status.VERIFIED
    ):
        raise Refused("This payment method is not offered.", "pay_via")
    if domain.account_id != account_id or currency not in (domain.currencies or []):
        raise Refused(f"Payments in {currency} are not offered here.", "currency")
    if currency != customer.currency:
        raise Refused(
            f"Payments are made in your balance's currency, {customer.currency}.", "currency"
        )
    if gateway.currencies and currency not in gateway.currencies:
        raise Refused(f"This payment method does not take {currency}.", "pay_via")
    low, high = payment_limits()
    if not low <= amount <= high:
        bounds = f"{format_money(low, currency)} to {format_money(high, currency)}"
        raise Refused(f"Enter an amount from {bounds}.", "amount")
    return start_payment(
        actor=actor,
        account=customer.account,
        channel=gateway_channel(gateway),
        target_kind=CUSTOMER_KIND,
        target_id=str(customer.pk),
        amount=amount,
        currency=currency,
        description=(description or f"Balance top-up for {customer.name}")[:200],
        urls=urls,
        payer_email=payer_email,
    )


def start_payment(
    *,
    actor: Actor,
    account,
    channel: Channel,
    target_kind: str,
    amount: Decimal,
    currency: str,
    description: str,
    urls: Callable[[Payment], tuple[str, str]],
    target_id: str = "",
    payer_email: str = "",
) -> Started:
    """Record a Pending payment and create its checkout at the gateway. ``urls(payment)`` gives
    the (return, cancel) URLs the gateway sends the payer back to. The caller checked who may pay
    whom; this checks nothing about the actor."""
    amount = Decimal(str(amount))
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"not an amount to pay: {amount!r}")
    with transaction.atomic(durable=True):
        payment = Payment.objects.create(
            account=account,
            target_kind=target_kind,
            target_id=target_id,
            gateway=channel.saved_gateway,
            provider=channel.provider,
            channel=channel.key,
            amount=amount,
            currency=currency,
            description=description,
            started_by=actor.user,
        )
        _record(payment, "payment.started", actor)
    return_url, cancel_url = urls(payment)
    order = Order(
        reference=str(payment.uuid),
        amount=amount,
        currency=currency,
        description=description,
        return_url=return_url,
        cancel_url=cancel_url,
        idempotency_key=f"payment-{payment.uuid}-start",
        receiver=channel.receiver,
        payer_email=payer_email,
    )
    try:
        checkout = channel.client().start_checkout(order)
    except GatewayError as error:
        log.warning("payment %s could not start: %s %s", payment.uuid, error.message, error.detail)
        close_payment(payment, Payment.Status.FAILED, error.message, actor=actor)
        return Started(payment, "")
    except Exception:  # an answer the adapter could not read: never leave it hanging Pending
        log.exception("payment %s could not start", payment.uuid)
        close_payment(payment, Payment.Status.FAILED, UNREADABLE, actor=actor)
        return Started(payment, "")
    with transaction.atomic(durable=True):
        _pending(payment).update(checkout_id=checkout.checkout_id)
        payment.checkout_id = checkout.checkout_id
    return Started(payment, checkout.redirect_url)


def confirm_return(*, actor: Actor, payment: Payment, query: Mapping[str, str]) -> Checked:
    """The payer is back from the gateway: ask the gateway what happened and apply it."""
    if not payment.is_pending or not payment.checkout_id:
        return Checked(payment)
    return _ask(actor, payment, lambda client: client.confirm_return(payment.checkout_id, query))


def cancel_return(*, actor: Actor, payment: Payment) -> Checked:
    """The payer came back through the cancel link: close the checkout at the gateway and
    record what the gateway says (Cancelled, or Completed if it was paid after all)."""
    if not payment.is_pending:
        return Checked(payment)
    if not payment.checkout_id:  # the gateway never made a checkout for it
        close_payment(payment, Payment.Status.CANCELLED, "You cancelled the payment.", actor=actor)
        return Checked(_reloaded(payment))
    return _ask(actor, payment, lambda client: client.cancel_checkout(payment.checkout_id))


def _ask(actor: Actor, payment: Payment, question) -> Checked:
    channel = channel_of(payment)
    if channel is None:
        return Checked(payment, "This payment's gateway is no longer configured.")
    try:
        answer = question(channel.client())
    except GatewayError as error:
        log.warning("payment %s could not be checked: %s %s", payment.uuid, error, error.detail)
        return Checked(payment, error.message)
    apply_answer(payment, answer, channel=channel, actor=actor, source="return")
    return Checked(_reloaded(payment))


def handle_webhook(channel: Channel, *, body: bytes, headers: Mapping[str, str], ip=None) -> int:
    """A webhook for ``channel``: the HTTP status to answer. 400 (and an audit entry, nothing
    changed) for what is not the gateway's; 200 for events applied, duplicated or ignored; 503
    when the gateway could not be asked to verify it (it delivers again later)."""
    actor = Actor(ip=ip, is_platform=True)
    try:
        event = channel.client().parse_webhook(body=body, headers=headers)
    except InvalidWebhook as refused:
        refuse_webhook(channel, refused.reason, ip=ip)
        return 400
    except GatewayError as error:
        log.warning("webhook for %s not verified: %s %s", channel.key, error, error.detail)
        return 503
    answer = event.answer
    if answer is None or not answer.checkout_id:
        return 200  # an event type that says nothing about a payment
    payment = _payment_named(channel, answer)
    if payment is None:
        log.info("webhook %s %s names no payment here", event.event_type, answer.checkout_id)
        return 200
    apply_answer(payment, answer, channel=channel, actor=actor, source="webhook")
    return 200


def _payment_named(channel: Channel, answer: GatewayAnswer) -> Payment | None:
    """The payment a webhook is about: by the gateway's checkout id or, for a payment whose
    checkout id was never recorded (the panel failed between the gateway's answer and saving
    it), by the reference the gateway echoes, and then the checkout id is recorded."""
    # Across accounts on purpose: the webhook names a checkout, not an account. An account's
    # gateway confirms only that account's payments.
    payments = Payment.all_accounts.filter(channel=channel.key).select_related("account")
    if not channel.is_platform:
        payments = payments.filter(account_id=channel.gateway.account_id)
    payment = payments.filter(checkout_id=answer.checkout_id).first()
    if payment is not None or not answer.reference:
        return payment
    try:
        unrecorded = payments.filter(uuid=answer.reference, checkout_id="").first()
    except ValidationError:  # not a uuid
        return None
    if unrecorded is not None and (
        Payment.objects.for_account(unrecorded.account)
        .filter(pk=unrecorded.pk, checkout_id="")
        .update(checkout_id=answer.checkout_id)
    ):
        unrecorded.checkout_id = answer.checkout_id
        return unrecorded
    return None


def refuse_webhook(channel: Channel, reason: str, *, ip=None) -> None:
    """Audit a webhook that was not accepted (nothing else changes)."""
    log.warning("webhook for %s refused: %s", channel.key, reason)
    WEBHOOK_REFUSALS.inc(
        provider=channel.provider, channel="platform" if channel.is_platform else "account"
    )
    audit.record(
        "payment.webhook_refused",
        account=None if channel.is_platform else channel.gateway.account,
        actor=Actor(ip=ip, is_platform=True),
        target_label=f"{channel.label} webhook",
        data={"gateway": channel.key, "reason": reason},
    )


def apply_answer(
    payment: Payment, answer: GatewayAnswer, *, channel: Channel, actor: Actor, source: str
) -> None:
    if answer.outcome == Outcome.PAID:
        complete_payment(payment, answer, channel=channel, actor=actor, source=source)
    elif answer.outcome in (Outcome.FAILED, Outcome.CANCELLED):
        status = (
            Payment.Status.FAILED if answer.outcome == Outcome.FAILED else Payment.Status.CANCELLED
        )
        close_payment(payment, status, answer.reason, actor=actor)


def complete_payment(
    payment: Payment,
    answer: GatewayAnswer,
    *,
    channel: Channel,
    actor: Actor,
    source: str,
    mail_receipt: bool = True,
) -> bool:
    """Pending → Completed and credit the target, once. True when this call credited it."""
    problem = mismatch(payment, answer, channel)
    if problem:
        _refuse_confirmation(payment, answer, problem, actor)
        return False
    now = timezone.now()
    try:
        with transaction.atomic():
            claimed = _pending(payment).update(
                status=Payment.Status.COMPLETED,
                transaction_id=answer.transaction_id,
                payer=answer.payer[:254],
                completed_at=now,
                failure_reason="",
                updated=now,
            )
            if not claimed:
                _note_late(payment, answer, actor)
                return False
            payment.status, payment.transaction_id = Payment.Status.COMPLETED, answer.transaction_id
            payment.payer, payment.completed_at = answer.payer[:254], now
            target = target_of(payment)
            entry = target.credit(payment)
            _record(
                payment,
                "payment.completed",
                actor,
                source=source,
                transaction=answer.transaction_id,
                balance_after=str(entry.balance_after),
            )
            if mail_receipt and getattr(target, "mails_receipt", True):
                receipts.send_receipt(payment, entry)  # queued: sent after commit
    except IntegrityError:
        # The transaction id already completed another payment of this gateway.
        _refuse_confirmation(
            payment, answer, "The gateway's transaction already paid another payment.", actor
        )
        return False
    return True


def mismatch(payment: Payment, answer: GatewayAnswer, channel: Channel) -> str:
    """Why the gateway's confirmation does not match what was asked ("" when it does)."""
    asked = format_money(payment.amount, payment.currency)
    if answer.checkout_id and answer.checkout_id != payment.checkout_id:
        return "The gateway confirmed another checkout than this payment's."
    if answer.currency != payment.currency:
        currency = answer.currency or "no currency"
        return f"The gateway confirmed a payment in {currency}, but {asked} was asked."
    if answer.amount is None or answer.amount != payment.amount:
        paid = (
            format_money(answer.amount, answer.currency)
            if answer.amount is not None
            else "no amount"
        )
        return f"The gateway confirmed {paid}, but {asked} was asked."
    if channel.receiver and answer.receiver != channel.receiver:
        receiver = answer.receiver or "an unnamed account"
        return f"The money went to {receiver}, not to {channel.receiver}."
    if not answer.transaction_id:
        return "The gateway did not name the transaction."
    if target_of(payment).currency(payment) != payment.currency:
        return "The balance is no longer kept in the payment's currency."
    return ""


def close_payment(
    payment: Payment, status: str, reason: str, *, actor: Actor, event: str = ""
) -> bool:
    """Pending → Cancelled or Failed, with the reason; nothing is credited. True when this call
    closed it (a payment no longer Pending stays as it is)."""
    with transaction.atomic():
        if not _pending(payment).update(
            status=status, failure_reason=reason, updated=timezone.now()
        ):
            return False
        payment.status, payment.failure_reason = status, reason
        default = "payment.failed" if status == Payment.Status.FAILED else "payment.cancelled"
        _record(payment, event or default, actor, reason=reason)
    return True


def expire_pending_payments(now=None) -> int:
    """Cancel every payment still Pending after PAYMENT_PENDING_HOURS (a platform job, across
    accounts). Gateways close their checkouts before then, so nothing can be paid after."""
    hours = settings.PAYMENT_PENDING_HOURS
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    stale = Payment.all_accounts.filter(status=PENDING, created__lt=cutoff).select_related(
        "account"
    )
    reason = f"Not paid within {hours} hours."
    return sum(
        close_payment(
            payment, Payment.Status.CANCELLED, reason, actor=PLATFORM, event="payment.expired"
        )
        for payment in stale.iterator()
    )


def _refuse_confirmation(
    payment: Payment, answer: GatewayAnswer, problem: str, actor: Actor
) -> None:
    log.warning("payment %s: confirmation refused: %s", payment.uuid, problem)
    with transaction.atomic():
        if not _pending(payment).update(
            status=Payment.Status.FAILED, failure_reason=problem, updated=timezone.now()
        ):
            return
        payment.status, payment.failure_reason = Payment.Status.FAILED, problem
        _record(
            payment,
            "payment.refused",
            actor,
            reason=problem,
            confirmed_amount=str(answer.amount) if answer.amount is not None else "",
            confirmed_currency=answer.currency,
            receiver=answer.receiver,
            transaction=answer.transaction_id,
        )


def _note_late(payment: Payment, answer: GatewayAnswer, actor: Actor) -> None:
    """A paid confirmation for a payment already closed (Cancelled or Failed): nothing is
    credited; the transaction is noted once so the operator can refund or credit by hand."""
    late = Payment.objects.for_account(payment.account).filter(
        pk=payment.pk,
        status__in=[Payment.Status.CANCELLED, Payment.Status.FAILED],
        transaction_id="",
    )
    if late.update(transaction_id=answer.transaction_id):
        _record(payment, "payment.late_confirmation", actor, transaction=answer.transaction_id)


def _pending(payment: Payment):
    return Payment.objects.for_account(payment.account).filter(pk=payment.pk, status=PENDING)


def _reloaded(payment: Payment) -> Payment:
    return Payment.objects.for_account(payment.account).select_related("account").get(pk=payment.pk)


# The status each audited transition reaches, for the payments counter (accounts.metrics).
_REACHED = {
    "payment.started": "pending",
    "payment.completed": "completed",
    "payment.failed": "failed",
    "payment.refused": "failed",
    "payment.cancelled": "cancelled",
    "payment.expired": "cancelled",
}


def _record(payment: Payment, event: str, actor: Actor, **data) -> None:
    if event in _REACHED:  # counted once the transition commits (a rolled-back one is not)
        PAYMENTS.inc_on_commit(provider=payment.provider, status=_REACHED[event])
    audit.record(
        event,
        account=payment.account,
        actor=actor,
        target=payment,
        target_label=f"{payment.description} {payment.reference}",
        data={
            "amount": format_money(payment.amount, payment.currency),
            "method": payment.method_label,
            "reference": payment.reference,
            **{key: value for key, value in data.items() if value != ""},
        },
    )
