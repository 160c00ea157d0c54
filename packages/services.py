"""Every write about lookup packages: an account enables or disables a package, and the lookup
side records what was used.

Enabling and disabling take effect at once: :func:`record_usage` reads the account's enabled
packages on every call (no cache), inside the same transaction as its write.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts import audit
from accounts.actors import Actor
from accounts.errors import Refused
from accounts.permissions import require_write

from .models import EnabledPackage, ExchangeRate, Package, UsageRecord

NOT_OFFERED = "This package is not offered any more. Reload the page to see the current catalogue."
# Lookups reported in one call; anything larger is a bug of the caller, not a busy hour.
MAX_QUANTITY = 1_000_000_000
# Usage may arrive late (a batch from the lookup side), never from the future beyond clock drift.
FUTURE_TOLERANCE = timedelta(minutes=5)
PRICE_PLACES = Decimal("0.00000001")
_ID = re.compile(r"[0-9]{1,18}")


@transaction.atomic
def enable_package(*, actor: Actor, account, package_id) -> tuple[Package, bool]:
    """Enable an active catalogue package for ``account``. Returns (package, newly enabled)."""
    require_write(actor, "packages")
    package = _package(package_id, Package.objects.filter(active=True))
    unit_price_for(account, package.retail_price)  # refuses a currency the platform cannot bill
    _, created = EnabledPackage.objects.for_account(account).get_or_create(
        account=account, package=package, defaults={"enabled_by": actor.user}
    )
    if created:
        _audit("package.enabled", actor, account, package, "Disabled", "Enabled")
    return package, created


@transaction.atomic
def disable_package(*, actor: Actor, account, package_id) -> tuple[Package, bool]:
    """Disable a package for ``account`` (also one the platform no longer offers). Its usage so
    far stays. Returns (package, was enabled)."""
    require_write(actor, "packages")
    package = _package(package_id, Package.objects.all())
    deleted, _ = EnabledPackage.objects.for_account(account).filter(package=package).delete()
    if deleted:
        _audit("package.disabled", actor, account, package, "Enabled", "Disabled")
    return package, bool(deleted)


def _package(package_id, queryset) -> Package:
    """The package a form names; anything but a plausible id matches nothing (a forged value)."""
    text = str(package_id)
    package = queryset.filter(pk=int(text)).first() if _ID.fullmatch(text) else None
    if package is None:
        raise Refused(NOT_OFFERED, "package")
    return package


def _audit(event, actor, account, package, before, after) -> None:
    audit.record(
        event,
        account=account,
        actor=actor,
        target=package,
        changes={"status": [before, after]},
        data={"area": package.get_area_display(), "destination": package.destination},
    )


def exchange_rate(account) -> Decimal | None:
    """Units of the account's currency per unit of the platform's; None when the platform has
    set no rate for it."""
    if account.currency == settings.PLATFORM_CURRENCY:
        return Decimal("1")
    rates = ExchangeRate.objects.filter(currency=account.currency)
    return rates.values_list("rate", flat=True).first()


def no_rate_message(account) -> str:
    return (
        f"Lookups cannot be charged in {account.currency} yet: the platform has set no exchange "
        f"rate from {settings.PLATFORM_CURRENCY}. Ask the platform to add one."
    )


def unit_price_for(account, retail_price: Decimal) -> Decimal:
    """The catalogue price in ``account``'s currency, at the platform's current rate. Refused
    when the platform has set no rate for that currency (it cannot be billed)."""
    rate = exchange_rate(account)
    if rate is None:
        raise Refused(no_rate_message(account), "package")
    return (retail_price * rate).quantize(PRICE_PLACES)


@dataclass(frozen=True)
class Recorded:
    package: Package
    quantity: int
    hour: datetime
    currency: str
    unit_price: Decimal
    charge: Decimal


def record_usage(account, package: Package, quantity: int, at: datetime) -> Recorded:
    """Add ``quantity`` lookups of ``package`` by ``account`` made at ``at`` (an aware time).

    Called by the lookup side (and ``manage.py record_usage``) for the platform, not by a staff
    user, so it takes no actor and writes no audit entry (millions of lookups are not changes).
    Refused: a quantity that is not a whole number from 1, a naive or future time, a package
    the account has not enabled or the platform no longer offers, an account currency the
    platform has no rate for. The price is the catalogue's at this moment, read now (not from
    the caller's possibly stale ``package``).
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise Refused("The quantity must be a whole number of lookups.", "quantity")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Refused(
            f"The quantity must be from 1 to {MAX_QUANTITY:,} lookups; got {quantity:,}.",
            "quantity",
        )
    if not isinstance(at, datetime) or timezone.is_naive(at):
        raise Refused("The time of use needs a time zone (e.g. 2026-03-01T14:05:00+00:00).", "at")
    if at > timezone.now() + FUTURE_TOLERANCE:
        raise Refused("The time of use is in the future.", "at")
    with transaction.atomic():
        price = (
            EnabledPackage.objects.for_account(account)
            .filter(package_id=package.pk, package__active=True)
            .values_list("package__retail_price", flat=True)
            .first()
        )
        if price is None:
            raise Refused(_why_not_usable(package), "package")
        unit_price = unit_price_for(account, price)
        hour = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        charge = (unit_price * quantity).quantize(PRICE_PLACES)
        _add_to_hour(account.pk, package.pk, hour, account.currency, unit_price, quantity, charge)
    return Recorded(package, quantity, hour, account.currency, unit_price, charge)


def _why_not_usable(package: Package) -> str:
    if not Package.objects.filter(pk=package.pk, active=True).exists():
        return f"{package.name} is not offered any more."
    return f"{package.name} is not enabled for this account (Packages tab)."


def _add_to_hour(account_id, package_id, hour, currency, unit_price, quantity, charge) -> None:
    """One statement, race-free on PostgreSQL and SQLite: insert the hour's row, or add to it.

    Django's ``bulk_create(update_conflicts=True)`` can only overwrite a column on conflict, not
    add to it, hence the SQL. Values go through the fields' own conversion for this database.
    """
    meta = UsageRecord._meta
    values = {
        "account": account_id,
        "package": package_id,
        "hour": hour,
        "currency": currency,
        "unit_price": unit_price,
        "quantity": quantity,
        "charge": charge,
    }
    fields = [meta.get_field(name) for name in values]
    columns = [connection.ops.quote_name(field.column) for field in fields]
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    table = connection.ops.quote_name(meta.db_table)
    key = ", ".join(columns[:5])
    quantity_column, charge_column = columns[5], columns[6]
    placeholders = ", ".join(["%s"] * len(columns))
    # Only quoted names of this model's own table and columns are formatted in; values are
    # parameters.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{quantity_column} = {table}.{quantity_column} + excluded.{quantity_column}, "
        f"{charge_column} = {table}.{charge_column} + excluded.{charge_column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
