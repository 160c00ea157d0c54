"""Two-factor login pages of the signed-in user (set-up, backup codes, turning it off) and an
Administrator's reset of another user's. The writes are in services_two_factor.py."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from accounts.errors import Refused, show_refusal
from accounts.permissions import admin_only, signed_in
from accounts.policy import passkey_required, two_factor_required
from accounts.tenancy import get_for_account_or_404

from . import backup_codes, services_two_factor, two_factor
from .forms_profile import CodeForm, PasskeyAddForm, PasskeyRemoveForm, PasskeyRenameForm
from .middleware import allowed_while_enrolling
from .models import Passkey, StaticDevice, TOTPDevice, User


def _status_page(
    request,
    *,
    off_form=None,
    new_form=None,
    add_form=None,
    rename_form=None,
    remove_form=None,
    status=200,
):
    """The Two-factor login page: the authenticator app and backup codes, and the passkeys. A
    refused rename or removal comes back bound to the passkey it was about."""
    user = request.user
    device = TOTPDevice.objects.for_account(user.account).filter(user=user).first()
    backup = StaticDevice.objects.for_account(user.account).filter(user=user).first()
    passkeys = list(Passkey.objects.for_account(user.account).filter(user=user))
    bound = {}
    for form, kind in ((rename_form, "rename"), (remove_form, "remove")):
        if form is not None:
            try:
                bound[kind] = int(form.data.get(form.add_prefix("passkey"), ""))
            except ValueError:
                bound[kind] = None
    rows = []
    for passkey in passkeys:
        mine_rename = rename_form if bound.get("rename") == passkey.pk else None
        mine_remove = remove_form if bound.get("remove") == passkey.pk else None
        rows.append(
            {
                "passkey": passkey,
                "rename_form": mine_rename
                or PasskeyRenameForm(
                    prefix="rename",
                    initial={"passkey": passkey.pk, "name": passkey.name},
                    auto_id=f"id_rename_{passkey.pk}_%s",
                ),
                "remove_form": mine_remove
                or PasskeyRemoveForm(
                    prefix="remove",
                    initial={"passkey": passkey.pk},
                    auto_id=f"id_remove_{passkey.pk}_%s",
                ),
            }
        )
    # A form about a passkey not on the list (another user's, removed meanwhile) shows above it.
    stray = [
        form
        for form, kind in ((rename_form, "rename"), (remove_form, "remove"))
        if form is not None and bound.get(kind) not in {p.pk for p in passkeys}
    ]
    return render(
        request,
        "users/two_factor.html",
        {
            "device": device,
            "backup_codes_left": backup.codes.count() if backup else 0,
            "required": two_factor_required(user.account, user),
            "passkey_required": passkey_required(user.account, user),
            "off_form": off_form or CodeForm(mode="either", prefix="off"),
            "new_form": new_form or CodeForm(mode="either", prefix="new"),
            "passkey_rows": rows,
            "stray_forms": stray,
            "add_form": add_form or PasskeyAddForm(prefix="add"),
        },
        status=status,
    )


@allowed_while_enrolling
@signed_in
@require_safe
def two_factor_page(request):
    return _status_page(request)


@allowed_while_enrolling
@signed_in
@never_cache
@sensitive_post_parameters("code")
def two_factor_setup(request):
    """The QR code and key of a candidate kept in the session; the device is made only once a
    code of it is typed (django-two-factor-auth's order, without the key ever in a URL)."""
    user = request.user
    if TOTPDevice.objects.for_account(user.account).filter(user=user).exists():
        messages.info(request, "Your authenticator app is set up already.")
        return redirect("users:two_factor")
    form = CodeForm(request.POST if request.method == "POST" else None)
    key = two_factor.candidate_key(request, create=request.method != "POST")
    if request.method == "POST" and key is None:
        form.is_valid()
        form.add_error(
            None,
            "The set-up was not started in this browser, or it has ended: nothing was turned "
            "on. Scan the QR code below (it is new) and type the code it gives.",
        )
        key = two_factor.candidate_key(request, create=True)
    elif form.is_bound and form.is_valid():
        try:
            codes = services_two_factor.enable(
                request.actor, key_hex=key, code=form.cleaned_data["code"]
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            two_factor.drop_candidate(request)
            two_factor.keep_fresh_codes(request, codes)
            messages.success(
                request,
                "Two-factor login is on. Save your backup codes now: they are shown only here.",
            )
            return redirect("users:two_factor_backup_codes")
    uri = two_factor.otpauth_uri(key, issuer=user.account.name, label=user.email)
    return render(
        request,
        "users/two_factor_setup.html",
        {
            "form": form,
            "qr": two_factor.qr_svg(uri, title=f"QR code for {user.account.name}: {user.email}"),
            "key_text": two_factor.grouped(key),
            "issuer": user.account.name,
            "required": two_factor_required(user.account, user),
        },
        status=400 if form.errors else 200,
    )


@allowed_while_enrolling
@signed_in
@never_cache
def backup_codes_page(request):
    """The codes just made (kept in the session, encrypted, until the user says they saved
    them); afterwards they cannot be shown again."""
    codes = two_factor.fresh_codes(request)
    if request.method == "POST":
        two_factor.drop_fresh_codes(request)
        messages.success(request, "Keep your backup codes safe: each signs you in once.")
        return redirect("users:two_factor")
    if codes is None:
        messages.info(
            request,
            "Backup codes are shown only once, right after they are made. Make new ones if you "
            "lost them.",
        )
        return redirect("users:two_factor")
    shown = [backup_codes.shown(code) for code in codes]
    return render(
        request, "users/two_factor_backup_codes.html", {"codes": shown, "text": "\n".join(shown)}
    )


@allowed_while_enrolling
@signed_in
@require_safe
@never_cache
def backup_codes_download(request):
    codes = two_factor.fresh_codes(request)
    if codes is None:
        return redirect("users:two_factor_backup_codes")
    user = request.user
    text = backup_codes.as_text_file(codes, account_name=user.account.name, email=user.email)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    name = slugify(user.account.name) or "account"
    response["Content-Disposition"] = f'attachment; filename="backup-codes-{name}.txt"'
    return response


@signed_in
@require_POST
@sensitive_post_parameters("new-code")
def backup_codes_new(request):
    form = CodeForm(request.POST, mode="either", prefix="new")
    if form.is_valid():
        try:
            codes = services_two_factor.regenerate_backup_codes(
                request.actor, code=form.cleaned_data["code"], backup=form.cleaned_data["backup"]
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            two_factor.keep_fresh_codes(request, codes)
            messages.success(
                request, "New backup codes are ready; the earlier ones no longer work."
            )
            return redirect("users:two_factor_backup_codes")
    return _status_page(request, new_form=form, status=400)


@signed_in
@require_POST
@sensitive_post_parameters("off-code")
def two_factor_disable(request):
    form = CodeForm(request.POST, mode="either", prefix="off")
    if form.is_valid():
        try:
            services_two_factor.disable(
                request.actor, code=form.cleaned_data["code"], backup=form.cleaned_data["backup"]
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "Two-factor login is off.")
            return redirect("users:two_factor")
    return _status_page(request, off_form=form, status=400)


@admin_only
def two_factor_reset(request, pk):
    """An Administrator turns off another user's two-factor login (a lost phone)."""
    target = get_for_account_or_404(User, request.account, pk=pk)
    if request.method == "POST":
        try:
            services_two_factor.reset(request.actor, target)
        except Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                f"Two-factor login of {target.email} was reset; their sessions were ended.",
            )
        return redirect("users:list")
    return render(request, "users/two_factor_reset.html", {"target": target})
