"""Rates per minute are priced below a cent: shown with up to six decimals (at least the
currency's own), the way accounts.formatting.format_money shows amounts."""

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

from accounts.formatting import LOCALE


def format_rate(amount: Decimal, currency: str) -> str:
    """``$0.012 USD``, ``€0.123456 EUR``: never rounded to cents."""
    digits = get_currency_precision(currency)
    pattern = "¤#,##0" + ("." + "0" * digits + "#" * (6 - digits) if digits < 6 else ".000000")
    formatted = format_currency(
        amount, currency, format=pattern, locale=LOCALE, currency_digits=False
    )
    if get_currency_symbol(currency, locale=LOCALE) == currency:
        return formatted
    return f"{formatted} {currency}"
