"""The customer portal on a Verified portal domain: the branded sign-in (with the TOTP step),
password reset by mail, sign-out, and the contact's sections: Dashboard, CDR and Rate Card.

``request.portal`` (set by the tenant middleware) says which domain and account; nothing of the
platform or of any other tenant is rendered. Every route is public in the panel's sense (no
staff user); the sections are for the signed-in contact (portal.sessions.contact_required), each
only when the domain's access area is on and not hidden for the customer (else a 404).
"""

from datetime import UTC
from urllib.parse import urlencode

from django import forms
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_safe

from accounts.csv_export import streamed_csv
from accounts.emails import NormalisedEmailField
from accounts.errors import Refused
from accounts.formatting import format_datetime
from accounts.lists import Column, Listing
from accounts.permissions import public
from domains import theme
from domains.logos import logo_response

from . import services, sessions, stats
from .forms import CdrFilterForm, ContactSignInForm
from .forms_rates import DialledForm as CardDialledForm
from .invitations import InvitationInvalid, contact_for_reset_token, contact_for_token
from .models import Cdr, Rate, search_rates

CONTACT_PAGE = "a contact's own page: portal.sessions.contact_required signs them in first"
RECENT_CALLS = 10

# Sections in the portal's menu: (url name, label, access area or None).
SECTIONS = [
    ("portal:home", "Dashboard", None),
    ("portal:cdr", "CDR", "cdr"),
    ("portal:rates", "Rate Card", "rate_card"),
    ("portal:payments", "Payments", "payments"),
    ("portal:invoices", "Invoices", "invoice"),
    ("portal:profile", "Profile", None),
]


def _page(request, template, context=None, status=200):
    """A portal page: the domain's branding, and for a signed-in contact the menu of the
    sections they get."""
    contact = getattr(request, "contact", None)
    menu = []
    if contact is not None:
        current = request.resolver_match.view_name if request.resolver_match else ""
        menu = [
            {"url": reverse(name), "label": label, "current": current == name}
            for name, label, area in SECTIONS
            if area is None or area in request.portal_areas
        ]
    context = {"portal": request.portal.domain, "contact": contact, "menu": menu, **(context or {})}
    return render(request, template, context, status=status)


# --- Sign-in, code, sign-out, reset --------------------------------------------------------------


@public("the portal's front door: the signed-in contact's dashboard, else the sign-in page")
@require_safe
@sessions.contact_required()
def home(request):
    contact, areas = request.contact, request.portal_areas
    customer = contact.customer
    context = {"customer": customer, "areas": areas}
    if "latest_calls" in areas:
        context["recent"] = list(
            Cdr.objects.for_account(request.account)
            .filter(customer=customer)
            .order_by("-start_time", "-id")[:RECENT_CALLS]
        )
    if areas & {"customer_asr", "customer_acd", "customer_cps", "customer_channels"}:
        context["tiles"] = stats.last_24_hours(customer)
    return _page(request, "portal/dashboard.html", context)


@public("the portal's branded sign-in page")
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request):
    domain = request.portal.domain
    if sessions.current_contact(request) is not None:
        return redirect("portal:home")
    form = ContactSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.sign_in_contact(
                request, domain, form.cleaned_data["email"], form.cleaned_data["password"]
            )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            if contact.totp_enabled and contact.totp_key:  # the code step finishes it
                return redirect("portal:login_code")
            return redirect("portal:home")
    return _page(request, "portal/sign_in.html", {"form": form})


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


@public("the code step of a contact's sign-in: only a half sign-in of this session gets further")
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def sign_in_code(request):
    domain = request.portal.domain
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_in_contact_code(request, domain, form.cleaned_data["code"])
        except Refused as refused:
            form.add_error("code", refused.message)
        else:
            return redirect("portal:home")
    elif request.method != "POST":
        try:
            if sessions.half_contact(request) is None:
                return redirect("portal:login")
        except sessions.HalfExpired:
            return redirect("portal:login")
    return _page(
        request, "portal/sign_in_code.html", {"form": form}, status=400 if form.errors else 200
    )


@public("ends the caller's own portal session (POST); a GET only goes back to the portal")
@csrf_protect
def sign_out(request):
    if request.method != "POST":
        return redirect("portal:home")
    services.sign_out_contact(request, sessions.current_contact(request))
    return redirect("portal:login")


