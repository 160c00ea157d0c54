"""The API tab: list, add, edit, check and delete the account's payment gateways."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_safe

from accounts.errors import Refused, show_refusal
from accounts.lists import AddChoice, Column, Listing, bulk_delete, check_selected
from accounts.permissions import requires
from accounts.tenancy import get_for_account_or_404

from . import services
from .forms import FORMS
from .models import Gateway
from .webhooks import webhook_url

GATEWAYS = Listing(
    id="gateways",
    title="Payment gateways",
    columns=(
        Column("Name", "name"),
        Column("Type", "type", ("type", "name")),
        Column("Mode", "mode", ("mode", "name")),
        Column("Client ID / key"),
        Column("Currencies"),
        Column("Status", "status", ("status", "name")),
    ),
    default_sort="name",
    item_name="gateway",
    help="api",
    empty_text="No gateways yet. Add your PayPal or Stripe credentials with Add ▾.",
)
SECRET_PARAMETERS = ("secret_key", "webhook_secret")


@requires("api")
@require_safe
def gateway_list(request):
    # The list shows no secret: do not decrypt them.
    gateways = Gateway.objects.for_account(request.account).defer("secret_key", "webhook_secret")
    listing = GATEWAYS.bind(
        request,
        gateways,
        can_write=request.access.can_write("api"),
        add_choices=[
            AddChoice(label, reverse("payment_gateways:add", args=[value]))
            for value, label in Gateway.Type.choices
        ],
        refresh_selected_url=reverse("payment_gateways:refresh"),
        delete_url=reverse("payment_gateways:delete"),
    )
    return render(request, "payment_gateways/list.html", {"gateways": listing})


@requires("api", write=True)
@sensitive_post_parameters(*SECRET_PARAMETERS)
def gateway_add(request, gateway_type):
    form_class = _form_class(gateway_type)
    form = form_class(request.POST or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        try:
            gateway = services.create_gateway(
                actor=request.actor,
                account=request.account,
                gateway_type=gateway_type,
                data=form.cleaned_data,
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            return _verified_redirect(request, gateway, "added")
    return _render_form(request, form, None)


@requires("api")
@sensitive_post_parameters(*SECRET_PARAMETERS)
def gateway_edit(request, pk):
    gateway = get_for_account_or_404(Gateway, request.account, pk=pk)
    form = FORMS[gateway.type](request.POST or None, account=request.account, instance=gateway)
    if request.method == "POST" and form.is_valid():
        try:
            gateway = services.update_gateway(
                actor=request.actor, gateway=gateway, data=form.cleaned_data
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            return _verified_redirect(request, gateway, "saved")
    return _render_form(request, form, gateway)


@requires("api", write=True)
def gateway_refresh(request):
    """Re-check the selected gateways with their gateway (the toolbar's refresh button)."""

    def verify(gateways):
        for gateway in services.verify_gateways(actor=request.actor, gateways=gateways):
            _report(request, gateway, "checked")

    return check_selected(
        request,
        Gateway.objects.for_account(request.account),
        verify,
        noun="gateway",
        back=reverse("payment_gateways:list"),
    )


@requires("api", write=True)
def gateway_delete(request):
    return bulk_delete(
        request, services.delete_gateways, noun="gateway", back=reverse("payment_gateways:list")
    )


def _form_class(gateway_type):
    try:
        return FORMS[gateway_type]
    except KeyError as exc:
        raise Http404("No such gateway type.") from exc


def _render_form(request, form, gateway):
    context = {
        "form": form,
        "gateway": gateway,
        "type_label": Gateway.Type(form.gateway_type).label,
        "webhook_url": webhook_url(gateway) if gateway is not None else "",
    }
    return render(request, "payment_gateways/form.html", context)


def _verified_redirect(request, gateway, verb):
    """Check the credentials just saved (after their transaction committed) and go to the list."""
    (gateway,) = services.verify_gateways(actor=request.actor, gateways=[gateway])
    _report(request, gateway, verb)
    return redirect("payment_gateways:list")


def _report(request, gateway, verb):
    if gateway.status == Gateway.Status.VERIFIED:
        messages.success(
            request, f"{gateway.name} {verb}: Verified by {gateway.get_type_display()}."
        )
    else:
        messages.error(
            request, f"{gateway.name} {verb}, but the check failed: {gateway.status_reason}"
        )
