from django import forms
from django.core.exceptions import ValidationError

from accounts.formatting import currency_choices
from accounts.registry import first_answer

from . import hostnames, logos, theme
from .models import (
    ACCESS_AREAS,
    COLOR_VALIDATOR,
    DEFAULT_ACCESS_AREAS,
    DEFAULT_COLOR,
    DnsStatus,
    PortalDomain,
)
from .services import DUPLICATE, OWN_DUPLICATE

YES_NO = [("False", "No"), ("True", "Yes")]


def _yes(value) -> bool:
    return value == "True"


def _plain(amount) -> str:
    """``1000.0000`` → ``1000``, ``12.5000`` → ``12.5``: the number as a person would type it."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class PortalDomainForm(forms.Form):
    """The portal dialog. Every choice is narrowed to the account (template customer)."""

    domain = forms.CharField(
        label="Domain",
        help_text="The host name only, e.g. portal.yourcompany.com.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    brand_name = forms.CharField(
        label="Brand name",
        max_length=100,
        required=False,
        help_text="Shown on the portal instead of the domain.",
    )
    logo = forms.FileField(
        required=False,
        help_text="PNG or SVG, at most 350 px wide and 200 KB.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/svg+xml,.png,.svg"}),
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)
    primary_color = forms.CharField(
        label="Primary colour",
        max_length=7,
        initial=DEFAULT_COLOR,
        help_text="#rrggbb: the portal's buttons, links and header.",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    footer_text = forms.CharField(label="Footer text", max_length=300, required=False)
    customer_signup = forms.TypedChoiceField(
        label="Customer signup", choices=YES_NO, coerce=_yes, initial="False"
    )
    carrier_signup = forms.TypedChoiceField(
        label="Carrier signup", choices=YES_NO, coerce=_yes, initial="False"
    )
    new_customer_debit_limit = forms.DecimalField(
        label="New customer debit limit",
        min_value=0,
        max_digits=14,
        decimal_places=4,
        initial=0,
        error_messages={"min_value": "The debit limit cannot be negative."},
        help_text="How far a customer who signs up may go below zero.",
    )
    template_customer_id = forms.TypedChoiceField(
        label="Template customer",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="New customers who sign up copy this customer's settings.",
    )
    currencies = forms.MultipleChoiceField(
        label="Currencies",
        error_messages={"required": "Choose at least one currency."},
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Currencies a customer may choose and pay in.",
    )
    access_areas = forms.MultipleChoiceField(
        label="User access area",
        choices=ACCESS_AREAS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, account, instance: PortalDomain | None = None, **kwargs):
        self.account = account
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "domain": instance.display_domain,
                    "brand_name": instance.brand_name,
                    "primary_color": instance.primary_color,
                    "footer_text": instance.footer_text,
                    "customer_signup": str(instance.customer_signup),
                    "carrier_signup": str(instance.carrier_signup),
                    "new_customer_debit_limit": _plain(instance.new_customer_debit_limit),
                    "template_customer_id": instance.template_customer_id,
                    "currencies": instance.currencies,
                    "access_areas": instance.access_areas,
                },
            )
        else:
            kwargs.setdefault(
                "initial", {"currencies": [account.currency], "access_areas": DEFAULT_ACCESS_AREAS}
            )
        super().__init__(*args, **kwargs)
        self.fields["currencies"].choices = currency_choices()
        self.fields["template_customer_id"].choices = [
            ("", "None"),
            *first_answer("template_customer_choices", account, default=[]),
        ]
        if instance is None or not instance.logo:
            del self.fields["remove_logo"]

    def clean_domain(self) -> str:
        typed = self.cleaned_data["domain"].strip().lower().rstrip(".")
        reason = hostnames.platform_reason(typed)  # "localhost" is the panel, not a bare TLD
        if reason:
            raise ValidationError(reason)
        name = hostnames.normalise(typed)
        reason = hostnames.platform_reason(name)
        if reason:
            raise ValidationError(reason)
        others = {"pk": getattr(self.instance, "pk", None)}
        mine = PortalDomain.objects.for_account(self.account).filter(domain=name)
        if mine.exclude(**others).exists():
            raise ValidationError(OWN_DUPLICATE)
        # Other accounts may hold pending claims on the name (whoever proves it by TXT wins), but
        # a Verified one serves its portal: this look crosses tenants and names nobody.
        verified = PortalDomain.all_accounts.filter(domain=name, status=DnsStatus.VERIFIED)
        if verified.exclude(**others).exists():
            raise ValidationError(DUPLICATE)
        return name

    colour_warning_template = theme.LOW_CONTRAST_WARNING  # for the live check in static/js/app.js

    @property
    def colour_warning(self) -> str:
        """Said under the colour when it cannot reach 3:1 on white (it is still accepted)."""
        value = str(self["primary_color"].value() or "").strip().lower()
        try:
            COLOR_VALIDATOR(value)
        except ValidationError:
            return ""
        return theme.low_contrast_warning(value)

    def clean_primary_color(self) -> str:
        color = self.cleaned_data["primary_color"].strip().lower()
        COLOR_VALIDATOR(color)
        return color

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        return logos.inspect(upload) if upload else None
