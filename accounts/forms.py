"""Forms of the Config tab and the Audit Log page."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django_countries import countries

from . import audit
from .formatting import currency_choices, date_format_choices, time_zone_choices
from .models import Account, AuditEntry
from .phones import EXAMPLE as PHONE_EXAMPLE
from .phones import parse_phone
from .postcodes import MAX_LENGTH as POST_CODE_MAX_LENGTH
from .postcodes import clean_post_code

_VAT_CHARACTERS = "letters, digits, spaces, dots, dashes and slashes"


class AccountProfileForm(forms.Form):
    """The Config tab's edit dialog. Field names are the Account fields they fill."""

    name = forms.CharField(label="Company name", max_length=200)
    registration_id = forms.CharField(
        label="Company registration ID", max_length=64, required=False
    )
    vat_id = forms.RegexField(
        label="VAT ID",
        max_length=32,
        required=False,
        regex=r"^[A-Za-z0-9 .\-/]+$",
        error_messages={"invalid": f"A VAT ID has only {_VAT_CHARACTERS}."},
    )
    address_line1 = forms.CharField(label="Address line 1", max_length=200)
    address_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    city = forms.CharField(max_length=100)
    county = forms.CharField(label="County / State", max_length=100, required=False)
    country = forms.ChoiceField(
        error_messages={"invalid_choice": "Choose a country from the list."}
    )
    post_code = forms.CharField(
        max_length=POST_CODE_MAX_LENGTH,
        required=False,
        help_text="Checked against the country's format where it is known.",
    )
    phone = forms.CharField(
        max_length=32, required=False, help_text=f"International format, e.g. {PHONE_EXAMPLE}."
    )
    mobile = forms.CharField(max_length=32, required=False)
    currency = forms.ChoiceField(
        error_messages={
            "invalid_choice": "%(value)s is not a currency offered here; choose one from the list."
        }
    )
    date_format = forms.ChoiceField(
        help_text="Every date in the panel and your portal is shown this way."
    )
    time_zone = forms.ChoiceField(
        error_messages={
            "invalid_choice": "%(value)s is not a known time zone; choose one from the list."
        }
    )
    billing_method = forms.ChoiceField(
        choices=Account.BillingMethod.choices,
        help_text="May change once every 30 days.",
    )

    def __init__(self, *args, account: Account, currency_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["country"].choices = [("", "Choose a country"), *countries]
        self.fields["currency"].choices = currency_choices()
        today = timezone.localdate()
        self.fields["date_format"].choices = date_format_choices(today)
        self.fields["time_zone"].choices = time_zone_choices()
        if currency_locked:
            self.fields[
                "currency"
            ].help_text = "Fixed: the account has payments, so its currency cannot change."
        for name in ("phone", "mobile"):
            self.fields[name].widget.attrs.update(type="tel", autocomplete="tel")
        self.fields["name"].widget.attrs["autocomplete"] = "organization"

    @classmethod
    def initial_for(cls, account: Account) -> dict:
        from .phones import format_phone

        initial = {name: getattr(account, name) for name in cls.base_fields}
        initial["country"] = account.country.code or ""
        initial["phone"] = format_phone(account.phone)
        initial["mobile"] = format_phone(account.mobile)
        return initial

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean(self):
        data = super().clean()
        country = data.get("country") or None
        if "post_code" in data:
            try:
                data["post_code"] = clean_post_code(data["post_code"], country)
            except ValidationError as error:
                self.add_error("post_code", error)
        for name in ("phone", "mobile"):
            if data.get(name):
                try:
                    data[name] = parse_phone(data[name], country, mobile=name == "mobile")
                except ValidationError as error:
                    self.add_error(name, error)
        return data


class SecurityAddonsForm(forms.Form):
    login_notifications = forms.BooleanField(
        label="Email me when I log in",
        required=False,
        help_text="A mail at every sign-in with the time, IP address and browser.",
    )
    new_device_alerts = forms.BooleanField(
        label="Device management",
        required=False,
        help_text="A mail when a browser not seen before signs in as you.",
    )


# Far-off dates would overflow when turned into the viewer's midnight; nothing is logged there.
DATE_BOUNDS = [
    MinValueValidator(date(1970, 1, 1), "Enter a date from 1970 on."),
    MaxValueValidator(date(9998, 12, 31), "Enter a date before the year 9999."),
]


class DateRangeFilterForm(forms.Form):
    """A list's From / To filter (GET) on a moment field, read in the viewer's time zone. A
    filter with bad input is reported next to its field and not applied."""

    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DATE_BOUNDS,
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DATE_BOUNDS,
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filter_dates(self, queryset, field: str = "created"):
        """``queryset`` narrowed to the valid dates (``is_valid()`` first)."""
        data = getattr(self, "cleaned_data", {})
        if data.get("date_from"):
            queryset = queryset.filter(**{f"{field}__gte": _start_of(data["date_from"])})
        if data.get("date_to"):
            end = _start_of(data["date_to"] + timedelta(days=1))
            queryset = queryset.filter(**{f"{field}__lt": end})
        return queryset


class AuditFilterForm(DateRangeFilterForm):
    """Filters of the Audit Log page (GET). A filter with bad input is reported and not applied."""

    # An email, not a select: a select of every user would make the page cost grow with the staff.
    user = forms.EmailField(
        required=False,
        widget=forms.EmailInput(attrs={"list": "audit-users", "placeholder": "Anyone"}),
        help_text="The email of the user who acted (current or former).",
    )
    section = forms.ChoiceField(required=False)

    field_order = ["user", "section", "date_from", "date_to"]

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["section"].choices = [("", "Every section")] + [
            (section, section) for section in audit.sections()
        ]

    def clean_user(self):
        User = get_user_model()

        email = self.cleaned_data["user"].strip().lower()
        if not email:
            return ""
        log = AuditEntry.objects.for_account(self.account)
        if not (
            User.objects.for_account(self.account).filter(email=email).exists()
            or log.filter(actor_label=email).exists()
        ):
            raise forms.ValidationError("No such user in your account.")
        return email

    def suggested_users(self):
        """Emails offered while typing (bounded: the page must not grow with the staff)."""
        User = get_user_model()

        users = User.objects.for_account(self.account).order_by("email")
        return users.values_list("email", flat=True)[:200]

    def filter(self, queryset):
        """``queryset`` narrowed by the filters that are valid (``is_valid()`` first)."""
        data = getattr(self, "cleaned_data", {})
        if data.get("user"):
            queryset = queryset.filter(actor_label=data["user"])
        if data.get("section"):
            events = [e.key for e in audit.EVENTS.values() if e.section == data["section"]]
            queryset = queryset.filter(event__in=events)
        return self.filter_dates(queryset)


def _start_of(day):
    """Midnight of ``day`` in the viewer's time zone (activated by the tenant middleware)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
