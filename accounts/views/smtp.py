"""SMTP Details on the Config tab (Administrators): the edit dialog, Test Email, Test Mobile.

Test Email and Test Mobile ask first (GET, a dialog) and send on POST, showing the answer in the
same dialog: a GET never sends anything.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render

from accounts.permissions import admin_only

from .. import mail, services, sms
from ..errors import Refused, show_refusal
from ..forms import SmtpSettingsForm
from ..models import SmtpSettings
from ..navigation import SECTIONS
from ..phones import format_phone
from ..smtp import describe


def smtp_card_context(request) -> dict:
    """What the Config tab needs for the SMTP Details card (shown to Administrators only)."""
    if not request.access.can_admin():
        return {"show_smtp": False}
    saved = SmtpSettings.of(request.account)
    return {
        "show_smtp": True,
        "smtp": saved,
        "smtp_can_edit": request.access.can_admin(write=True),
        "smtp_security": describe(saved.security, saved.port) if saved else "",
    }


@admin_only
def smtp_edit(request):
    saved = SmtpSettings.of(request.account)
    form = SmtpSettingsForm(
        request.POST if request.method == "POST" else None,
        saved=saved,
        initial=SmtpSettingsForm.initial_for(saved),
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_smtp_settings(
                actor=request.actor, account=request.account, values=form.cleaned_data
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "SMTP Details saved.")
            return redirect("accounts:config")
    password_typed = form.is_bound and bool(request.POST.get("password"))
    return render(
        request,
        "accounts/smtp_edit.html",
        {"form": form, "password_typed": password_typed and bool(form.errors)},
    )


@admin_only
def smtp_test_email(request):
    outcome = services.send_test_email(actor=request.actor) if request.method == "POST" else None
    return render(
        request,
        "accounts/smtp_test_email.html",
        {
            "outcome": outcome,
            "saved": SmtpSettings.of(request.account),
            "platform_server": mail.PLATFORM_SERVER,
            "timeout": settings.SMTP_TIMEOUT_SECONDS,
        },
    )


@admin_only
def smtp_test_mobile(request):
    outcome = refusal = None
    if request.method == "POST":
        try:
            outcome = services.send_test_sms(actor=request.actor)
        except Refused as refused:
            refusal = refused.message
    mobile = sms.mobile_of(request.user)
    return render(
        request,
        "accounts/smtp_test_mobile.html",
        {
            "outcome": outcome,
            "refusal": refusal,
            "mobile": format_phone(mobile) if mobile else "",
            "sender": sms.sender_for(request.account),
            "profile_url": SECTIONS["profile"].url,
        },
    )
