"""Forms of the Config tab (profile, Security & Add-ons, SMTP Details) and the Audit Log page."""

import re
from datetime import date, datetime, time, timedelta
from email.utils import formataddr

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.utils import timezone
from django_countries import countries

from . import audit
from .emails import lookup_form
from .formatting import currency_choices, date_format_choices, time_zone_choices
from .ipnets import ip_in_ranges, parse_ip_ranges
from .models import Account, AuditEntry, SmtpSettings
from .phones import EXAMPLE as PHONE_EXAMPLE
from .phones import parse_phone
from .postcodes import MAX_LENGTH as POST_CODE_MAX_LENGTH
from .postcodes import clean_post_code
from .sms import clean_sender
from .smtp import SERVER_EXAMPLE, check_port, effective, format_server, parse_server

_VAT_CHARACTERS = "letters, digits, spaces, dots, dashes and slashes"
PASSWORD_MAX = 256
FROM_HELP = (
    "Enter an email address such as noc@yourcompany.com, or a name and the address in angle "
    "brackets: Your Company <noc@yourcompany.com>."
)
# "noc@x.example" or "Name <noc@x.example>" (the name optionally in double quotes).
_FROM = re.compile(r'(?:"?([^"<>]*?)"?\s*<([^<>\s]+)>|([^<>\s"]+))')


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
    ocn = forms.RegexField(
        label="OCN (Operating Company Number)",
        max_length=4,
        required=False,
        regex=r"^[0-9A-Za-z]{4}$",
        help_text="4 letters or digits, e.g. 123A. Printed on your customers' invoices.",
        error_messages={"invalid": "An OCN is 4 letters or digits, e.g. 1234 or 123A."},
    )
    frn = forms.RegexField(
        label="FRN (FCC Registration Number)",
        max_length=10,
        required=False,
        regex=r"^[0-9]{10}$",
        help_text="10 digits, e.g. 0012345678.",
        error_messages={"invalid": "An FRN is 10 digits, e.g. 0012345678."},
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

    def clean_ocn(self):
        return self.cleaned_data["ocn"].strip().upper()

    def clean_frn(self):
        return self.cleaned_data["frn"].strip()

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


class SmtpSettingsForm(forms.Form):
    """The SMTP Details dialog (Config tab, Administrators). The password is write-only: never
    rendered back; empty keeps the saved one; "Remove the saved password" clears it."""

    from_address = forms.CharField(
        label="From address",
        max_length=320,
        help_text="The sender of your account's mail: noc@yourcompany.com, or with a name: "
        "Your Company <noc@yourcompany.com>.",
    )
    username = forms.CharField(
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    password = forms.CharField(
        max_length=PASSWORD_MAX,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        error_messages={"max_length": f"A password has at most {PASSWORD_MAX} characters."},
    )
    remove_password = forms.BooleanField(label="Remove the saved password", required=False)
    server = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "placeholder": SERVER_EXAMPLE}),
        help_text="host or host:port. Empty: your mail goes through the platform's mail server.",
        error_messages={"max_length": "A server name has at most 253 characters."},
    )
    security = forms.ChoiceField(
        choices=SmtpSettings.Security.choices,
        initial=SmtpSettings.Security.AUTO,
        help_text="Auto: TLS on port 465, STARTTLS on 587, STARTTLS when offered on 25 and others.",
    )
    sms_from = forms.CharField(
        label="SMS From",
        max_length=64,
        required=False,
        help_text="The sender of your SMS: up to 11 letters and digits, or a number such as "
        "+447400123456. Empty: sms.",
    )

    def __init__(self, *args, saved: SmtpSettings | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        has_password = bool(saved and saved.has_password)  # SmtpSettings.of
        self.fields["password"].help_text = (
            "A password is saved: leave empty to keep it."
            if has_password
            else "No password is saved."
        )
        if not has_password:
            del self.fields["remove_password"]

    @staticmethod
    def initial_for(saved: SmtpSettings | None) -> dict:
        if saved is None:
            return {"security": SmtpSettings.Security.AUTO, "sms_from": "sms"}
        return {
            "from_address": saved.from_address,
            "username": saved.username,
            "server": saved.server,
            "security": saved.security,
            "sms_from": saved.sms_from,
        }

    def clean_from_address(self):
        return clean_from_address(self.cleaned_data["from_address"])

    def clean_sms_from(self):
        return clean_sender(self.cleaned_data["sms_from"])

    def clean_server(self):
        host, port = parse_server(self.cleaned_data["server"])
        self.cleaned_data["host"], self.cleaned_data["port"] = host, port
        return format_server(host, port)

    def clean(self):
        data = super().clean()
        host = data.get("host", "")
        if "server" in data and not host and (data.get("username") or data.get("password")):
            self.add_error(
                "server",
                "A username and password need a server: enter your provider's server, or "
                "leave them empty to send through the platform's mail server.",
            )
        if data.get("password") and data.get("remove_password"):
            self.add_error(
                "password", "Either type a new password or remove the saved one, not both."
            )
        if host and data.get("security"):
            try:
                check_port(effective(data["security"], data.get("port"))[1])
            except ValidationError as error:
                self.add_error("server", error)
        data.setdefault("remove_password", False)
        return data


def clean_from_address(value: str) -> str:
    """``addr`` or ``Name <addr>``, as stored; raises ValidationError saying what is wrong."""
    text = value.strip()
    match = _FROM.fullmatch(text)
    if match is None or any(ord(c) < 32 for c in text):
        raise ValidationError(FROM_HELP)
    name, address = (match[1] or "").strip(), match[2] or match[3]
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(FROM_HELP) from None
    if len(name) > 100:
        raise ValidationError("The name before the address has at most 100 characters.")
    return formataddr((name, address)) if name else address


class SecurityPolicyForm(forms.Form):
    """The Settings tab's edit dialog (Administrators). Field names are the Account fields."""

    two_factor_required = forms.ChoiceField(
        label="Require two-factor login for",
        choices=Account.TwoFactorRule.choices,
        help_text="Who must sign in with a code from an authenticator app. Whoever must and has "
        "not set it up is sent to the set-up page after signing in, and can do nothing else.",
    )
    passkey_required_for_admins = forms.BooleanField(
        label="Require a passkey for Administrators",
        required=False,
        help_text="Administrators must sign in with a passkey as their second factor: codes "
        "from an app and backup codes no longer do for them. One without a passkey is sent to "
        "add one after signing in, and can do nothing else.",
    )
    idle_timeout_minutes = forms.IntegerField(
        label="Session idle timeout (minutes)",
        min_value=5,
        max_value=1440,
        error_messages={
            "invalid": "Enter a whole number of minutes, from 5 to 1440.",
            "min_value": "At least 5 minutes.",
            "max_value": "At most 1440 minutes (24 hours).",
        },
        help_text="A session with no request for this long ends; 5 to 1440 minutes.",
    )
    allowed_ip_ranges = forms.CharField(
        label="Allowed IP ranges",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="Networks in CIDR form, IPv4 or IPv6 (e.g. 203.0.113.0/24, 2001:db8::/48), one "
        "a line. Every panel sign-in of the account must come from one of them. Empty: any "
        "address.",
    )
    login_notifications_default = forms.BooleanField(
        label="Login notifications on for new users",
        required=False,
        help_text="New users start with “Email me when I log in” on; each user can change it.",
    )

    def __init__(self, *args, own_ip: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_ip = own_ip

    @classmethod
    def initial_for(cls, account: Account) -> dict:
        return {name: getattr(account, name) for name in cls.base_fields}

    def clean_allowed_ip_ranges(self):
        text = self.cleaned_data["allowed_ip_ranges"]
        networks = parse_ip_ranges(text)
        if networks and not ip_in_ranges(self.own_ip, text):
            raise ValidationError(
                f"Your own address ({self.own_ip or 'unknown'}) is in none of these ranges: "
                "saving them would sign you out and keep you out. Add it first."
            )
        # One network a line, as the page shows them.
        return "\n".join(str(network) for network in networks)


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

        typed = self.cleaned_data["user"].strip()
        if not typed:
            return ""
        email = lookup_form(typed) or typed.lower()  # users are stored in that form
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
