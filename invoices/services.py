"""Every write about invoices, each audited: the Settings tab's invoicing preferences, generating
a customer's invoice for a period from its CDRs, issuing (numbering), voiding, changing a draft,
allocating payments by hand, and allocating a portal customer payment to the customer's open
invoices when it is confirmed (:func:`allocate_customer_payment`).

Rounding rule: each line's amount is the sum of its calls' costs (summed by the database, at the
CDRs' six decimals) rounded once, ROUND_HALF_UP to 2 places; the subtotal is the sum of the line
amounts; the tax is subtotal × rate / 100 rounded once, ROUND_HALF_UP to 2 places; the total is
subtotal + tax. So the printed lines, subtotal, tax and total always add up exactly.

Periods are whole days in the account's time zone: from 00:00 of ``period_from`` to 00:00 of the
day after ``period_to``.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts import audit
from accounts.actors import PLATFORM, Actor
from accounts.errors import Refused
from accounts.formatting import format_money
from accounts.permissions import require_admin, require_write
from payment_gateways.models import BalanceEntry
from portal.models import Cdr, Customer

from .models import (
    Grouping,
    Invoice,
    InvoiceCheckout,
    InvoiceLine,
    InvoicePayment,
    InvoiceSettings,
    InvoiceStatus,
)

MODULE = "customer"
CENT = Decimal("0.01")
UNIT_PRICE = Decimal("0.000001")
MAX_PERIOD_DAYS = 366
SETTINGS_FIELDS = [
    "grouping",
    "number_prefix",
    "next_number",
    "payment_terms_days",
    "tax_rate",
    "footer",
]
ISSUED_IS_FINAL = (
    "An issued invoice cannot be changed. Void it (with the reason) and generate a new one."
)


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Settings -------------------------------------------------------------------------------


def settings_for(account) -> InvoiceSettings:
    """The account's invoicing preferences, made with the defaults on first use."""
    found = InvoiceSettings.objects.for_account(account).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return InvoiceSettings.objects.create(account=account)
    except IntegrityError:  # made meanwhile by a concurrent request
        return InvoiceSettings.objects.for_account(account).get()


def update_settings(*, actor: Actor, account, data: dict) -> InvoiceSettings:
    require_admin(actor)
    with transaction.atomic():
        settings_for(account)
        saved = InvoiceSettings.objects.for_account(account).select_for_update().get()
        before = audit.snapshot(saved, SETTINGS_FIELDS)
        for name in SETTINGS_FIELDS:
            setattr(saved, name, data[name])
        saved.full_clean(exclude=["account"])
        saved.save()
        changes = audit.diff(before, audit.snapshot(saved, SETTINGS_FIELDS))
        if changes:
            audit.record(
                "invoice.settings_updated",
                account=account,
                actor=actor,
                target_label="Invoicing preferences",
                changes=changes,
            )
    return saved


# --- Periods and lines ----------------------------------------------------------------------


def account_zone(account) -> ZoneInfo:
    return ZoneInfo(account.time_zone or "UTC")


def today_for(account) -> datetime.date:
    return timezone.localtime(timezone.now(), account_zone(account)).date()


def last_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar month before ``today``'s: (first day, last day)."""
    last_day = today.replace(day=1) - datetime.timedelta(days=1)
    return last_day.replace(day=1), last_day


def check_period(account, period_from, period_to) -> None:
    """Refused with the field's message: reversed, ending in the future, or over a year."""
    if period_from > period_to:
        raise Refused(
            "The period starts after it ends: choose a start on or before the end.", "period_from"
        )
    if period_to >= today_for(account) + datetime.timedelta(days=1):
        raise Refused(
            "The period ends in the future: invoice only days that are over.", "period_to"
        )
    if (period_to - period_from).days + 1 > MAX_PERIOD_DAYS:
        raise Refused("A period is at most a year.", "period_to")


