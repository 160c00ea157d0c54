"""The signed-in contact's Profile (always in the portal's menu): the company (read-only), their
own name and phone, a new password (the current one first; this session stays signed in, the
contact's other sessions end), and two-factor sign-in (TOTP) on or off. Writes are in
portal/profile.py; the QR code and the candidate key are the panel's (users/two_factor.py)."""

from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts.errors import Refused, show_refusal
from accounts.permissions import public
from accounts.phones import EXAMPLE as PHONE_EXAMPLE
from accounts.phones import format_phone, parse_phone
from users import two_factor as totp
from users.validators import PasswordRulesValidator

from . import profile as services
from . import sessions
from .views import CONTACT_PAGE, _page

CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric"}


class DetailsForm(forms.Form):
    name = forms.CharField(
        label="Your name", max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        max_length=32,
        required=False,
        help_text=f"International form, e.g. {PHONE_EXAMPLE}.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, contact, **kwargs):
        self.contact = contact
        kwargs.setdefault("initial", {"name": contact.name, "phone": format_phone(contact.phone)})
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter your name.")
        return name

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return parse_phone(value, self.contact.account.country.code or None) if value else ""


class PasswordForm(forms.Form):
    current_password = forms.CharField(
        label="Current password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label="New password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PasswordRulesValidator().get_help_text(),
    )
    new_password2 = forms.CharField(
        label="New password again",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords do not match.")
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


class DisableForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        max_length=128,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="Or a code from your authenticator app",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )

    def clean(self):
        data = super().clean()
        if not data.get("password") and not data.get("code"):
            self.add_error("password", "Enter your password, or a code from your app.")
        return data


SAVED = {
    "details": "Your details are saved.",
    "password": "Your password is changed. Your other sessions are signed out.",
    "two_factor": "Two-factor sign-in is on: from now on you sign in with a code too.",
    "two_factor_off": "Two-factor sign-in is off.",
}


def _saved(what: str):
    return redirect(f"{reverse('portal:profile')}?saved={what}")


def _profile_page(request, *, details=None, password=None, disable=None, status=200):
    contact = request.contact
    context = {
        "customer": contact.customer,
        "details": details or DetailsForm(contact=contact),
        "password_form": password or PasswordForm(),
        "disable_form": disable or DisableForm(),
        "saved": SAVED.get(request.GET.get("saved", ""), ""),
    }
    return _page(request, "portal/profile.html", context, status=status)


@public(CONTACT_PAGE)
@csrf_protect
@never_cache
@sessions.contact_required()
def profile(request):
    if request.method != "POST":
        return _profile_page(request)
    form = DetailsForm(request.POST, contact=request.contact)
    if form.is_valid():
        try:
            services.update_profile(request.contact, form.cleaned_data, visitor=request.actor)
        except Refused as refused:
            show_refusal(form, refused)
        else:
            return _saved("details")
    return _profile_page(request, details=form, status=400)


@public(CONTACT_PAGE)
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
@sessions.contact_required()
def change_password(request):
    if request.method != "POST":
        return redirect("portal:profile")
    form = PasswordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            contact = services.change_password(
                request.contact,
                data["current_password"],
                data["new_password1"],
                visitor=request.actor,
            )
        except Refused as refused:
            if "password" in refused.errors:  # the password rules: about the new one
                refused.errors["new_password1"] = refused.errors.pop("password")
            show_refusal(form, refused)
        else:
            sessions.log_in(request, contact)  # this session, with the new password's hash
            return _saved("password")
    return _profile_page(request, password=form, status=400)


@public(CONTACT_PAGE)
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@sessions.contact_required()
def two_factor(request):
    """Set TOTP up: a QR code of a fresh key (kept encrypted in this session only), then a code
    from the app turns it on."""
    contact = request.contact
    if contact.totp_enabled:
        return redirect("portal:profile")
    key = totp.candidate_key(request, create=True)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enable_two_factor(
                contact, key, form.cleaned_data["code"], visitor=request.actor
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            totp.drop_candidate(request)
            return _saved("two_factor")
    issuer = request.portal.domain.brand
    uri = totp.otpauth_uri(key, issuer=issuer, label=contact.email)
    return _page(
        request,
        "portal/two_factor.html",
        {
            "form": form,
            "issuer": issuer,
            "qr": totp.qr_svg(uri, title=f"QR code for {issuer}"),
            "key_text": totp.grouped(key),
        },
        status=400 if form.errors else 200,
    )


@public(CONTACT_PAGE)
@sensitive_post_parameters("password", "code")
@csrf_protect
@never_cache
@sessions.contact_required()
def disable_two_factor(request):
    if request.method != "POST":
        return redirect("portal:profile")
    form = DisableForm(request.POST)
    if form.is_valid():
        try:
            services.disable_two_factor(
                request.contact,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
                visitor=request.actor,
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            return _saved("two_factor_off")
    return _profile_page(request, disable=form, status=400)
