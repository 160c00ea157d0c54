"""My Servers: the server list, a server's page (summary, config, Actions ▾, health check and
both histories), the config dialog, operations, the health check and the list's refresh.

Views are thin: fetch through the account, bind the form, call a service, render or redirect.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.errors import Refused, show_refusal
from accounts.lists import Column, Listing, check_selected
from accounts.permissions import requires
from accounts.requests import safe_next_url
from accounts.tenancy import get_for_account_or_404

from . import services
from .actions import ACTIONS, refusal
from .forms import OperationForm, ServerConfigForm
from .models import HealthCheck, Operation, OperationStatus, Server, ServerStatus, ServerType, Zone

SAFE = ["GET", "HEAD"]
HISTORY_PER_PAGE = 10


def _labels_matching(choices, query: str) -> list[str]:
    query = query.lower()
    return [value for value, label in choices if query in label.lower()]


def search_servers(queryset, query: str):
    """IP, alias, cluster, FQDN, and the names of type, zone and status."""
    return queryset.filter(
        Q(ip_address__icontains=query)
        | Q(alias__icontains=query)
        | Q(cluster__icontains=query)
        | Q(fqdn__icontains=query)
        | Q(type__in=_labels_matching(ServerType.choices, query))
        | Q(zone__in=_labels_matching(Zone.choices, query))
        | Q(status__in=_labels_matching(ServerStatus.choices, query))
    )


SERVERS = Listing(
    id="servers",
    title="Servers",
    title_level=1,
    columns=(
        Column("IP", "ip", ("ip_address",)),
        Column("Type", "type"),
        Column("Cluster"),
        Column("Alias", "alias"),
        Column("Zone", "zone"),
        Column("CPS"),
        Column("Channels"),
        Column("Expires", "expires"),
        Column("Status", "status"),
        Column("Cost/Month", "cost", ("cost_per_month",)),
        Column("Health"),
    ),
    default_sort="ip",
    search=search_servers,
    item_name="server",
    help="servers",
    empty_text="No servers yet. The platform deploys servers for your account.",
)


@requires("servers")
@require_safe
def server_list(request):
    servers = SERVERS.bind(
        request,
        Server.objects.for_account(request.account),
        can_write=request.access.can_write("servers"),
        refresh_url=reverse("servers:list"),
        refresh_selected_url=reverse("servers:refresh"),
    )
    return render(request, "servers/list.html", {"servers": servers})


@requires("servers", write=True)
def server_refresh(request):
    """The toolbar's refresh: health-check the selected servers, then show the list again."""

    def health_check(servers):
        checks = services.check_servers(actor=request.actor, servers=servers)
        if len(checks) == 1:
            _report(request, checks[0])
        elif checks:
            _report_many(request, checks)

    return check_selected(
        request,
        Server.objects.for_account(request.account),
        health_check,
        noun="server",
        back=reverse("servers:list"),
        note="every server is also checked regularly",
    )


@requires("servers")
def server_detail(request, pk):
    server = get_for_account_or_404(Server, request.account, pk=pk)
    if request.method not in SAFE:  # after the lookup: another account's server is a 404 first
        return HttpResponseNotAllowed(SAFE)
    can_write = request.access.can_write("servers")
    operations = _history(request, Operation, server, "requested_by", "ops_page")
    checks = _history(request, HealthCheck, server, "checked_by", "checks_page")
    running = (
        Operation.objects.for_account(request.account)
        .filter(server=server, status=OperationStatus.REQUESTED)
        .first()
    )
    return render(
        request,
        "servers/detail.html",
        {
            "server": server,
            "can_write": can_write,
            "actions": _action_menu(server, request.account, running),
            "running": running,
            "running_text": services.running_operation_text(running) if running else "",
            "last_check": HealthCheck.objects.for_account(request.account)
            .filter(server=server)
            .select_related("checked_by")
            .first(),
            "operations": operations,
            "checks": checks,
            "timeout": f"{settings.SIP_OPTIONS_TIMEOUT:g}",
            "config_url": reverse("servers:config", kwargs={"pk": server.pk}) if can_write else "",
        },
    )


