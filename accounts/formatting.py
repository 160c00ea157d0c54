"""Money and date rendering: one place, so every page formats the same way."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol, list_currencies
from django.utils import dateformat, timezone

LOCALE = "en_US"

# Date formats an Account may choose (Django date-format syntax) with their labels.
DATE_FORMATS = {
    "Y-m-d": "ISO (2026-01-31)",
    "d/m/Y": "Day/Month/Year (31/01/2026)",
    "m/d/Y": "Month/Day/Year (01/31/2026)",
    "d.m.Y": "Day.Month.Year (31.01.2026)",
    "d M Y": "Day Mon Year (31 Jan 2026)",
    "M j, Y": "Mon Day, Year (Jan 31, 2026)",
}
DEFAULT_DATE_FORMAT = "Y-m-d"


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


def currency_choices() -> list[tuple[str, str]]:
    """Current ISO 4217 currencies with their English names (babel, not a hand-written table)."""
    names = Locale.parse(LOCALE).currencies
    return [(code, f"{code} — {names.get(code, code)}") for code in sorted(list_currencies())]


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
