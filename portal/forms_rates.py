"""The panel's Rate Cards forms: a card (name, currency), one rate, the CSV import's upload and
the rates list's dialled-number lookup. Every rule that a CSV line must also meet lives in
portal/rates_csv.py (``parse_*``), so a rate typed in the dialog and one imported agree."""

from django import forms

from accounts.formatting import currency_choices

from .models import Rate, RateCard, dialled_digits
from .rates_csv import MAX_BYTES, MAX_RATE, parse_destination, parse_prefix, parse_rate


def _plain(amount) -> str:
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class RateCardForm(forms.Form):
    name = forms.CharField(max_length=100)
    currency = forms.ChoiceField(
        help_text="Its rates are in it; the customers who use the card must have this currency."
    )

    def __init__(self, *args, account, instance: RateCard | None = None, **kwargs):
        self.account, self.instance = account, instance
        if instance is not None:
            kwargs.setdefault("initial", {"name": instance.name, "currency": instance.currency})
        else:
            kwargs.setdefault("initial", {"currency": account.currency})
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices()

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the rate card's name.")
        clash = RateCard.objects.for_account(self.account).filter(name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Your account already has a rate card with this name.")
        return name


class RateForm(forms.Form):
    """One rate of a card: the same rules as a line of the CSV import."""

    prefix = forms.CharField(
        max_length=32,
        help_text="The dialled digits it prices, international form without + or 00, e.g. 447.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    destination = forms.CharField(max_length=100, help_text="e.g. United Kingdom - Mobile.")
    rate = forms.CharField(
        label="Rate per minute",
        max_length=32,
        help_text=f"In the card's currency, at most 6 decimals and {MAX_RATE}.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    effective_from = forms.DateField(
        label="Effective date",
        help_text="The first day calls are priced at this rate.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, e.g. 2026-01-31."},
    )

    def __init__(self, *args, card: RateCard, instance: Rate | None = None, **kwargs):
        self.card, self.instance = card, instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "prefix": instance.prefix,
                    "destination": instance.destination,
                    "rate": _plain(instance.rate),
                    "effective_from": instance.effective_from,
                },
            )
        super().__init__(*args, **kwargs)

    def _parsed(self, name, parse):
        value, error = parse(self.cleaned_data[name])
        if error:
            raise forms.ValidationError(error)
        return value

    def clean_prefix(self):
        return self._parsed("prefix", parse_prefix)

    def clean_destination(self):
        return self._parsed("destination", parse_destination)

    def clean_rate(self):
        return self._parsed("rate", parse_rate)

    def clean(self):
        data = super().clean()
        prefix, since = data.get("prefix"), data.get("effective_from")
        if prefix and since:
            clash = Rate.objects.for_account(self.card.account).filter(
                rate_card=self.card, prefix=prefix, effective_from=since
            )
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "effective_from",
                    f"Prefix {prefix} already has a rate from this date: edit that one instead.",
                )
        return data


class RateImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "A header line prefix,destination,rate,effective_from, then one rate per line "
            f"(at most 100,000 lines and {MAX_BYTES // 1_000_000} MB)."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Choose a CSV file.", "empty": "The file is empty."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // 1_000_000} MB: split it and import "
                "each part."
            )
        return upload


class DialledForm(forms.Form):
    number = forms.CharField(
        label="Dialled number",
        max_length=32,
        required=False,
        help_text="The rate a call to this number gets today: its longest prefix on this card.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "+44 20 7946 0000"}),
    )

    def clean_number(self):
        value = self.cleaned_data["number"].strip()
        if value and not dialled_digits(value):
            raise forms.ValidationError("Enter a phone number: digits, with an optional + first.")
        return value
