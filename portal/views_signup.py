"""The portal's signup form (only while the domain has Customer signup on; else 404, and the
sign-in page shows no link). The service is portal/signup.py; the answer is the same page
whether the address was new or already had a login (no enumeration)."""

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts.emails import NormalisedEmailField
from accounts.errors import Refused, show_refusal
from accounts.permissions import public
from accounts.phones import EXAMPLE as PHONE_EXAMPLE
from accounts.phones import parse_phone
from users.validators import PasswordRulesValidator

from . import sessions, signup
from .views import _page


class SignupForm(forms.Form):
    company = forms.CharField(label="Company name", max_length=120)
    name = forms.CharField(
        label="Your name", max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = NormalisedEmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        max_length=32,
        required=False,
        help_text=f"International form, e.g. {PHONE_EXAMPLE}.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password1 = forms.CharField(
        label="Password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PasswordRulesValidator().get_help_text(),
    )
    password2 = forms.CharField(
        label="Confirm the password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    currency = forms.ChoiceField()

    def __init__(self, *args, domain, **kwargs):
        self.domain = domain
        super().__init__(*args, **kwargs)
        offered = signup.currencies_of(domain)
        if len(offered) > 1:
            self.fields["currency"].choices = [(code, code) for code in offered]
            self.fields["currency"].initial = signup.default_currency(domain)
        else:
            del self.fields["currency"]

    def _words(self, field: str, message: str) -> str:
        text = " ".join(self.cleaned_data[field].split())
        if not text:
            raise forms.ValidationError(message)
        return text

    def clean_company(self):
        return self._words("company", "Enter your company's name.")

    def clean_name(self):
        return self._words("name", "Enter your name.")

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        country = self.domain.account.country.code or None
        return parse_phone(value, country) if value else ""

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        elif first and "name" in data and "email" in data:
            try:
                signup.check_password(first, name=data["name"], email=data["email"])
            except Refused as refused:
                show_refusal(self, refused)
        return data

    def as_signup(self) -> signup.Signup:
        data = self.cleaned_data
        return signup.Signup(
            company=data["company"],
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            password=data["password1"],
            currency=data.get("currency") or signup.default_currency(self.domain),
        )


@public("the portal's signup form, only while the domain has Customer signup on (else 404)")
@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def sign_up(request):
    domain = request.portal.domain
    if not domain.customer_signup:
        raise Http404("This portal has no signup.")
    if sessions.current_contact(request) is not None:
        return redirect("portal:home")
    form = SignupForm(request.POST or None, domain=domain)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            signup.sign_up(domain, form.as_signup(), visitor=request.actor)
        except signup.SignupThrottled as throttled:
            form.add_error(None, throttled.message)
            status = 429
        except Refused as refused:
            show_refusal(form, refused)
        else:
            return _page(request, "portal/signup.html", {"done": True})
    if form.errors and status == 200:
        status = 400
    return _page(request, "portal/signup.html", {"form": form}, status=status)
