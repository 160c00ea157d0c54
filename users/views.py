from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.actors import Actor
from accounts.errors import Refused, show_refusal
from accounts.permissions import public, signed_in
from accounts.policy import passkey_required, pop_sign_out_notice
from accounts.requests import safe_next_url

from . import half_login, services, throttle
from .forms import InvitationForm, PasswordResetForm, SignInForm
from .forms_profile import CodeForm, PasskeyAssertionForm
from .invitations import InvitationInvalid, user_for_token
from .middleware import allowed_while_enrolling
from .models import Passkey, StaticDevice, TOTPDevice, User


@public("the sign-in page")
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request):
    if request.user.is_authenticated:
        return redirect(_landing(request.user))
    notice = pop_sign_out_notice(request)  # e.g. signed out after the idle timeout
    if notice:
        messages.info(request, notice)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in(
                request, form.cleaned_data["email"], form.cleaned_data["password"]
            )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            if not request.user.is_authenticated:  # the password was right; a code is due
                code_url = reverse("users:login_code")
                if safe_next_url(request):
                    code_url += "?" + urlencode({"next": safe_next_url(request)})
                return half_login.attach_cookie(request, redirect(code_url))
            return redirect(safe_next_url(request) or _landing(user))
    return render(request, "users/sign_in.html", {"form": form, "next": safe_next_url(request)})


@public("the code step of sign-in; only a half sign-in begun in this browser gets any further")
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def sign_in_code(request):
    """The second step: one of the user's passkeys (offered first when they have one), a code
    from the authenticator app, or a backup code (``?method=passkey|app|backup``)."""
    if request.user.is_authenticated:
        return redirect(_landing(request.user))
    try:
        pending = half_login.current(request)
    except half_login.Expired:
        messages.error(
            request,
            f"Your sign-in took more than {half_login.MAX_AGE // 60} minutes. Enter your email "
            "and password again.",
        )
        return _back_to_password(request)
    if pending is None:
        messages.error(request, "Enter your email and password first.")
        return _back_to_password(request)
    methods = _second_factors(pending.user_id)
    asked = request.POST.get("method") or request.GET.get("method")
    if request.method == "POST":
        method = asked if asked in ("passkey", "backup") else "app"
    else:
        method = asked if asked in methods else next(iter(methods), "app")
    if method == "passkey":
        form = PasskeyAssertionForm(request.POST or None)
    else:
        form = CodeForm(request.POST or None, mode="backup" if method == "backup" else "app")
    if request.method == "POST" and form.is_valid():
        try:
            if method == "passkey":
                user = services.sign_in_with_passkey_second(
                    request, form.cleaned_data["credential"]
                )
            else:
                user = services.sign_in_with_code(
                    request, form.cleaned_data["code"], backup=method == "backup"
                )
        except Refused as refused:
            show_refusal(form, refused)
            if half_login.SESSION_KEY not in request.session:  # expired or void meanwhile
                messages.error(request, refused.message)
                return _back_to_password(request)
        else:
            response = redirect(safe_next_url(request) or _landing(user))
            return half_login.forget_cookie(response)
    return render(
        request,
        "users/sign_in_code.html",
        {
            "form": form,
            "method": method,
            "other_methods": [(m, label) for m, label in methods.items() if m != method],
            "next": safe_next_url(request),
        },
        status=400 if form.errors else 200,
    )


def _second_factors(user_id) -> dict[str, str]:
    """The ways the user can finish signing in, best first, with the link text for each."""
    user = User.all_accounts.select_related("account").filter(pk=user_id).first()
    if user is None:
        return {}
    found = {}
    if Passkey.all_accounts.filter(user=user).exists():
        found["passkey"] = "Use a passkey"
        if passkey_required(user.account, user):
            return found  # the account's policy: a code does not do for them
    if TOTPDevice.all_accounts.filter(user=user).exists():
        found["app"] = "Use your authenticator app"
    if StaticDevice.all_accounts.filter(user=user, codes__isnull=False).exists():
        found["backup"] = "Use a backup code"
    return found


def _back_to_password(request):
    return half_login.forget_cookie(redirect("users:login"))


@allowed_while_enrolling
@signed_in
@require_POST
def sign_out(request):
    services.sign_out(request)
    return redirect("users:login")


def _landing(user) -> str:
    return reverse("accounts:home") if user.account_id else reverse("admin:index")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "users/password_reset_form.html"
    email_template_name = "users/email/password_reset.txt"
    subject_template_name = "users/email/password_reset_subject.txt"
    success_url = reverse_lazy("users:password_reset_done")

    def form_valid(self, form):
        """The same answer whatever happens (no hint whether the email exists or was throttled)."""
        email = form.cleaned_data["email"]
        allowed = throttle.reset_allowed(email, self.request.actor.ip)
        for user in User.all_accounts.filter(email=email, is_active=True):  # the stored form
            audit.record(
                "password.reset_requested" if allowed else "password.reset_throttled",
                account=user.account,
                actor=self.request.actor,
                target=user,
            )
        if not allowed:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "users/password_reset_confirm.html"
    success_url = reverse_lazy("users:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        audit.record(
            "password.reset_completed",
            account=user.account,
            actor=Actor(user, self.request.actor.ip),
            target=user,
        )
        return response


password_reset = public("requests a reset mail; says the same whether or not the email exists")(
    PasswordResetView.as_view()
)
password_reset_done = public("confirmation page")(
    auth_views.PasswordResetDoneView.as_view(template_name="users/password_reset_done.html")
)
password_reset_confirm = public("the signed, expiring link from the reset mail")(
    PasswordResetConfirmView.as_view()
)
password_reset_complete = public("confirmation page")(
    auth_views.PasswordResetCompleteView.as_view(template_name="users/password_reset_complete.html")
)


@public("the single-use link from an invitation mail; the signed token identifies the user")
@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def invitation(request, token):
    try:
        user = user_for_token(token)
    except InvitationInvalid as invalid:
        return render(request, "users/invitation.html", {"problem": invalid.message}, status=404)
    form = InvitationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.accept_invitation(user, form.cleaned_data["new_password1"], actor=request.actor)
        messages.success(request, "Your password is set. Sign in with your email and password.")
        return redirect("users:login")
    return render(request, "users/invitation.html", {"form": form, "invited": user})


@public("Django admin's own sign-in page, replaced by the panel's throttled, audited sign-in")
def admin_sign_in(request):
    target = safe_next_url(request) or reverse("admin:index")
    return redirect(f"{reverse('users:login')}?{urlencode({'next': target})}")