class ResetForm(forms.Form):
    email = NormalisedEmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


@public("asks for a password-reset mail; answers the same whether or not the email exists")
@csrf_protect
@never_cache
def password_reset(request):
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(request, request.portal.domain, form.cleaned_data["email"])
        return _page(request, "portal/password_reset.html", {"sent": True})
    return _page(
        request, "portal/password_reset.html", {"form": form}, status=400 if form.errors else 200
    )


@public("a contact's password reset: the signed, expiring single-use token names the contact")
@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def password_reset_confirm(request, token):
    from users.forms import InvitationForm

    try:
        contact = contact_for_reset_token(request.account, token)
    except InvitationInvalid as invalid:
        return _page(request, "portal/password_reset_confirm.html", {"problem": invalid.message})
    form = InvitationForm(request.POST or None, user=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(request, contact, form.cleaned_data["new_password1"])
        except Refused as refused:
            form.add_error("new_password1", refused.message)
        else:
            return _page(request, "portal/password_reset_confirm.html", {"done": True})
    return _page(
        request,
        "portal/password_reset_confirm.html",
        {"form": form, "invited": contact},
        status=400 if form.errors else 200,
    )


@public("a contact's invitation: the signed, single-use token names the contact")
@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def invitation(request, token):
    """Where an invited contact chooses their password (the link of the invitation mail, on
    this portal's own host). The token is checked against this domain's account only."""
    from users.forms import InvitationForm

    try:
        contact = contact_for_token(request.account, token)
    except InvitationInvalid as invalid:
        return _page(
            request,
            "portal/invitation.html",
            {"problem": invalid.message},
            status=400 if request.method == "POST" else 200,
        )
    form = InvitationForm(request.POST or None, user=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_invitation(
                contact, form.cleaned_data["new_password1"], actor=request.actor
            )
        except Refused as refused:
            form.add_error("new_password1", refused.message)
        else:
            return _page(request, "portal/invitation.html", {"done": True})
    return _page(
        request,
        "portal/invitation.html",
        {"form": form, "invited": contact},
        status=400 if form.errors else 200,
    )


# --- CDR -----------------------------------------------------------------------------------------

PORTAL_CDRS = Listing(
    id="portal-cdrs",
    title="Calls",
    title_level=1,
    columns=(
        Column("Start", "start", ("start_time",)),
        Column("Caller"),
        Column("Callee"),
        Column("Destination"),
        Column("Duration", "duration"),
        Column("Rate/min"),
        Column("Cost", "cost"),
        Column("Disposition"),
    ),
    default_sort="-start",
    item_name="call",
    empty_text="No calls in these dates.",
    checkboxes=False,
)
CDR_CSV_HEADER = [
    "Start",
    "Start (UTC)",
    "Caller",
    "Callee",
    "Destination",
    "Duration (s)",
    "Rate per minute",
    "Cost",
    "Currency",
    "Disposition",
    "SIP code",
    "DTMF",
]
CDR_FIELDS = [
    "start_time",
    "caller",
    "callee",
    "destination",
    "duration",
    "rate",
    "cost",
    "currency",
    "disposition",
    "sip_code",
    "dtmf",
]


def _own_calls(request):
    form = CdrFilterForm(request.GET, account=request.account, customers=False)
    form.is_valid()
    calls = Cdr.objects.for_account(request.account).filter(customer=request.contact.customer)
    return form, form.filter(calls)


@public(CONTACT_PAGE)
@require_safe
@sessions.contact_required("cdr")
def cdr(request):
    form, calls = _own_calls(request)
    query = request.GET.copy()
    query.pop("page", None)
    listing = PORTAL_CDRS.bind(
        request,
        calls.only(*CDR_FIELDS),
        export_url=reverse("portal:cdr_export") + (f"?{query.urlencode()}" if query else ""),
        filters=form,
    )
    return _page(request, "portal/cdr.html", {"calls": listing, "filters": form})


@public(CONTACT_PAGE)
@require_safe
@sessions.contact_required("cdr")
def cdr_export(request):
    _, calls = _own_calls(request)
    date_format, tz_name = request.account.date_format, timezone.get_current_timezone_name()
    labels = dict(Cdr.Disposition.choices)

    def row(v):
        start, caller, callee, destination, duration, rate, cost, currency, disp, code, dtmf = v
        return [
            format_datetime(start, date_format, tz_name),
            start.astimezone(UTC).isoformat(),
            caller,
            callee,
            destination,
            duration,
            f"{rate:f}",
            f"{cost:.4f}",
            currency,
            labels.get(disp, disp),
            code,
            "yes" if dtmf else "no",
        ]

    rows = calls.order_by("-start_time", "-id").values_list(*CDR_FIELDS)
    stamp = timezone.localdate().isoformat()
    return streamed_csv(
        f"calls-{stamp}.csv", CDR_CSV_HEADER, (row(v) for v in rows.iterator(chunk_size=2000))
    )


# --- Rate card -----------------------------------------------------------------------------------


def current_rates(account, card, on=None):
    """Per prefix, the rate in effect ``on`` (default today): the newest not in the future."""
    on = on or timezone.localdate()
    newer = Rate.all_accounts.filter(
        rate_card=OuterRef("rate_card"),
        prefix=OuterRef("prefix"),
        effective_from__gt=OuterRef("effective_from"),
        effective_from__lte=on,
    )
    return (
        Rate.objects.for_account(account)
        .filter(rate_card=card, effective_from__lte=on)
        .exclude(Exists(newer))
        .select_related("rate_card")
    )


RATES = Listing(
    id="rates",
    title="Rate Card",
    title_level=1,
    columns=(
        Column("Prefix", "prefix"),
        Column("Destination", "destination"),
        Column("Rate per minute", "rate"),
        Column("Effective from"),
    ),
    default_sort="prefix",
    search=search_rates,
    item_name="rate",
    empty_text="No rates.",
    checkboxes=False,
)


class DialledForm(CardDialledForm):
    """The panel's dialled-number box, in the customer's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = self.fields["number"]
        number.help_text = "The rate for a number: its longest prefix on your rate card."


@public(CONTACT_PAGE)
@require_safe
@sessions.contact_required("rate_card")
def rates(request):
    customer = request.contact.customer
    card = customer.rate_card
    dialled = DialledForm(request.GET)
    match = None
    if card is not None and dialled.is_valid() and dialled.cleaned_data["number"]:
        match = card.match(dialled.cleaned_data["number"]) or False
    listing = (
        RATES.bind(
            request,
            current_rates(request.account, card),
            export_url=reverse("portal:rates_export")
            + (f"?{urlencode({'q': request.GET['q']})}" if request.GET.get("q") else ""),
        )
        if card is not None
        else None
    )
    return _page(
        request,
        "portal/rates.html",
        {"card": card, "rates": listing, "dialled": dialled, "match": match},
    )


@public(CONTACT_PAGE)
@require_safe
@sessions.contact_required("rate_card")
def rates_export(request):
    card = request.contact.customer.rate_card
    rows = (
        current_rates(request.account, card)
        if card is not None
        else Rate.objects.for_account(request.account).none()
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        rows = search_rates(rows, query)
    values = rows.order_by("prefix", "pk").values_list(
        "prefix", "destination", "rate", "effective_from"
    )
    currency = card.currency if card is not None else ""
    return streamed_csv(
        "rate-card.csv",
        ["Prefix", "Destination", "Rate per minute", "Currency", "Effective from"],
        (
            [prefix, destination, f"{rate:f}", currency, since.isoformat()]
            for prefix, destination, rate, since in values.iterator(chunk_size=2000)
        ),
    )


# --- Branding ------------------------------------------------------------------------------------


@public("the portal's colours: public styling, no data")
@require_safe
def stylesheet(request):
    """The domain's primary colour as CSS custom properties. Pages link it with ?v=<colour>,
    so it can be cached: a new colour is a new URL."""
    properties = theme.custom_properties(request.portal.domain.primary_color)
    body = ":root {\n" + "".join(f"  {name}: {value};\n" for name, value in properties.items())
    response = HttpResponse(body + "}\n", content_type="text/css; charset=utf-8")
    patch_cache_control(response, public=True, max_age=86400)
    return response


@public("the portal's own logo, shown on its public sign-in page")
@require_safe
def logo(request):
    return logo_response(request.portal.domain, public=True)
