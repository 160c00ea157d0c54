"""Money and date rendering: one place, so every page formats the same way."""

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global
from babel.numbers import (
    format_currency,
    get_currency_symbol,
    get_territory_currencies,
    list_currencies,
)
from django.utils import dateformat, timezone

LOCALE = "en_US"

# Date formats an Account may choose (Django date-format syntax) with what they are. The profile
# form shows each as today's date written in it (see date_format_choices).
DATE_FORMATS = {
    "Y-m-d": "year-month-day (ISO 8601)",
    "d/m/Y": "day/month/year",
    "m/d/Y": "month/day/year",
    "d.m.Y": "day.month.year",
    "d-m-Y": "day-month-year",
    "Y/m/d": "year/month/day",
    "d M Y": "day, short month, year",
    "M j, Y": "short month, day, year",
    "j F Y": "day, month, year",
    "F j, Y": "month, day, year",
}
DEFAULT_DATE_FORMAT = "Y-m-d"


def time_zone_choices() -> list[tuple[str, str]]:
    """Region/City zones and UTC; not the database's aliases (Factory, localtime, GB-Eire …)."""
    names = [
        name
        for name in available_timezones()
        if name == "UTC"
        or ("/" in name and not name.startswith(("Etc/", "posix/", "right/", "SystemV/")))
    ]
    return [(name, name.replace("_", " ")) for name in sorted(names)]


def date_format_choices(today: date) -> list[tuple[str, str]]:
    """Every date format, labelled with ``today`` written in it: ``31/01/2026 (day/month/year)``."""
    return [
        (pattern, f"{dateformat.format(today, pattern)} ({name})")
        for pattern, name in DATE_FORMATS.items()
    ]


def currency_choices() -> list[tuple[str, str]]:
    """Current ISO 4217 currencies with their English names (babel, not a hand-written table).

    "Current" means legal tender in some territory today (babel's CLDR data), so withdrawn codes
    such as DEM or ADP are not offered.
    """
    names = Locale.parse(LOCALE).currencies
    return [(code, f"{code} — {names.get(code, code)}") for code in current_currencies()]


@cache
def current_currencies() -> tuple[str, ...]:
    codes = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory))
    return tuple(sorted(code for code in codes if code in list_currencies()))


def currency_name(code: str) -> str:
    return Locale.parse(LOCALE).currencies.get(code, code)


def format_money(amount: Decimal, currency: str) -> str:
    """``$1,138.17 USD``: the symbol for the eye, the ISO code so `$` is never ambiguous."""
    formatted = format_currency(amount, currency, locale=LOCALE)
    if get_currency_symbol(currency, locale=LOCALE) == currency:
        return formatted
    return f"{formatted} {currency}"


def format_date(value: date | datetime | None, date_format: str, tz_name: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _localize(value, tz_name)
    return dateformat.format(value, date_format or DEFAULT_DATE_FORMAT)


def format_datetime(value: datetime | None, date_format: str, tz_name: str | None) -> str:
    if value is None:
        return ""
    local = _localize(value, tz_name)
    return dateformat.format(local, f"{date_format or DEFAULT_DATE_FORMAT} H:i")


def _localize(value: datetime, tz_name: str | None) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value.astimezone(ZoneInfo(tz_name or "UTC"))
