"""The API tokens tab: the account's tokens, a new one (its text shown once), revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.errors import Refused, show_refusal
from accounts.lists import Column, Listing
from accounts.permissions import MODULES, requires
from accounts.tenancy import get_for_account_or_404

from . import services
from .forms import TokenForm
from .models import ApiToken

TOKENS = Listing(
    id="api-tokens",
    title="API tokens",
    columns=(
        Column("Name", "name"),
        Column("Token"),
        Column("Scopes"),
        Column("Created by"),
        Column("Expires", "expires"),
        Column("Last used", "last_used"),
        Column("Status"),
        Column(""),
    ),
    checkboxes=False,
    item_name="token",
    help="api-tokens",
    empty_text="No API tokens yet.",
)


@requires("config")
@require_safe
def tokens_page(request):
    can_write = request.access.can_write("config")
    tokens = TOKENS.bind(
        request,
        ApiToken.objects.for_account(request.account).select_related("created_by"),
        can_write=can_write,
        add_url=reverse("api_tokens:add"),
        refresh_url=request.path,
    )
    for token in tokens:  # display values computed once here, not cell by cell
        token.scope_text = ", ".join(
            f"{MODULES[k].label} {'write' if v == 'write' else 'read'}"
            for k, v in sorted(token.scopes.items())
            if k in MODULES
        )
        token.revoke_url = (
            reverse("api_tokens:revoke", args=[token.pk]) if can_write and not token.revoked else ""
        )
    return render(request, "api/tokens.html", {"tokens": tokens})


@requires("config", write=True)
def token_add(request):
    form = TokenForm(request.POST or None, access=request.access)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, text = services.create_token(
                actor=request.actor,
                name=data["name"],
                scopes=form.scopes(),
                expires=data["expires"],
                ip_allowlist=data["ip_allowlist"],
            )
        except (Refused, ValidationError) as refusal:
            show_refusal(form, refusal)
        else:
            # Shown once, in this response: never stored, never in a redirect or a message.
            response = render(request, "api/token_created.html", {"token": token, "text": text})
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request, "api/token_form.html", {"form": form}, status=400 if form.errors else 200
    )


@requires("config", write=True)
def token_revoke(request, pk):
    token = get_for_account_or_404(ApiToken, request.account, pk=pk)
    if request.method == "POST":
        try:
            services.revoke_token(actor=request.actor, token=token)
        except Refused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"Token {token.name} revoked.")
        return redirect("api_tokens:list")
    return render(request, "api/token_revoke.html", {"token": token})
