"""The Domains tab: the portal domain list, the add/edit dialog, the domain's page, Check,
refresh (re-check the selected) and delete. Views are thin: fetch through the account, bind the
form, call a service, render or redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.errors import Refused, show_refusal
from accounts.lists import Column, Listing, bulk_delete, check_selected
from accounts.permissions import requires
from accounts.requests import safe_next_url
from accounts.tenancy import get_for_account_or_404

from . import dns_check, services
from .forms import PortalDomainForm
from .logos import logo_response
from .models import DomainCheck, PortalDomain

SAFE = ["GET", "HEAD"]
HISTORY_PER_PAGE = 20
DOMAINS = Listing(
    id="domains",
    title="Portal",
    columns=(
        Column("Domain", "domain"),
        Column("Status", "status", ("status", "domain")),
        Column("Goto"),
    ),
    default_sort="domain",
    item_name="domain",
    help="domains",
)


def portal_url(request, domain: PortalDomain) -> str:
    """Where the portal answers: this request's scheme and port, on the portal's domain."""
    host = request.get_host()
    port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else ""
    return f"{request.scheme}://{domain.domain}{':' + port if port else ''}/"


@requires("domains")
@require_safe
def domain_list(request):
    domains = DOMAINS.bind(
        request,
        PortalDomain.objects.for_account(request.account).with_claim_state(),
        can_write=request.access.can_write("domains"),
        add_url=reverse("domains:add"),
        refresh_url=reverse("domains:list"),
        refresh_selected_url=reverse("domains:refresh"),
        delete_url=reverse("domains:delete"),
    )
    for domain in domains:
        domain.open_url = portal_url(request, domain) if domain.is_verified else ""
    return render(
        request, "domains/list.html", {"domains": domains, "target": dns_check.target_name()}
    )


@requires("domains", write=True)
def domain_add(request):
    form = PortalDomainForm(request.POST or None, request.FILES or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        try:
            domain = services.create_domain(
                actor=request.actor, account=request.account, data=form.cleaned_data
            )
        except (Refused, ValidationError) as refused:
            show_refusal(form, refused)
        else:
            messages.success(
                request,
                f"{domain.domain} was added. Create its CNAME and TXT records, then press Check.",
            )
            return redirect("domains:detail", pk=domain.pk)
    return _form_page(request, form, None)


@requires("domains", write=True)
def domain_edit(request, pk):
    domain = get_for_account_or_404(PortalDomain, request.account, pk=pk)
    form = PortalDomainForm(
        request.POST or None, request.FILES or None, account=request.account, instance=domain
    )
    if request.method == "POST" and form.is_valid():
        old_name = domain.domain
        try:
            domain = services.update_domain(
                actor=request.actor, domain=domain, data=form.cleaned_data
            )
        except (Refused, ValidationError) as refused:
            show_refusal(form, refused)
        else:
            if domain.domain != old_name:  # a new claim: new records to create
                messages.success(
                    request,
                    f"{domain.domain} was saved. It is a new claim: create its CNAME and TXT "
                    "records, then press Check.",
                )
                return redirect("domains:detail", pk=domain.pk)
            messages.success(request, f"{domain.domain} was saved.")
            return redirect("domains:list")
    return _form_page(request, form, domain)


def _form_page(request, form, domain):
    return render(
        request,
        "domains/form.html",
        {"form": form, "domain": domain, "target": dns_check.target_name()},
    )


@requires("domains")
def domain_detail(request, pk):
    domains = PortalDomain.objects.for_account(request.account).with_claim_state()
    domain = get_for_account_or_404(domains, request.account, pk=pk)
    if request.method not in SAFE:  # after the lookup: another account's domain is a 404 first
        return HttpResponseNotAllowed(SAFE)
    history = Paginator(
        domain.checks.for_account(request.account).select_related("checked_by"), HISTORY_PER_PAGE
    ).get_page(request.GET.get("page"))
    can_write = request.access.can_write("domains")
    return render(
        request,
        "domains/detail.html",
        {
            "domain": domain,
            "history": history,
            "can_write": can_write,
            "edit_url": reverse("domains:edit", kwargs={"pk": domain.pk}) if can_write else "",
            "target": dns_check.target_name(),
            "open_url": portal_url(request, domain) if domain.is_verified else "",
        },
    )


@requires("domains", write=True)
def domain_check(request, pk):
    """POST: resolve the CNAME now and say what was found. GET: back to the domain's page."""
    domain = get_for_account_or_404(PortalDomain, request.account, pk=pk)
    back = safe_next_url(request) or reverse("domains:detail", kwargs={"pk": domain.pk})
    if request.method != "POST":
        return redirect(back)
    check = services.check_domain(actor=request.actor, domain=domain)
    _report(request, [check] if check else [])
    return redirect(back)


@requires("domains", write=True)
def domain_refresh(request):
    """The toolbar's refresh: re-check the selected domains, then show the list again."""
    return check_selected(
        request,
        PortalDomain.objects.for_account(request.account),
        lambda domains: _report(
            request, services.check_domains(actor=request.actor, domains=domains)
        ),
        noun="domain",
        back=reverse("domains:list"),
        note="every domain is also re-checked automatically",
    )


@requires("domains", write=True)
def domain_delete(request):
    return bulk_delete(
        request, services.delete_domains, noun="domain", back=reverse("domains:list")
    )


@requires("domains")
def domain_logo(request, pk):
    domain = get_for_account_or_404(PortalDomain, request.account, pk=pk)
    if request.method not in SAFE:
        return HttpResponseNotAllowed(SAFE)
    return logo_response(domain)


def _report(request, checks) -> None:
    for check in checks:
        if check.status == DomainCheck.Outcome.VERIFIED:
            messages.success(request, f"{check.name} is Verified. {check.found}")
        elif check.status == DomainCheck.Outcome.FAILED:
            messages.error(request, f"{check.name} failed the check. {check.found}")
        else:  # DNS gave no answer: the domain keeps its status
            status = check.domain.get_status_display()
            messages.warning(
                request, f"{check.name} could not be checked now; still {status}. {check.found}"
            )
