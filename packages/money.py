"""Prices and charges of lookups, which are fractions of a cent: the panel's ``|money`` rounds to
the currency's minor unit ($0.00), so these keep the digits that matter."""

from collections.abc import Iterable
from decimal import Decimal

from babel.numbers import format_currency, get_currency_symbol

from accounts.formatting import LOCALE

UNIT_PRICE_PATTERN = "¤#,##0.000000"  # $0.000100 USD: the catalogue's six places
CHARGE_PATTERN = "¤#,##0.00##"  # $12.34 USD, $0.0017 USD: cents, and fractions while they matter


def _format(amount: Decimal, currency: str, pattern: str) -> str:
    text = format_currency(amount, currency, format=pattern, currency_digits=False, locale=LOCALE)
    if get_currency_symbol(currency, locale=LOCALE) == currency:
        return text
    return f"{text} {currency}"


def format_unit_price(amount: Decimal, currency: str) -> str:
    return _format(amount, currency, UNIT_PRICE_PATTERN)


def format_charge(amount: Decimal, currency: str) -> str:
    return _format(amount, currency, CHARGE_PATTERN)


class Charges(dict):
    """Charges by currency (``{"USD": Decimal}``). Usage keeps the currency it was charged in, so
    an account whose currency changed still sees each amount as it was charged."""

    def add(self, currency: str, amount: Decimal | None) -> None:
        if amount:
            self[currency] = self.get(currency, Decimal("0")) + Decimal(amount)

    def merge(self, others: Iterable["Charges"]) -> "Charges":
        for other in others:
            for currency, amount in other.items():
                self.add(currency, amount)
        return self

    def display(self, currency: str) -> str:
        """Formatted, the account's ``currency`` first; nothing charged shows as zero in it."""
        if not self:
            return format_charge(Decimal("0"), currency)
        order = sorted(self, key=lambda code: (code != currency, code))
        return " + ".join(format_charge(self[code], code) for code in order)
