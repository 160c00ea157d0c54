"""The PayPal and Stripe gateway forms. Secrets are write-only: never rendered back, blank on
edit keeps the stored value. Keys are trimmed of whitespace pasted around them.
"""

import re

from django import forms

from accounts.formatting import currency_choices

from .models import Gateway, last4

STRIPE_SECRET = re.compile(r"^(sk|rk)_(test|live)_")
STRIPE_PUBLISHABLE = re.compile(r"^pk_(test|live)_")


class KeyField(forms.CharField):
    """A pasted key: surrounding whitespace and line breaks trimmed, none allowed inside."""

    def __init__(self, *, secret: bool = False, **kwargs):
        kwargs.setdefault("max_length", 255)
        attrs = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        if secret:
            kwargs["widget"] = forms.PasswordInput(render_value=False, attrs=attrs)
        else:
            kwargs["widget"] = forms.TextInput(attrs=attrs)
        super().__init__(strip=True, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value and re.search(r"\s", value):
            raise forms.ValidationError(
                "Paste the key on its own: it contains spaces or line breaks.", code="whitespace"
            )
        return value


class GatewayForm(forms.Form):
    """Fields common to every gateway; a subclass per type adds and checks its own."""

    gateway_type: str = ""
    key_labels = ("", "")  # (public key, secret key) in the provider's words
    secret_fields: tuple[str, ...] = ("secret_key",)

    name = forms.CharField(max_length=100)
    mode = forms.ChoiceField()
    currencies = forms.MultipleChoiceField(
        choices=currency_choices,
        help_text="The currencies your customers may pay in through this gateway.",
        error_messages={
            "required": "Choose at least one currency.",
            "invalid_choice": "%(value)s is not an ISO 4217 currency code.",
        },
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, account, instance: Gateway | None = None, **kwargs):
        self.account = account
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", self.initial_from(instance))
        else:
            kwargs.setdefault("initial", {"currencies": [account.currency]})
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [
            (mode.value, mode.label) for mode in Gateway.MODES[self.gateway_type]
        ]
        self.fields["public_key"].label, self.fields["secret_key"].label = self.key_labels
        for name in self.secret_fields:
            stored = getattr(instance, name, "") if instance is not None else ""
            field = self.fields[name]
            if stored:
                field.required = False
                field.help_text = (
                    f"Stored: {last4(stored)}. Leave blank to keep it. {field.help_text}".strip()
                )
            elif instance is not None and field.required:
                field.help_text = "Nothing stored yet."

    def clean_currencies(self):
        return sorted(set(self.cleaned_data["currencies"]))

    def initial_from(self, instance: Gateway) -> dict:
        names = [n for n in self.base_fields if n not in self.secret_fields]
        return {name: getattr(instance, name) for name in names}

    @property
    def is_edit(self) -> bool:
        return self.instance is not None

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = Gateway.objects.for_account(self.account).filter(name__iexact=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("You already have a gateway with this name.")
        return name

    def effective(self, name: str) -> str:
        """The value a secret will have after saving: the new one, or the stored one."""
        value = self.cleaned_data.get(name)
        if value:
            return value
        return getattr(self.instance, name, "") if self.instance is not None else ""

    def forget(self, name: str) -> None:
        """Do not render a pasted value back (it may be a secret in the wrong field)."""
        self.data = self.data.copy()
        self.data[self.add_prefix(name)] = ""


class PayPalGatewayForm(GatewayForm):
    gateway_type = Gateway.Type.PAYPAL
    key_labels = ("Username / Client ID", "Password / Secret")

    public_key = KeyField()
    secret_key = KeyField(secret=True)
    receiver_email = forms.EmailField(
        label="PayPal account email",
        required=False,
        help_text="The account that receives payments; payments to any other receiver are refused.",
    )
    webhook_id = forms.CharField(
        label="Signature (Webhook ID)",
        required=False,
        max_length=64,
        help_text="The ID PayPal shows for this site's webhook; used to verify PayPal's calls.",
    )

    field_order = ["name", "mode", "public_key", "secret_key", "receiver_email", "webhook_id"]

    def clean_webhook_id(self):
        value = "".join(self.cleaned_data["webhook_id"].split())
        if value and not re.fullmatch(r"[A-Za-z0-9]+", value):
            raise forms.ValidationError("A PayPal Webhook ID has only letters and digits.")
        return value


class StripeGatewayForm(GatewayForm):
    gateway_type = Gateway.Type.STRIPE
    key_labels = ("Publishable key", "Secret key")
    secret_fields = ("secret_key", "webhook_secret")

    public_key = KeyField(help_text="pk_test_… in Test mode, pk_live_… in Live mode.")
    secret_key = KeyField(secret=True, help_text="sk_… or a restricted rk_… key of the same mode.")
    webhook_secret = KeyField(
        label="Webhook signing secret",
        secret=True,
        required=False,
        help_text="whsec_… from the webhook endpoint in Stripe's dashboard.",
    )

    field_order = ["name", "mode", "public_key", "secret_key", "webhook_secret"]

    def clean_public_key(self):
        value = self.cleaned_data["public_key"]
        if STRIPE_SECRET.match(value) or value.startswith("whsec_"):
            self.forget("public_key")
            raise forms.ValidationError(
                "That is a secret, not the publishable key: paste the key that starts with "
                "pk_test_ or pk_live_ here. The secret key goes in Secret key."
            )
        if not STRIPE_PUBLISHABLE.match(value):
            raise forms.ValidationError("A publishable key starts with pk_test_ or pk_live_.")
        return value

    def clean_secret_key(self):
        value = self.cleaned_data["secret_key"]
        if value and STRIPE_PUBLISHABLE.match(value):
            raise forms.ValidationError(
                "That is the publishable key (pk_…): paste the secret key (sk_… or rk_…) here."
            )
        if value and not STRIPE_SECRET.match(value):
            raise forms.ValidationError(
                "A secret key starts with sk_test_, sk_live_, rk_test_ or rk_live_."
            )
        return value

    def clean_webhook_secret(self):
        value = self.cleaned_data["webhook_secret"]
        if value and not value.startswith("whsec_"):
            raise forms.ValidationError("A webhook signing secret starts with whsec_.")
        return value

    def clean(self):
        cleaned = super().clean()
        mode = cleaned.get("mode")
        if mode not in (Gateway.Mode.TEST, Gateway.Mode.LIVE):
            return cleaned
        word = "live" if mode == Gateway.Mode.LIVE else "test"
        mode_label = Gateway.Mode(mode).label
        public = cleaned.get("public_key")
        if public and not public.startswith(f"pk_{word}_"):
            self.add_error(
                "public_key",
                f"This publishable key is not a {word} key, but the mode is {mode_label}: "
                f"use pk_{word}_… or change the mode.",
            )
        secret = self.effective("secret_key")
        match = STRIPE_SECRET.match(secret) if "secret_key" not in self.errors else None
        if match and match[2] != word:
            stored = "" if cleaned.get("secret_key") else "stored "
            self.add_error(
                "secret_key",
                f"The {stored}secret key is not a {word} key, but the mode is {mode_label}: "
                f"paste the sk_{word}_… (or rk_{word}_…) key.",
            )
        return cleaned


FORMS: dict[str, type[GatewayForm]] = {
    Gateway.Type.PAYPAL: PayPalGatewayForm,
    Gateway.Type.STRIPE: StripeGatewayForm,
}
