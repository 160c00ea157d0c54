"""The portal's sign-in form, and the panel's Customers and CDR forms (every choice narrowed to
the account)."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from accounts.emails import NormalisedEmailField
from accounts.formatting import currency_choices
from accounts.forms import DateRangeFilterForm
from accounts.phones import EXAMPLE as PHONE_EXAMPLE
from accounts.phones import format_phone, parse_phone
from domains.models import ACCESS_AREAS
from users.validators import PasswordRulesValidator

from .models import Contact, Customer, CustomerStatus, RateCard

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


class ContactSignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


def _plain(amount) -> str:
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class CustomerForm(forms.Form):
    """Add or edit a customer. The balance is not here: payments and calls move it."""

    name = forms.CharField(max_length=120)
    currency = forms.ChoiceField(
        help_text="The customer's balance, rates and calls are in it; fixed once it has calls."
    )
    debit_limit = forms.DecimalField(
        label="Debit limit",
        min_value=0,
        max_digits=14,
        decimal_places=4,
        initial=0,
        error_messages={"min_value": "The debit limit cannot be negative."},
        help_text="How far the balance may go below zero.",
    )
    rate_card = forms.ModelChoiceField(
        label="Rate card",
        queryset=RateCard.all_accounts.none(),  # narrowed to the account in __init__
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose one of your rate cards."},
    )
    portal_access = forms.BooleanField(
        label="Portal access",
        required=False,
        initial=True,
        help_text="Its contacts may sign in to your customer portal.",
    )
    hidden_areas = forms.MultipleChoiceField(
        label="Hide from this customer",
        choices=ACCESS_AREAS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Portal areas this customer does not get, even where the domain turns them on.",
        error_messages={"invalid_choice": "%(value)s is not a portal area."},
    )

    def __init__(self, *args, account, instance: Customer | None = None, **kwargs):
        self.account, self.instance = account, instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "currency": instance.currency,
                    "debit_limit": _plain(instance.debit_limit),
                    "rate_card": instance.rate_card_id,
                    "portal_access": instance.portal_access,
                    "hidden_areas": instance.hidden_areas,
                },
            )
        else:
            kwargs.setdefault("initial", {"currency": account.currency, "portal_access": True})
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices()
        self.fields["rate_card"].queryset = RateCard.objects.for_account(account)
        self.fields["rate_card"].label_from_instance = lambda card: f"{card} ({card.currency})"

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the customer's name.")
        clash = Customer.objects.for_account(self.account).filter(name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Your account already has a customer with this name.")
        return name

    def clean(self):
        data = super().clean()
        card = data.get("rate_card")
        if card is not None and data.get("currency") and card.currency != data["currency"]:
            self.add_error(
                "rate_card",
                f"This rate card is in {card.currency}; the customer's currency is "
                f"{data['currency']}.",
            )
        return data


class StatusForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", "Approve"), ("suspend", "Suspend"), ("reactivate", "Reactivate")],
        error_messages={
            "required": "Choose Approve, Suspend or Reactivate.",
            "invalid_choice": "Choose Approve, Suspend or Reactivate.",
        },
    )


class ContactForm(forms.Form):
    """Add or edit a portal contact: a password, or an invitation to choose one."""

    name = forms.CharField(max_length=120)
    email = NormalisedEmailField(max_length=254)
    phone = forms.CharField(
        max_length=32, required=False, help_text=f"International form, e.g. {PHONE_EXAMPLE}."
    )
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
        help_text=PasswordRulesValidator().get_help_text(),
    )
    send_invitation = forms.BooleanField(
        required=False,
        label="Send an invitation",
        help_text="Mail a link on your portal domain where the contact chooses their password.",
    )
    is_active = forms.BooleanField(
        required=False, label="Active", help_text="An inactive contact cannot sign in."
    )

    def __init__(self, *args, account, instance: Contact | None = None, **kwargs):
        self.account, self.instance = account, instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "email": instance.email,
                    "phone": format_phone(instance.phone),
                    "is_active": instance.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["is_active"]
            self.fields["password"].help_text += " Required unless you send an invitation."
        else:
            self.fields["password"].help_text += " Leave blank to keep the current password."
            if instance.has_usable_password():
                self.fields["send_invitation"].label = "Send an invitation to choose a new one"
            else:
                self.fields["send_invitation"].label = "Send a new invitation"

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the contact's name.")
        return name

    def clean_email(self):
        email = self.cleaned_data["email"]
        taken = Contact.objects.for_account(self.account).filter(email=email)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                "Another contact of your account already uses this e-mail address."
            )
        return email

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return parse_phone(value, self.account.country.code or None) if value else ""

    def clean(self):
        data = super().clean()
        password, invite = data.get("password"), data.get("send_invitation")
        if self.instance is None and not password and not invite and "password" not in self.errors:
            self.add_error("password", "Enter a password, or tick “Send an invitation”.")
        if password and invite:
            self.add_error(
                "send_invitation", "Either set a password or send an invitation, not both."
            )
        return data


class CdrFilterForm(DateRangeFilterForm):
    """The CDR list's filters (GET): a date range of at most a year (the last 30 days unless
    asked otherwise) and a customer. A filter with bad input is reported and not applied; the
    default range is used instead, so a mistake never lists every call ever made."""

    customer = forms.ModelChoiceField(
        queryset=Customer.all_accounts.none(),  # narrowed to the account in __init__
        required=False,
        empty_label="Every customer",
        error_messages={"invalid_choice": "Choose one of your customers."},
    )

    field_order = ["customer", "date_from", "date_to"]

    def __init__(self, *args, account, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        if customers is None:
            self.fields["customer"].queryset = Customer.objects.for_account(account).only(
                "pk", "name"
            )
        else:  # the portal: the signed-in contact's own customer only
            del self.fields["customer"]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start <= end and (end - start).days >= MAX_RANGE_DAYS:
            self.add_error("date_to", "Choose at most a year (366 days) at a time.")
        return data

    def range(self):
        """(from, to) dates of the rows shown: the valid filters, else the last 30 days."""
        data = getattr(self, "cleaned_data", {})
        today = timezone.localdate()
        if "date_from" in self.errors or "date_to" in self.errors:
            data = {}
        end = data.get("date_to") or (
            min(today, data["date_from"] + timedelta(days=MAX_RANGE_DAYS - 1))
            if data.get("date_from")
            else today
        )
        start = data.get("date_from") or max(
            end - timedelta(days=DEFAULT_RANGE_DAYS - 1), end - timedelta(days=MAX_RANGE_DAYS - 1)
        )
        if start > end:
            start = end
        return start, end

    def filter(self, queryset):
        data = getattr(self, "cleaned_data", {})
        if "customer" in self.fields and data.get("customer"):
            queryset = queryset.filter(customer=data["customer"])
        start, end = self.range()
        self.shown_from, self.shown_to = start, end
        return self.filter_dates_between(queryset, start, end)

    def filter_dates_between(self, queryset, start, end):
        return queryset.filter(
            start_time__gte=_start_of(start), start_time__lt=_start_of(end + timedelta(days=1))
        )


def _start_of(day):
    """Midnight of ``day`` in the viewer's time zone (activated by the tenant middleware)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def status_actions(customer: Customer) -> list[tuple[str, str]]:
    """The status buttons a customer's page offers: (action, label)."""
    if customer.status == CustomerStatus.PENDING:
        return [("approve", "Approve"), ("suspend", "Suspend")]
    if customer.status == CustomerStatus.ACTIVE:
        return [("suspend", "Suspend")]
    return [("reactivate", "Reactivate")]
