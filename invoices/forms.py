"""Forms of the invoice screens and of the Settings tab's invoicing preferences."""

from decimal import Decimal

from django import forms

from .models import PREFIX_MAX_LENGTH, Grouping, InvoiceSettings
from .services import SETTINGS_FIELDS, last_month, today_for

_CONTROL = {*range(0x00, 0x20), *range(0x7F, 0xA0)}


class InvoiceSettingsForm(forms.Form):
    grouping = forms.ChoiceField(
        label="Invoice line grouping",
        choices=Grouping.choices,
        error_messages={"invalid_choice": "Choose a grouping from the list."},
    )
    number_prefix = forms.CharField(
        label="Invoice number prefix",
        max_length=PREFIX_MAX_LENGTH,
        required=False,
        strip=False,
        help_text=f"Printed before the number, e.g. INV- (at most {PREFIX_MAX_LENGTH} characters).",
    )
    next_number = forms.IntegerField(
        label="Next invoice number",
        min_value=1,
        max_value=2_000_000_000,
        error_messages={"min_value": "The next number is 1 or more."},
    )
    payment_terms_days = forms.IntegerField(
        label="Payment terms (days)",
        min_value=0,
        max_value=365,
        help_text="The due date is the issue date plus these days.",
    )
    tax_rate = forms.DecimalField(
        label="Default tax rate (%)",
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "min_value": "A tax rate is from 0 to 100 per cent.",
            "max_value": "A tax rate is from 0 to 100 per cent.",
        },
    )
    footer = forms.CharField(
        label="Invoice footer",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed at the foot of every invoice: bank details, terms.",
    )

    @classmethod
    def initial_for(cls, saved: InvoiceSettings) -> dict:
        return {name: getattr(saved, name) for name in SETTINGS_FIELDS}

    def clean_number_prefix(self):
        value = self.cleaned_data["number_prefix"]
        if any(ord(c) in _CONTROL for c in value):
            raise forms.ValidationError(
                "A prefix has no control characters (tabs, line breaks, ...)."
            )
        return value.strip()


class GenerateForm(forms.Form):
    period_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(
        label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )
    issue = forms.BooleanField(
        label="Issue at once (numbers it and mails it to the customer)", required=False
    )

    @classmethod
    def initial_for(cls, account) -> dict:
        period_from, period_to = last_month(today_for(account))
        return {"period_from": period_from, "period_to": period_to}


class VoidForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept with the invoice."
    )


class DraftForm(forms.Form):
    tax_rate = forms.DecimalField(
        label="Tax rate (%)",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        error_messages={
            "min_value": "A tax rate is from 0 to 100 per cent.",
            "max_value": "A tax rate is from 0 to 100 per cent.",
        },
    )


class AllocateForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    reference = forms.CharField(
        max_length=100, required=False, help_text="The bank transfer's reference, say."
    )