def _history(request, model, server, who: str, page_param: str):
    rows = model.objects.for_account(request.account).filter(server=server).select_related(who)
    return Paginator(rows, HISTORY_PER_PAGE).get_page(request.GET.get(page_param))


def _action_menu(server, account, running) -> list[dict]:
    """Every action with why it is not possible now (empty: it is)."""
    menu = []
    for action in ACTIONS.values():
        reason = "Another action is still running." if running else refusal(action, server, account)
        menu.append({"action": action, "reason": reason})
    return menu


@requires("servers", write=True)
def server_config(request, pk):
    server = get_for_account_or_404(Server, request.account, pk=pk)
    form = ServerConfigForm(request.POST or None, server=server)
    if request.method == "POST" and form.is_valid():
        try:
            server, changes = services.update_config(
                actor=request.actor, server=server, data=form.cleaned_data
            )
        except Refused as refused:
            show_refusal(form, refused)
        else:
            if not changes:
                messages.success(request, "Nothing changed in the server config.")
            elif server.restart_needed:
                messages.success(
                    request,
                    f"The config of {server.name} was saved. Restart the server to apply it.",
                )
            else:
                messages.success(request, f"The config of {server.name} was saved.")
            return redirect("servers:detail", pk=server.pk)
    return render(request, "servers/config_form.html", {"form": form, "server": server})


@requires("servers", write=True)
def server_operate(request, pk):
    """POST an action (Start, Stop, Restart, Reactivate). GET: back to the server's page."""
    server = get_for_account_or_404(Server, request.account, pk=pk)
    back = reverse("servers:detail", kwargs={"pk": server.pk})
    if request.method != "POST":
        return redirect(back)
    form = OperationForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was done. {form.refusal()}")
        return redirect(back)
    label = ACTIONS[form.cleaned_data["action"]].label
    try:
        operation = services.request_operation(
            actor=request.actor, server=server, action=form.cleaned_data["action"]
        )
    except Refused as refused:
        messages.error(request, f"{label} was not done. {refused.message}")
        return redirect(back)
    operation.refresh_from_db()  # with an inline task backend it has run already
    if operation.status == OperationStatus.DONE:
        messages.success(request, f"{label}: done. {operation.message}")
    elif operation.status == OperationStatus.FAILED:
        messages.error(request, f"{label} failed. {operation.message}")
    else:
        messages.success(
            request, f"{label} was requested. The history below shows when it is done."
        )
    return redirect(back)


@requires("servers", write=True)
def server_check(request, pk):
    """POST: send SIP OPTIONS now and say what came back. GET: back to the server's page."""
    server = get_for_account_or_404(Server, request.account, pk=pk)
    back = safe_next_url(request) or reverse("servers:detail", kwargs={"pk": server.pk})
    if request.method == "POST":
        check = services.check_server(actor=request.actor, server=server)
        if check is not None:
            _report(request, check)
    return redirect(back)


def _report(request, check: HealthCheck) -> None:
    text = f"Health check of {check.server.name} ({check.target}): {check.summary.rstrip('.')}"
    if check.server_header:
        text += f", Server: {check.server_header}"
    if check.rtt_ms is not None:
        text += f", {check.rtt_text}"
    if check.outcome == "ok":
        messages.success(request, text + ".")
    else:
        messages.error(request, text + ".")


def _report_many(request, checks: list[HealthCheck]) -> None:
    """One line for a refresh of several servers; the list shows each one's result."""
    ok = [c for c in checks if c.outcome == "ok"]
    not_ok = [c for c in checks if c.outcome != "ok"]
    text = f"Checked {len(checks)} servers: {len(ok)} answered OK."
    if not_ok:
        names = ", ".join(f"{c.server.name} ({c.summary.rstrip('.')})" for c in not_ok)
        messages.error(request, f"{text} Not OK: {names}.")
    else:
        messages.success(request, text)
