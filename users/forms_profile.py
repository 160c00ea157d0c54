"""Forms of the signed-in user's own pages (profile, password, two-factor) and of the sign-in's
code step."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts.emails import NormalisedEmailField
from accounts.formatting import time_zone_choices
from accounts.phones import EXAMPLE as PHONE_EXAMPLE
from accounts.phones import parse_phone

from . import backup_codes
from .validators import PasswordRulesValidator


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=150)
    email = NormalisedEmailField(
        max_length=254,
        help_text="A new address is used once you confirm it from the link we send to it.",
    )
    mobile = forms.CharField(
        max_length=32,
        required=False,
        help_text=f"International format, e.g. {PHONE_EXAMPLE}. Confirm it with a code by SMS.",
    )
    time_zone = forms.ChoiceField(
        required=False,
        help_text="Empty: the account's time zone.",
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["time_zone"].choices = [("", "Account default"), *time_zone_choices()]
        self.fields["mobile"].widget.attrs.update(type="tel", autocomplete="tel")
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    @staticmethod
    def initial_for(user) -> dict:
        from accounts.phones import format_phone

        return {
            "name": user.name,
            "email": user.pending_email or user.email,
            "mobile": format_phone(user.mobile),
            "time_zone": user.time_zone,
        }

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_mobile(self):
        value = self.cleaned_data["mobile"]
        if not value.strip():
            return ""
        country = self.user.account.country.code if self.user.account_id else None
        return parse_phone(value, country or None, mobile=True)


class ChangePasswordForm(forms.Form):
    old_password = forms.CharField(
        label="Old password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PasswordRulesValidator().get_help_text()
        + " Not a common password, and not like your name or email.",
    )
    new_password2 = forms.CharField(
        label="Confirm new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        old, new, again = (
            cleaned.get(k) for k in ("old_password", "new_password1", "new_password2")
        )
        if new and again and new != again:
            self.add_error("new_password2", "The two new passwords differ.")
        if new:
            if old and new == old:
                self.add_error("new_password1", "The new password is your current one.")
            try:
                password_validation.validate_password(new, self.user)
            except ValidationError as error:
                self.add_error("new_password1", error)  # one message for each rule it fails
        return cleaned


class CodeForm(forms.Form):
    """A second-factor code. ``mode``: "app" (the 6 digits of an authenticator app), "backup"
    (a backup code) or "either" (whichever it looks like). Spaces are accepted and dropped; in a
    backup code, dashes too. ``cleaned_data["backup"]`` says which it was."""

    code = forms.CharField(max_length=32, strip=True)

    def __init__(self, *args, mode: str = "app", **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode
        field = self.fields["code"]
        field.widget.attrs.update(autocomplete="one-time-code", spellcheck="false")
        if mode == "backup":
            field.label = "Backup code"
            field.help_text = "One of your ten backup codes, like abcde-23456. Each works once."
        elif mode == "either":
            field.label = "Current code"
            field.help_text = "The 6 digits your authenticator app shows now, or a backup code."
        else:
            field.label = "Code from your authenticator app"
            field.help_text = "The 6 digits your app shows now."
            field.widget.attrs.update(inputmode="numeric")

    def clean_code(self):
        text = self.cleaned_data["code"]
        digits = re.sub(r"\s+", "", text)
        if self.mode == "either" and not (digits.isascii() and digits.isdigit()):
            self.cleaned_data["backup"] = True
            return self._backup_code(text)
        if self.mode == "backup":
            self.cleaned_data["backup"] = True
            return self._backup_code(text)
        self.cleaned_data["backup"] = False
        if not digits.isascii() or not digits.isdigit():
            raise ValidationError("Type digits only: the 6-digit code from your app.")
        if len(digits) != 6:
            raise ValidationError(f"The code has 6 digits; this has {len(digits)}.")
        return digits

    @staticmethod
    def _backup_code(text: str) -> str:
        code = backup_codes.normalise(text)
        if not backup_codes.looks_like_a_code(code):
            raise ValidationError(
                "A backup code has 10 letters and digits, like abcde-23456; check it."
            )
        return code


class MobileCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from the SMS",
        max_length=16,
        help_text="The 6 digits we just sent to your mobile.",
    )

    def clean_code(self):
        code = re.sub(r"\s+", "", self.cleaned_data["code"])
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise ValidationError("Type the 6 digits of the SMS.")
        return code


# --- Passkeys ------------------------------------------------------------------------------------

PASSKEY_NAME_HELP = "What you call it, e.g. “Work laptop” or “Security key”."
PASSKEY_NAME_ERRORS = {
    "required": "Give the passkey a name, e.g. “Work laptop”.",
    "max_length": "At most 64 characters.",
}


def _clean_passkey_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationError("Give the passkey a name, e.g. “Work laptop”.")
    if any(ord(c) < 32 for c in name):
        raise ValidationError("Use letters, digits and punctuation only.")
    return name


class PasskeyCredentialField(forms.CharField):
    """The browser's answer (JSON, filled in by static/js/passkeys.js)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64 * 1024)
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Your browser gave no passkey answer: passkeys need JavaScript and a "
                "browser that supports them.",
                "max_length": "The passkey answer is too long to be one.",
            },
        )
        super().__init__(**kwargs)


class HiddenErrorsOnTop:
    """Errors of hidden fields (which passkey, the browser's answer) are shown above the form."""

    def _post_clean(self):
        super()._post_clean()
        for name, field in self.fields.items():
            if field.widget.is_hidden and name in self._errors:
                errors = self._errors.pop(name)
                self._errors.setdefault(NON_FIELD_ERRORS, self.error_class(error_class="nonfield"))
                self._errors[NON_FIELD_ERRORS].extend(errors)


class PasskeyAddForm(HiddenErrorsOnTop, forms.Form):
    name = forms.CharField(
        label="Passkey name",
        max_length=64,
        help_text=PASSKEY_NAME_HELP,
        error_messages=PASSKEY_NAME_ERRORS,
    )
    credential = PasskeyCredentialField()

    def clean_name(self):
        return _clean_passkey_name(self.cleaned_data["name"])


class PasskeyRenameForm(HiddenErrorsOnTop, forms.Form):
    passkey = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(
        label="New name",
        max_length=64,
        help_text=PASSKEY_NAME_HELP,
        error_messages=PASSKEY_NAME_ERRORS,
    )

    def clean_name(self):
        return _clean_passkey_name(self.cleaned_data["name"])


class PasskeyRemoveForm(HiddenErrorsOnTop, CodeForm):
    """Which passkey, and a current second factor: a code (app or backup) or, instead, the
    answer of one of the user's passkeys (``credential``)."""

    passkey = forms.IntegerField(widget=forms.HiddenInput)
    credential = PasskeyCredentialField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, mode="either", **kwargs)
        self.fields["code"].required = False
        self.fields["code"].help_text = (
            "The 6 digits your authenticator app shows now, or a backup code; or leave it empty "
            "and confirm with a passkey."
        )

    def clean_code(self):
        if not self.cleaned_data.get("code"):
            self.cleaned_data["backup"] = False
            return ""
        return super().clean_code()


class PasskeyAssertionForm(HiddenErrorsOnTop, forms.Form):
    credential = PasskeyCredentialField()