def period_bounds(account, period_from, period_to) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) as aware datetimes: whole days in the account's time zone."""
    zone = account_zone(account)
    start = datetime.datetime.combine(period_from, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        period_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal  # minutes
    unit: str
    unit_price: Decimal  # the average price per minute (amount / minutes), for information
    amount: Decimal


def _line(description: str, calls: int, seconds: int, cost: Decimal | None) -> Line:
    amount = cents(cost or Decimal("0"))
    minutes = cents(Decimal(seconds or 0) / 60)
    unit_price = (amount / minutes).quantize(UNIT_PRICE, ROUND_HALF_UP) if minutes else amount
    calls_text = f"{calls} call{'s' if calls != 1 else ''}"
    return Line(f"{description} ({calls_text})", minutes, "min", unit_price, amount)


def cdr_lines(customer: Customer, period_from, period_to, grouping: str) -> list[Line]:
    """The invoice lines of ``customer``'s calls in the period (in its currency), summed by the
    database per destination, per day (in the account's time zone) or as one line."""
    account = customer.account
    start, end = period_bounds(account, period_from, period_to)
    calls = Cdr.objects.for_account(account).filter(
        customer=customer, currency=customer.currency, start_time__gte=start, start_time__lt=end
    )
    totals = {"calls": Count("id"), "seconds": Sum("duration"), "cost": Sum("cost")}
    if grouping == Grouping.DESTINATION:
        rows = calls.values("destination").annotate(**totals).order_by("destination")
        return [
            _line(r["destination"] or "Other destinations", r["calls"], r["seconds"], r["cost"])
            for r in rows
        ]
    if grouping == Grouping.DAY:
        rows = (
            calls.annotate(day=TruncDate("start_time", tzinfo=account_zone(account)))
            .values("day")
            .annotate(**totals)
            .order_by("day")
        )
        return [
            _line(f"Calls on {r['day']:%Y-%m-%d}", r["calls"], r["seconds"], r["cost"])
            for r in rows
        ]
    # One line per package: packages belong to the account, not to customers (packages/), so a
    # customer's calls are its one usage package.
    row = calls.aggregate(**totals)
    if not row["calls"]:
        return []
    return [
        _line(
            f"Voice usage {period_from:%Y-%m-%d} to {period_to:%Y-%m-%d}",
            row["calls"],
            row["seconds"],
            row["cost"],
        )
    ]


def _set_totals(invoice: Invoice, lines) -> None:
    invoice.subtotal = sum((line.amount for line in lines), Decimal("0.00"))
    invoice.tax = cents(invoice.subtotal * invoice.tax_rate / 100)
    invoice.total = invoice.subtotal + invoice.tax


# --- Generate, issue, void ------------------------------------------------------------------


def _live_invoice(customer, period_from, period_to) -> Invoice | None:
    return (
        Invoice.objects.for_account(customer.account)
        .filter(customer=customer, period_from=period_from, period_to=period_to)
        .exclude(status=InvoiceStatus.VOID)
        .first()
    )


def _already(existing: Invoice) -> Refused:
    return Refused(
        f"This customer already has an invoice for this period ({existing}). Void it first to "
        "generate a new one.",
        "period_from",
    )


def generate_invoice(
    *,
    actor: Actor,
    customer: Customer,
    period_from,
    period_to,
    issue: bool = False,
    replaces: Invoice | None = None,
    notify: bool = True,
) -> Invoice:
    """A Draft invoice of ``customer``'s calls in the period (Issued at once with ``issue``).
    Refused for a bad period or when a live invoice covers the same period."""
    require_write(actor, MODULE)
    account = customer.account
    check_period(account, period_from, period_to)
    existing = _live_invoice(customer, period_from, period_to)
    if existing is not None:
        raise _already(existing)
    preferences = settings_for(account)
    lines = cdr_lines(customer, period_from, period_to, preferences.grouping)
    invoice = Invoice(
        account=account,
        customer=customer,
        period_from=period_from,
        period_to=period_to,
        currency=customer.currency,
        grouping=preferences.grouping,
        tax_rate=preferences.tax_rate,
        replaces=replaces,
    )
    _set_totals(invoice, lines)
    try:
        with transaction.atomic():
            invoice.save()
            InvoiceLine.objects.bulk_create(
                InvoiceLine(account=account, invoice=invoice, position=n, **line.__dict__)
                for n, line in enumerate(lines)
            )
            audit.record(
                "invoice.generated",
                account=account,
                actor=actor,
                target=invoice,
                target_label=f"Invoice of {customer.name}, {period_from} to {period_to}",
                data={
                    "total": str(invoice.total),
                    "currency": invoice.currency,
                    "lines": len(lines),
                },
            )
            if issue:
                _issue(actor, invoice, notify=notify)
    except IntegrityError:  # a concurrent generation for the same period won
        existing = _live_invoice(customer, period_from, period_to)
        if existing is None:
            raise
        raise _already(existing) from None
    return invoice


def _issue(actor: Actor, invoice: Invoice, *, notify: bool = True) -> None:
    """Inside the caller's transaction: number the draft from the locked counter row; mail it
    (with ``notify``) once the transaction commits."""
    account = invoice.account
    settings_for(account)
    counter = InvoiceSettings.objects.for_account(account).select_for_update().get()
    locked = Invoice.objects.for_account(account).select_for_update().get(pk=invoice.pk)
    if locked.status != InvoiceStatus.DRAFT:
        raise Refused("Only a draft invoice can be issued; this one is issued already.")
    number = f"{counter.number_prefix}{counter.next_number}"
    if Invoice.objects.for_account(account).filter(number=number).exists():
        raise Refused(
            f"Invoice number {number} is used already. Raise the next invoice number on the "
            "Settings tab."
        )
    today = today_for(account)
    invoice.number = number
    invoice.sequence = counter.next_number
    invoice.issue_date = today
    invoice.due_date = today + datetime.timedelta(days=counter.payment_terms_days)
    invoice.status = InvoiceStatus.ISSUED
    invoice.save(update_fields=["number", "sequence", "issue_date", "due_date", "status"])
    counter.next_number += 1
    counter.save(update_fields=["next_number"])
    audit.record(
        "invoice.issued",
        account=account,
        actor=actor,
        target=invoice,
        data={"number": number, "total": str(invoice.total), "currency": invoice.currency},
    )
    if notify:
        transaction.on_commit(lambda: _mail_later(invoice.pk))


def _mail_later(invoice_id: int) -> None:
    from .tasks import mail_invoice

    mail_invoice.enqueue(invoice_id=invoice_id)


def issue_invoice(*, actor: Actor, invoice: Invoice) -> Invoice:
    require_write(actor, MODULE)
    with transaction.atomic():
        _issue(actor, invoice)
    return invoice


def void_invoice(*, actor: Actor, invoice: Invoice, reason: str) -> Invoice:
    require_write(actor, MODULE)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Refused("Say why the invoice is void: the reason is kept with it.", "reason")
    with transaction.atomic():
        locked = Invoice.objects.for_account(invoice.account).select_for_update().get(pk=invoice.pk)
        if locked.status == InvoiceStatus.VOID:
            raise Refused("This invoice is void already.")
        if locked.allocations.exists():
            raise Refused("Payments are allocated to this invoice, so it cannot be voided.")
        before = locked.status
        locked.status = InvoiceStatus.VOID
        locked.void_reason = reason[:500]
        locked.save(update_fields=["status", "void_reason"])
        audit.record(
            "invoice.voided",
            account=invoice.account,
            actor=actor,
            target=locked,
            changes={"status": [before, InvoiceStatus.VOID]},
            data={"reason": locked.void_reason},
        )
    return locked


def update_draft(*, actor: Actor, invoice: Invoice, tax_rate: Decimal) -> Invoice:
    """A draft's tax rate (the totals follow). An issued invoice is refused: it is final."""
    require_write(actor, MODULE)
    with transaction.atomic():
        locked = Invoice.objects.for_account(invoice.account).select_for_update().get(pk=invoice.pk)
        if locked.status != InvoiceStatus.DRAFT:
            raise Refused(ISSUED_IS_FINAL, "tax_rate")
        if not Decimal("0") <= tax_rate <= Decimal("100"):
            raise Refused("A tax rate is from 0 to 100 per cent.", "tax_rate")
        before = str(locked.tax_rate)
        locked.tax_rate = tax_rate
        _set_totals(locked, list(locked.lines.all()))
        locked.save(update_fields=["tax_rate", "tax", "total", "subtotal"])
        audit.record(
            "invoice.draft_updated",
            account=invoice.account,
            actor=actor,
            target=locked,
            changes={"tax_rate": [before, str(tax_rate)]},
        )
    return locked


# --- Payments allocated to invoices ---------------------------------------------------------


def allocated(invoice: Invoice) -> Decimal:
    return invoice.allocations.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def mark_paid_if_settled(invoice: Invoice, actor: Actor = PLATFORM) -> bool:
    """Inside the caller's transaction, the invoice row locked: Issued → Paid once its
    allocations reach the total. True when it changed."""
    if invoice.status != InvoiceStatus.ISSUED or allocated(invoice) < invoice.total:
        return False
    invoice.status = InvoiceStatus.PAID
    invoice.save(update_fields=["status"])
    audit.record(
        "invoice.paid",
        account=invoice.account,
        actor=actor,
        target=invoice,
        changes={"status": [InvoiceStatus.ISSUED, InvoiceStatus.PAID]},
    )
    return True


def allocate_by_hand(*, actor: Actor, invoice: Invoice, amount: Decimal, reference: str):
    """Record a payment received outside the console against an issued invoice, at most what is
    still open on it."""
    require_write(actor, MODULE)
    with transaction.atomic():
        locked = Invoice.objects.for_account(invoice.account).select_for_update().get(pk=invoice.pk)
        if locked.status != InvoiceStatus.ISSUED:
            raise Refused("Payments are allocated to issued, unpaid invoices only.", "amount")
        if amount is None or amount <= 0 or cents(amount) != amount:
            raise Refused("Enter an amount above zero, in cents at most.", "amount")
        open_amount = locked.total - allocated(locked)
        if amount > open_amount:
            raise Refused(
                f"That is more than the {open_amount} still open on this invoice.", "amount"
            )
        allocation = InvoicePayment.objects.create(
            account=locked.account, invoice=locked, amount=amount, reference=reference[:100]
        )
        audit.record(
            "invoice.payment_allocated",
            account=locked.account,
            actor=actor,
            target=locked,
            data={"amount": str(amount), "reference": allocation.reference},
        )
        mark_paid_if_settled(locked, actor)
    return locked


def outstanding(invoice: Invoice) -> Decimal:
    """What is still to pay on an issued invoice (0 for a draft, a paid or a void one)."""
    if invoice.status != InvoiceStatus.ISSUED:
        return Decimal("0.00")
    return max(invoice.total - allocated(invoice), Decimal("0.00"))


def allocate_customer_payment(payment, actor: Actor = PLATFORM) -> list[InvoicePayment]:
    """The hook ``customer_payment_credited`` (portal.payments.CustomerBalance.credit), inside the
    transaction that completes a portal customer ``payment`` and credits the customer's balance:
    allocate the payment to the customer's Issued invoices in its currency — first the invoice
    whose "Pay" started it, then oldest first (issue date, then number) — never more than an
    invoice's outstanding amount nor than what is left of the payment. An invoice whose
    allocations reach its total becomes Paid. What was allocated is taken back off the balance
    with one ledger row, so only the remainder stays as balance credit. Each allocation is
    audited. Idempotent: a payment allocated already allocates nothing again."""
    account = payment.account
    if InvoicePayment.objects.for_account(account).filter(payment=payment).exists():
        return []
    customers = Customer.objects.for_account(account).filter(pk=payment.target_id)
    with transaction.atomic():
        invoices = list(
            Invoice.objects.for_account(account)
            .filter(
                customer__in=customers,
                status=InvoiceStatus.ISSUED,
                currency=payment.currency,
                total__gt=0,
            )
            .select_for_update()
            .order_by("issue_date", "sequence", "id")
        )
        first = (
            InvoiceCheckout.objects.for_account(account)
            .filter(payment=payment)
            .values_list("invoice_id", flat=True)
            .first()
        )
        invoices.sort(key=lambda invoice: invoice.pk != first)  # stable: the rest keep their order
        paid = dict(
            InvoicePayment.objects.for_account(account)
            .filter(invoice__in=[invoice.pk for invoice in invoices])
            .values("invoice")
            .annotate(total=Sum("amount"))
            .values_list("invoice", "total")
        )
        remaining = payment.amount
        made = []
        for invoice in invoices:
            share = min(invoice.total - paid.get(invoice.pk, Decimal("0")), remaining)
            if share <= 0:
                continue
            made.append(
                InvoicePayment.objects.create(
                    account=account,
                    invoice=invoice,
                    payment=payment,
                    amount=share,
                    reference=payment.reference,
                )
            )
            remaining -= share
            audit.record(
                "invoice.payment_allocated",
                account=account,
                actor=actor,
                target=invoice,
                data={
                    "amount": str(share),
                    "reference": payment.reference,
                    "payment": str(payment.uuid),
                },
            )
            mark_paid_if_settled(invoice, actor)
            if remaining <= 0:
                break
        if made:
            _take_off_balance(payment, customers, payment.amount - remaining, made)
    return made


def payment_outcome(payment, balance: str = "your balance") -> str | None:
    """The hook ``customer_payment_outcome``: what became of a completed ``payment`` when it paid
    invoices, e.g. "$18.50 USD was paid on invoice INV-7; $1.50 USD was added to your balance"
    (``balance`` names whose, for the panel); None when it paid none (the balance's own words)."""
    allocations = list(
        InvoicePayment.objects.for_account(payment.account)
        .filter(payment=payment)
        .select_related("invoice")
        .order_by("pk")
    )
    if not allocations:
        return None
    paid = sum((allocation.amount for allocation in allocations), Decimal("0"))
    numbers = ", ".join(allocation.invoice.number for allocation in allocations)
    said = f"{format_money(paid, payment.currency)} was paid on "
    said += f"invoice{'s' if len(allocations) > 1 else ''} {numbers}"
    rest = payment.amount - paid
    if rest > 0:
        said += f"; {format_money(rest, payment.currency)} was added to {balance}"
    return said


def pay_invoice(*, actor: Actor, invoice: Invoice, domain, gateway, urls, payer_email: str = ""):
    """The portal's Pay on an issued invoice: a customer payment of its outstanding amount
    through the payments engine (which checks the gateway, the domain's currencies and the
    limits); once confirmed it goes to this invoice first (:func:`allocate_customer_payment`).
    The caller checked that the contact belongs to the invoice's customer."""
    from payment_gateways.payments.services import pay_customer_balance

    if invoice.status != InvoiceStatus.ISSUED:
        raise Refused("This invoice is not open for payment.", "pay_via")
    amount = outstanding(invoice)
    if amount <= 0:
        raise Refused("Nothing is left to pay on this invoice.", "pay_via")
    started = pay_customer_balance(
        actor=actor,
        customer=invoice.customer,
        domain=domain,
        gateway=gateway,
        amount=amount,
        currency=invoice.currency,
        urls=urls,
        payer_email=payer_email,
        description=f"Payment of invoice {invoice.number}",
    )
    if started.redirect_url:
        InvoiceCheckout.objects.create(
            account=invoice.account, payment=started.payment, invoice=invoice
        )
    return started


def _take_off_balance(payment, customers, amount: Decimal, made: list[InvoicePayment]) -> None:
    customers.update(balance=F("balance") - amount)
    customer_id, balance = customers.values_list("pk", "balance").get()
    numbers = ", ".join(allocation.invoice.number for allocation in made)
    BalanceEntry.objects.create(
        account_id=payment.account_id,
        target_kind=payment.target_kind,
        target_id=str(customer_id),
        amount=-amount,
        currency=payment.currency,
        balance_after=balance,
        description=f"Paid on invoice{'s' if len(made) > 1 else ''} {numbers}"[:200],
    )


# --- The monthly run ------------------------------------------------------------------------


def generate_last_month(account, *, today: datetime.date | None = None) -> list[Invoice]:
    """Every customer of ``account`` with calls last calendar month (in the account's time zone)
    gets that month's invoice, issued; a customer who has one already is skipped, so running it
    twice makes no second invoice."""
    period_from, period_to = last_month(today or today_for(account))
    start, end = period_bounds(account, period_from, period_to)
    billed = (
        Invoice.objects.for_account(account)
        .filter(period_from=period_from, period_to=period_to)
        .exclude(status=InvoiceStatus.VOID)
        .values("customer_id")
    )
    customers = (
        Customer.objects.for_account(account)
        .filter(cdrs__start_time__gte=start, cdrs__start_time__lt=end)
        .exclude(pk__in=billed)
        .distinct()
        .order_by("pk")
    )
    made = []
    for customer in customers:
        try:
            made.append(
                generate_invoice(
                    actor=PLATFORM,
                    customer=customer,
                    period_from=period_from,
                    period_to=period_to,
                    issue=True,
                )
            )
        except Refused:
            continue  # made meanwhile by another run
    return made
