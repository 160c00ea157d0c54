"""The Settings tab (Administrators): the account's security policy (accounts/policy.py), and
the cards other apps add through the ``settings_tab_cards`` hook (a callable of the request
returning the card's HTML), e.g. the invoicing preferences."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from accounts.permissions import admin_only

from .. import services
from ..errors import Refused, show_refusal
from ..forms import SecurityPolicyForm
from ..registry import hooks


@admin_only
@require_safe
def settings_page(request):
    cards = [mark_safe(card(request)) for card in hooks("settings_tab_cards")]  # noqa: S308 (rendered templates)
    return render(request, "accounts/settings.html", {"account": request.account, "cards": cards})


@admin_only
def settings_edit(request):
    account = request.account
    form = SecurityPolicyForm(
        request.POST if request.method == "POST" else None,
        own_ip=request.actor.ip,
        initial=SecurityPolicyForm.initial_for(account),
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_security_policy(
                actor=request.actor, account=account, values=form.cleaned_data
            )
        except (Refused, ValidationError) as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "Security policy saved.")
            return redirect("accounts:settings")
    status = 400 if form.errors else 200
    return render(request, "accounts/settings_edit.html", {"form": form}, status=status)
