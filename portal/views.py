"""The portal's shell on a Verified portal domain: the branded sign-in page, its stylesheet and
logo. ``request.portal`` (set by the tenant middleware) says which domain and account; nothing of
the platform or of any other tenant is rendered. The customer-portal issue adds the sections."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_safe

from accounts.errors import Refused
from accounts.permissions import public
from domains import theme
from domains.logos import logo_response

from . import services
from .forms import ContactSignInForm
from .invitations import InvitationInvalid, contact_for_token


@public("the portal's front door; sends visitors to its sign-in page")
@require_safe
def home(request):
    # The customer-portal issue serves the signed-in contact's dashboard here.
    return redirect("portal:login")


@public("the portal's branded sign-in page")
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request):
    domain = request.portal.domain
    form = ContactSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_in_contact(
                request, domain, form.cleaned_data["email"], form.cleaned_data["password"]
            )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect("portal:home")
    return render(request, "portal/sign_in.html", {"portal": domain, "form": form})


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


@public("a contact's invitation: the signed, single-use token names the contact")
@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def invitation(request, token):
    """Where an invited contact chooses their password (the link of the invitation mail, on
    this portal's own host). The token is checked against this domain's account only."""
    from users.forms import InvitationForm

    domain = request.portal.domain
    try:
        contact = contact_for_token(request.account, token)
    except InvitationInvalid as invalid:
        return render(
            request,
            "portal/invitation.html",
            {"portal": domain, "problem": invalid.message},
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
            return render(request, "portal/invitation.html", {"portal": domain, "done": True})
    return render(
        request,
        "portal/invitation.html",
        {"portal": domain, "form": form, "invited": contact},
        status=400 if form.errors else 200,
    )
