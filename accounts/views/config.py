"""The Config tab: the account profile, its edit dialog, and the user's Security & Add-ons."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.permissions import requires, signed_in

from .. import services
from ..context_processors import is_dialog
from ..errors import Refused, show_refusal
from ..forms import AccountProfileForm, SecurityAddonsForm
from ..models import KnownDevice, SecurityAddons
from ..security import current_browser_hash
from ..tenancy import get_for_account_or_404
from .smtp import smtp_card_context

DEVICES_SHOWN = 20


@requires("config")
@require_safe
def config(request):
    account = request.account
    return render(
        request,
        "accounts/config.html",
        {
            "account": account,
            "can_edit": request.access.can_write("config"),
            "now": timezone.now(),
            "next_billing_change": services.next_billing_method_change(account),
            "currency_locked": services.account_has_payments(account),
            **_security_context(request),
            **smtp_card_context(request),
        },
    )


@requires("config", write=True)
def config_edit(request):
    account = request.account
    form = AccountProfileForm(
        request.POST if request.method == "POST" else None,
        account=account,
        currency_locked=services.account_has_payments(account),
        initial=AccountProfileForm.initial_for(account),
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_account_profile(
                actor=request.actor, account=account, values=form.cleaned_data
            )
        except (Refused, ValidationError) as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "Account profile saved.")
            return redirect("accounts:config")
    return render(request, "accounts/config_edit.html", {"form": form})


@signed_in
def config_security(request):
    """The signed-in user's own switches and known devices (any staff user: it is their own)."""
    addons = SecurityAddons.of(request.user)
    form = SecurityAddonsForm(
        request.POST if request.method == "POST" else None,
        initial={
            "login_notifications": addons.login_notifications,
            "new_device_alerts": addons.new_device_alerts,
        },
    )
    if form.is_bound and form.is_valid():
        services.update_security_addons(actor=request.actor, **form.cleaned_data)
        messages.success(request, "Security & Add-ons saved.")
        return redirect(_security_home(request))
    return render(
        request,
        "accounts/config_security.html",
        {"form": form, "is_dialog": is_dialog(request), **_security_context(request)},
    )


@signed_in
def device_revoke(request, pk):
    """Confirm (GET) and revoke (POST) a known device: its sessions end at once.

    Users reach their own devices; an Administrator reaches every device of the account.
    """
    devices = KnownDevice.objects.for_account(request.account).select_related("user")
    if not request.access.can_admin():
        devices = devices.filter(user=request.user)
    device = get_for_account_or_404(devices, request.account, pk=pk)
    if request.method == "POST":
        ended = services.revoke_device(actor=request.actor, device=device)
        messages.success(request, f"{device.browser} was revoked; {ended} session(s) on it ended.")
        return redirect(_security_home(request))
    return render(
        request,
        "accounts/device_revoke.html",
        {
            "device": device,
            "is_this_browser": device.token_hash == current_browser_hash(request),
            "back_url": reverse(_security_home(request)),
        },
    )


def _security_context(request) -> dict:
    devices = KnownDevice.objects.for_account(request.account).filter(user=request.user)
    return {
        "addons": SecurityAddons.of(request.user),
        "devices": devices[:DEVICES_SHOWN],
        "device_count": devices.count(),
        "this_browser": current_browser_hash(request),
    }


def _security_home(request) -> str:
    return "accounts:config" if request.access.can_view("config") else "accounts:config_security"
