"""Every write about rate cards and their rates (module Customer: the cards price the customers),
each audited. The CSV import is all or nothing, in one transaction, with bulk upserts by
(prefix, effective date)."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count

from accounts import audit
from accounts.actors import Actor
from accounts.errors import Refused
from accounts.permissions import require_write

from .models import Customer, Rate, RateCard
from .rates_csv import read_rates

MODULE = "customer"
CARD_FIELDS = ["name", "currency"]
RATE_FIELDS = ["prefix", "destination", "rate", "effective_from"]
NAME_TAKEN = "Your account already has a rate card with this name."
RATE_TAKEN = "This prefix already has a rate from this date: edit that one instead."
BATCH = 2000
SIX_PLACES = Decimal("0.000001")


def _save(instance, message: str, field: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise Refused(message, field) from None


# --- Rate cards ----------------------------------------------------------------------------------


@transaction.atomic
def create_card(*, actor: Actor, account, data: dict) -> RateCard:
    require_write(actor, MODULE)
    card = RateCard(account=account, name=data["name"], currency=data["currency"])
    card.full_clean(exclude=["account"], validate_constraints=False)
    _save(card, NAME_TAKEN, "name")
    audit.record(
        "ratecard.created",
        account=account,
        actor=actor,
        target=card,
        changes=audit.diff({}, audit.snapshot(card, CARD_FIELDS)),
    )
    return card


@transaction.atomic
def update_card(*, actor: Actor, card: RateCard, data: dict) -> RateCard:
    """Rename, or change the currency while no customer in another currency uses the card."""
    require_write(actor, MODULE)
    card = RateCard.objects.for_account(card.account).select_for_update().get(pk=card.pk)
    before = audit.snapshot(card, CARD_FIELDS)
    currency = data.get("currency", card.currency)
    if currency != card.currency:
        others = card.customers.exclude(currency=currency).order_by("name")
        names = list(others.values_list("name", flat=True)[:3])
        if names:
            raise Refused(
                f"The currency stays {card.currency}: {', '.join(names)} use this card in "
                f"{card.currency}. Give them another card first.",
                "currency",
            )
    card.name, card.currency = data.get("name", card.name), currency
    card.full_clean(exclude=["account"], validate_constraints=False)
    _save(card, NAME_TAKEN, "name")
    changes = audit.diff(before, audit.snapshot(card, CARD_FIELDS))
    if changes:
        audit.record(
            "ratecard.updated", account=card.account, actor=actor, target=card, changes=changes
        )
    return card


@transaction.atomic
def delete_cards(actor: Actor, ids, *, account) -> list[str]:
    """Delete the account's cards among ``ids`` with their rates; refused (nothing deleted) while
    a customer uses one of them."""
    require_write(actor, MODULE)
    cards = list(
        RateCard.objects.for_account(account)
        .filter(pk__in=ids)
        .select_for_update()
        .order_by("name", "pk")
    )
    users = dict(
        Customer.objects.for_account(account)
        .filter(rate_card__in=cards)
        .order_by()
        .values("rate_card")
        .annotate(n=Count("pk"))
        .values_list("rate_card", "n")
    )
    in_use = [card for card in cards if users.get(card.pk)]
    if in_use:
        said = "; ".join(
            f"{card.name} is the rate card of {users[card.pk]} "
            f"customer{'s' if users[card.pk] != 1 else ''}"
            for card in in_use[:5]
        )
        raise Refused(f"{said}. Give them another rate card first.")
    for card in cards:
        rates = Rate.objects.for_account(account).filter(rate_card=card)
        audit.record(
            "ratecard.deleted",
            account=account,
            actor=actor,
            target=card,
            changes=audit.diff(audit.snapshot(card, CARD_FIELDS), {}),
            data={"rates": rates.count()},
        )
        rates.delete()
        card.delete()
    return [card.name for card in cards]


# --- Rates ---------------------------------------------------------------------------------------


def _rate_snapshot(rate: Rate) -> dict:
    values = audit.snapshot(rate, RATE_FIELDS)
    values["rate"] = f"{Decimal(rate.rate).quantize(SIX_PLACES):f}"
    values["effective_from"] = rate.effective_from.isoformat()
    return values


@transaction.atomic
def create_rate(*, actor: Actor, card: RateCard, data: dict) -> Rate:
    require_write(actor, MODULE)
    rate = Rate(account=card.account, rate_card=card, **{k: data[k] for k in RATE_FIELDS})
    rate.full_clean(exclude=["account", "rate_card"], validate_constraints=False)
    _save(rate, RATE_TAKEN, "effective_from")
    audit.record(
        "rate.created",
        account=card.account,
        actor=actor,
        target=rate,
        target_label=f"{card.name}: {rate}",
        changes=audit.diff({}, _rate_snapshot(rate)),
    )
    return rate


@transaction.atomic
def update_rate(*, actor: Actor, rate: Rate, data: dict) -> Rate:
    require_write(actor, MODULE)
    rate = (
        Rate.objects.for_account(rate.account)
        .select_for_update(of=("self",))
        .select_related("rate_card")
        .get(pk=rate.pk)
    )
    before = _rate_snapshot(rate)
    for name in RATE_FIELDS:
        setattr(rate, name, data[name])
    rate.full_clean(exclude=["account", "rate_card"], validate_constraints=False)
    _save(rate, RATE_TAKEN, "effective_from")
    changes = audit.diff(before, _rate_snapshot(rate))
    if changes:
        audit.record(
            "rate.updated",
            account=rate.account,
            actor=actor,
            target=rate,
            target_label=f"{rate.rate_card.name}: {rate}",
            changes=changes,
        )
    return rate


@transaction.atomic
def delete_rates(actor: Actor, ids, *, card: RateCard) -> list[str]:
    """Delete ``card``'s rates among ``ids`` (other cards' and accounts' ids match nothing): one
    audit entry listing them."""
    require_write(actor, MODULE)
    rates = Rate.objects.for_account(card.account).filter(rate_card=card, pk__in=ids)
    found = list(rates.order_by("prefix", "effective_from", "pk"))
    if not found:
        return []
    labels = [f"{rate.prefix} from {rate.effective_from.isoformat()}" for rate in found]
    audit.record(
        "rate.deleted",
        account=card.account,
        actor=actor,
        target=card,
        data={"count": len(found), "rates": labels},
    )
    Rate.objects.for_account(card.account).filter(pk__in=[rate.pk for rate in found]).delete()
    return labels


@transaction.atomic
def import_rates(*, actor: Actor, card: RateCard, data: bytes, filename: str = "") -> dict:
    """Add or replace ``card``'s rates from CSV bytes: all lines or none (CsvProblems lists the
    bad lines). A line whose prefix and effective date match an existing rate replaces its
    destination and rate. Returns {"rows", "created", "replaced"}."""
    require_write(actor, MODULE)
    lines = read_rates(data)
    card = RateCard.objects.for_account(card.account).select_for_update().get(pk=card.pk)
    rates = Rate.objects.for_account(card.account).filter(rate_card=card)
    before = rates.count()
    Rate.objects.bulk_create(
        (
            Rate(
                account=card.account,
                rate_card=card,
                prefix=line.prefix,
                destination=line.destination,
                rate=line.rate,
                effective_from=line.effective_from,
            )
            for line in lines
        ),
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["rate_card", "prefix", "effective_from"],
        update_fields=["destination", "rate"],
    )
    created = rates.count() - before
    result = {"rows": len(lines), "created": created, "replaced": len(lines) - created}
    audit.record(
        "rate.imported",
        account=card.account,
        actor=actor,
        target=card,
        data={**result, "file": filename[:200]},
    )
    return result
