"""The Usage tab's date range (GET): whole days in the viewer's time zone, at most a year."""

from datetime import date

from django import forms
from django.core.validators import MinValueValidator

from .usage import DEFAULT_DAYS, MAX_DAYS, Period

# Before any usage could exist; also keeps a far-off date from overflowing when turned into a
# moment of the viewer's time zone.
EARLIEST = date(2000, 1, 1)


def _day_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[MinValueValidator(EARLIEST, "Enter a date from 2000 on.")],
    )


class UsageRangeForm(forms.Form):
    date_from = _day_field("From")
    date_to = _day_field("To")

    def __init__(self, data=None, *, today: date, show_date):
        default = Period.ending(today, DEFAULT_DAYS)
        super().__init__(data, initial={"date_from": default.first, "date_to": default.last})
        self.today = today
        self.show_date = show_date  # a date as the account writes it, for messages

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        last = data.get("date_to") or self.today
        first = data.get("date_from") or Period.ending(last).first
        today = self.show_date(self.today)
        if first > self.today:
            self.add_error("date_from", f"Choose a start date up to today ({today}).")
        elif last > self.today:
            self.add_error("date_to", f"Choose an end date up to today ({today}).")
        elif first > last:
            self.add_error("date_to", "The end date is before the start date.")
        elif (last - first).days + 1 > MAX_DAYS:
            self.add_error("date_from", f"Choose at most {MAX_DAYS} days (a year) at a time.")
        else:
            data["period"] = Period(first, last)
        return data

    def period(self) -> Period:
        """The chosen days; the last :data:`DEFAULT_DAYS` days up to today when none (or a bad
        range) was chosen."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return Period.ending(self.today, DEFAULT_DAYS)

    @property
    def has_range(self) -> bool:
        return self.is_bound and bool(self.data.get("date_from") or self.data.get("date_to"))
