"""The Make Payment dialog and the Payments table's filters."""

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from django import forms

from accounts.formatting import format_money
from accounts.forms import DateRangeFilterForm

from ..models import Payment
from .channels import Channel
from .services import payment_limits

PRESET_AMOUNTS = (25, 50, 100, 250, 500, 1000)
OTHER = "other"
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def decimals_allowed(currency: str) -> int:
    """Cents at most, and none for currencies without minor units (JPY, KRW …)."""
    return min(2, get_currency_precision(currency))


class MakePaymentForm(forms.Form):
    """Pay via (the platform's configured methods), an amount from the presets or a custom one
    between PAYMENT_MIN and PAYMENT_MAX, always in the account's currency."""

    # Not "method": a form control of that name would hide the form's own method from scripts.
    pay_via = forms.ChoiceField(label="Pay via", widget=forms.RadioSelect)
    amount = forms.ChoiceField(label="Amount")
    other_amount = forms.CharField(
        label="Other amount",
        required=False,
        max_length=32,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "data-choose-other": "id_amount"}
        ),
    )
    # The currency the page was shown in: a payment is never made in another than the account's.
    currency = forms.CharField(widget=forms.HiddenInput, max_length=3)

    def __init__(self, *args, account, channels: list[Channel], **kwargs):
        self.account = account
        self.low, self.high = payment_limits()
        currency = account.currency
        presets = [Decimal(p) for p in PRESET_AMOUNTS if self.low <= p <= self.high]
        kwargs.setdefault(
            "initial",
            {
                "pay_via": channels[0].provider if channels else "",
                "amount": str(presets[0]) if presets else OTHER,
                "currency": currency,
            },
        )
        super().__init__(*args, **kwargs)
        labels = " or ".join(c.label for c in channels) or "a method listed"
        self.fields["pay_via"].choices = [(c.provider, c.label) for c in channels]
        self.fields["pay_via"].error_messages.update(
            required="Choose how to pay.",
            invalid_choice=f"That method is not offered: pay with {labels}.",
        )
        self.fields["amount"].choices = [
            *((str(p), format_money(p, currency)) for p in presets),
            (OTHER, "Other amount…"),
        ]
        self.fields["amount"].error_messages["invalid_choice"] = (
            "Choose one of the amounts listed, or Other amount."
        )
        self.fields["other_amount"].help_text = (
            f"In {currency}, from {format_money(self.low, currency)} to "
            f"{format_money(self.high, currency)}. Choose “Other amount…” above to use it."
        )

    def clean_other_amount(self):
        raw = "".join(self.cleaned_data["other_amount"].split())
        if not raw:
            return None
        currency = self.account.currency
        if raw.startswith("-"):
            raise forms.ValidationError("Enter an amount above zero.")
        if "," in raw:
            raise forms.ValidationError(
                "Write the amount without separators, with a dot for decimals (e.g. 1500.50)."
            )
        try:
            amount = Decimal(raw) if _NUMBER.match(raw) else None
        except InvalidOperation:
            amount = None
        if amount is None:
            raise forms.ValidationError("Enter the amount as a number, e.g. 75 or 75.50.")
        places = decimals_allowed(currency)
        if -amount.as_tuple().exponent > places:
            raise forms.ValidationError(
                f"{currency} amounts have no decimals."
                if places == 0
                else f"Use at most {places} decimals."
            )
        if amount < self.low:
            raise forms.ValidationError(
                f"The smallest payment is {format_money(self.low, currency)}."
            )
        if amount > self.high:
            raise forms.ValidationError(
                f"The largest payment is {format_money(self.high, currency)}."
            )
        return amount

    def clean_currency(self):
        currency = self.cleaned_data["currency"]
        if currency != self.account.currency:
            raise forms.ValidationError(
                f"Payments are made in your account currency, {self.account.currency}. "
                "Nothing was charged; check the amount and pay again."
            )
        return currency

    def clean(self):
        data = super().clean()
        choice, other = data.get("amount"), data.get("other_amount")
        if choice == OTHER and other is None and "other_amount" not in self.errors:
            self.add_error("other_amount", "Enter the amount to pay.")
        elif choice not in (None, OTHER) and other is not None:
            self.add_error(
                "other_amount", "Choose “Other amount…” in Amount to pay this amount, or clear it."
            )
        if "currency" in self.errors:
            self.add_error(None, self.errors.pop("currency"))
        return data

    @property
    def total(self) -> Decimal:
        """The amount to pay (``is_valid()`` first)."""
        choice = self.cleaned_data["amount"]
        return self.cleaned_data["other_amount"] if choice == OTHER else Decimal(choice)


class PaymentFilterForm(DateRangeFilterForm):
    """Filters of the Payments table (GET). A filter with bad input is reported and not applied."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Every status"), *Payment.Status.choices],
        error_messages={"invalid_choice": "Choose a status from the list."},
    )

    field_order = ["status", "date_from", "date_to"]

    def filter(self, queryset):
        """``queryset`` narrowed by the filters that are valid (``is_valid()`` first)."""
        status = getattr(self, "cleaned_data", {}).get("status")
        if status:
            queryset = queryset.filter(status=status)
        return self.filter_dates(queryset)
