"""The signed-in user's own pages: Personal profile (name, e-mail, mobile, time zone) and
Change password. Any staff user may change their own, read-only users too."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from accounts.errors import Refused, show_refusal
from accounts.models import DeviceSession
from accounts.permissions import public, signed_in
from accounts.phones import format_phone
from accounts.policy import two_factor_required

from . import services_profile
from .email_change import EmailChangeInvalid, read_token
from .forms_profile import ChangePasswordForm, MobileCodeForm, ProfileForm
from .models import StaticDevice


@signed_in
@require_safe
def profile(request):
    user = request.user
    backup = StaticDevice.objects.for_account(user.account).filter(user=user).first()
    return render(
        request,
        "users/profile.html",
        {
            "me": user,
            "mobile_display": format_phone(user.mobile),
            "two_factor_required": two_factor_required(user.account, user),
            "backup_codes_left": backup.codes.count() if backup else 0,
        },
    )


@signed_in
def profile_edit(request):
    user = request.user
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        user=user,
        initial=ProfileForm.initial_for(user),
    )
    if form.is_bound and form.is_valid():
        try:
            saved = services_profile.update_profile(request.actor, **form.cleaned_data)
        except (Refused, ValidationError) as refused:
            show_refusal(form, refused)
        else:
            note = ""
            if saved.email_pending:
                note = (
                    f" We sent a confirmation link to {saved.email_pending}: your sign-in email "
                    "changes when you open it."
                )
            messages.success(request, "Profile saved." + note)
            return redirect("users:profile")
    status = 400 if form.errors else 200
    return render(request, "users/profile_edit.html", {"form": form}, status=status)


@signed_in
@require_POST
def email_cancel(request):
    services_profile.cancel_email_change(request.actor)
    messages.success(
        request, "The email change was cancelled; the link sent for it no longer works."
    )
    return redirect("users:profile")


@public("the signed, expiring link mailed to a new address; the token names the user")
@csrf_protect
@never_cache
def email_confirm(request, token):
    try:
        user, new_email = read_token(token)
    except EmailChangeInvalid as invalid:
        return render(request, "users/email_confirm.html", {"problem": invalid.message}, status=404)
    if request.method == "POST":
        try:
            services_profile.confirm_email_change(user, new_email, actor=request.actor)
        except Refused as refused:
            return render(
                request, "users/email_confirm.html", {"problem": refused.message}, status=409
            )
        messages.success(request, f"Your sign-in email is now {new_email}.")
        signed_in_here = request.user.is_authenticated and request.user.pk == user.pk
        return redirect("users:profile" if signed_in_here else "users:login")
    return render(request, "users/email_confirm.html", {"who": user, "new_email": new_email})


@signed_in
@require_POST
def mobile_send(request):
    try:
        number = services_profile.send_mobile_code(request.actor)
    except Refused as refused:
        messages.error(request, refused.message)
        return redirect("users:profile")
    messages.success(request, f"We sent a 6-digit code to {format_phone(number)}.")
    return redirect("users:mobile_confirm")


@signed_in
def mobile_confirm(request):
    form = MobileCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services_profile.confirm_mobile(request.actor, form.cleaned_data["code"])
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "Your mobile number is confirmed.")
            return redirect("users:profile")
    status = 400 if form.errors else 200
    return render(
        request,
        "users/mobile_confirm.html",
        {"form": form, "mobile_display": format_phone(request.user.mobile)},
        status=status,
    )


@signed_in
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def change_password(request):
    form = ChangePasswordForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            user = services_profile.change_password(
                request.actor,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            _keep_this_session(request, user)
            messages.success(
                request, "Your password was changed; your other sessions were signed out."
            )
            return redirect("users:profile")
    status = 400 if form.errors else 200
    return render(request, "users/change_password.html", {"form": form}, status=status)


def _keep_this_session(request, user) -> None:
    """This session stays signed in under the new password (a new session key: the known
    device keeps pointing at it, so revoking the device still ends it)."""
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    DeviceSession.objects.for_account(user.account).filter(session_key=old_key).update(
        session_key=request.session.session_key or ""
    )
