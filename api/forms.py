"""The API token form: a name, one scope choice per module the user may hold, an optional expiry
date and IP allow-list."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from accounts.ipnets import parse_ip_whitelist
from accounts.permissions import MODULES
from accounts.scopes import READ, WRITE, grantable_scopes

SCOPE_PREFIX = "scope_"
LEVEL_LABELS = {READ: "Read", WRITE: "Read and write"}


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “billing sync”.")
    expires = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The token stops working at the start of this day (your time zone). "
        "Empty: it does not expire.",
    )
    ip_allowlist = forms.CharField(
        label="IP allow-list",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One IP address or network (CIDR, e.g. 203.0.113.0/24) a line. Empty: any.",
    )

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.holdable = grantable_scopes(access)
        for key, levels in self.holdable.items():
            self.fields[SCOPE_PREFIX + key] = forms.ChoiceField(
                label=MODULES[key].label,
                required=False,
                choices=[("", "None"), *((lv, LEVEL_LABELS[lv]) for lv in levels)],
            )

    def scope_fields(self):
        return [self[SCOPE_PREFIX + key] for key in self.holdable]

    def clean_expires(self):
        day = self.cleaned_data["expires"]
        if day is None:
            return None
        if day <= timezone.localdate():
            raise forms.ValidationError("Choose a day after today.")
        if day > timezone.localdate() + timedelta(days=3 * 366):
            raise forms.ValidationError("A token lasts at most three years.")
        return timezone.make_aware(datetime.combine(day, time.min))

    def clean_ip_allowlist(self):
        text = self.cleaned_data["ip_allowlist"]
        parse_ip_whitelist(text)
        return text

    def scopes(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[SCOPE_PREFIX + key]
            for key in self.holdable
            if self.cleaned_data.get(SCOPE_PREFIX + key)
        }
