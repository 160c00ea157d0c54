"""Passkey pages: adding, renaming and removing the signed-in user's passkeys (on the Two-factor
login page), the options each WebAuthn ceremony starts from, and the sign-in with a passkey
(passwordless, or as the second step). The browser side is static/js/passkeys.js; the writes
are in services_passkeys.py and services.py."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.errors import Refused, show_refusal
from accounts.permissions import public, signed_in
from accounts.requests import client_ip, safe_next_url

from . import half_login, passkeys, services, services_passkeys, throttle
from .forms import SignInForm
from .forms_profile import (
    PasskeyAddForm,
    PasskeyAssertionForm,
    PasskeyRemoveForm,
    PasskeyRenameForm,
)
from .middleware import allowed_while_enrolling
from .models import Passkey, User
from .views_two_factor import _status_page


def _panel_only(request):
    """Staff passkeys are the panel's: a portal host never starts or accepts a ceremony."""
    if getattr(request, "site", None) != "panel":
        raise Http404


def _json(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def _own_passkeys(user):
    return Passkey.objects.for_account(user.account).filter(user=user)


# --- The signed-in user's passkeys ---------------------------------------------------------------


@allowed_while_enrolling
@signed_in
@require_POST
def register_options(request):
    """The options for ``navigator.credentials.create()``; the challenge stays in the session."""
    _panel_only(request)
    user = request.user
    return _json(passkeys.registration_options(request, user, _own_passkeys(user)))


@allowed_while_enrolling
@signed_in
@require_POST
def confirm_options(request):
    """Options for ``navigator.credentials.get()`` with the user's own passkeys, to confirm a
    change (removing a passkey)."""
    _panel_only(request)
    user = request.user
    mine = list(_own_passkeys(user))
    if not mine:
        return _json('{"error": "You have no passkey."}')
    return _json(passkeys.authentication_options(request, "confirm", user=user, passkeys=mine))


@allowed_while_enrolling
@signed_in
@require_POST
def passkey_add(request):
    _panel_only(request)
    form = PasskeyAddForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            challenge = passkeys.take_challenge(request, "register")
            passkey = services_passkeys.register(
                request.actor,
                name=form.cleaned_data["name"],
                credential_json=form.cleaned_data["credential"],
                challenge=challenge,
            )
        except passkeys.NoChallenge as error:
            show_refusal(form, services_passkeys.challenge_refusal(error))
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"The passkey “{passkey.name}” was added.")
            return redirect("users:two_factor")
    return _status_page(request, add_form=form, status=400)


@signed_in
@require_POST
def passkey_rename(request):
    _panel_only(request)
    form = PasskeyRenameForm(request.POST, prefix="rename")
    if form.is_valid():
        try:
            passkey = services_passkeys.rename(
                request.actor, form.cleaned_data["passkey"], name=form.cleaned_data["name"]
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"The passkey is now called “{passkey.name}”.")
            return redirect("users:two_factor")
    return _status_page(request, rename_form=form, status=400)


@signed_in
@require_POST
@sensitive_post_parameters("remove-code")
def passkey_remove(request):
    _panel_only(request)
    form = PasskeyRemoveForm(request.POST, prefix="remove")
    if form.is_valid():
        credential = form.cleaned_data["credential"]
        try:
            challenge = passkeys.take_challenge(request, "confirm") if credential else None
            name = services_passkeys.remove(
                request.actor,
                form.cleaned_data["passkey"],
                code=form.cleaned_data["code"],
                backup=form.cleaned_data.get("backup", False),
                credential_json=credential,
                challenge=challenge,
            )
        except passkeys.NoChallenge as error:
            show_refusal(form, services_passkeys.challenge_refusal(error))
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, f"The passkey “{name}” was removed.")
            return redirect("users:two_factor")
    return _status_page(request, remove_form=form, status=400)


# --- Signing in with a passkey -------------------------------------------------------------------


@public("starts a passkey sign-in: a challenge kept in this browser's session, nothing else")
@csrf_protect
@require_POST
@never_cache
def login_options(request):
    """Options for ``navigator.credentials.get()``: for this browser's half sign-in, that
    user's passkeys (``purpose=second``); otherwise any discoverable passkey (passwordless)."""
    _panel_only(request)
    if not throttle.passkey_options_allowed(client_ip(request)):
        response = _json('{"error": "Too many passkey sign-ins from your address: wait a minute."}')
        response.status_code = 429
        return response
    if request.POST.get("purpose") == "second":
        try:
            pending = half_login.current(request)
        except half_login.Expired:
            pending = None
        user = (
            User.all_accounts.select_related("account").filter(pk=pending.user_id).first()
            if pending
            else None
        )
        if user is None:
            return _json('{"error": "Enter your email and password first."}')
        mine = list(_own_passkeys(user))
        if not mine:
            return _json('{"error": "You have no passkey: use a code instead."}')
        return _json(passkeys.authentication_options(request, "second", user=user, passkeys=mine))
    return _json(passkeys.authentication_options(request, "login"))


@public("passwordless sign-in: only a passkey answering this session's challenge signs in")
@sensitive_post_parameters("credential")
@csrf_protect
@require_POST
@never_cache
def login_passkey(request):
    _panel_only(request)
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = PasskeyAssertionForm(request.POST, prefix="passkey")
    if form.is_valid():
        try:
            user = services.sign_in_with_passkey(request, form.cleaned_data["credential"])
        except Refused as refused:
            show_refusal(form, refused)
        else:
            from .views import _landing

            return redirect(safe_next_url(request) or _landing(user))
    return render(
        request,
        "users/sign_in.html",
        {"form": SignInForm(), "passkey_form": form, "next": safe_next_url(request)},
        status=400,
    )
