"""Required two-factor login (the account's security policy, accounts/policy.py).

A signed-in staff user whom the policy requires to use two-factor login, and who has not set it
up, is sent to the set-up page (and an Administrator whom it requires to have a passkey, and
who has none, to the Two-factor login page) by every panel view except those marked
:func:`allowed_while_enrolling` (the two-factor pages themselves and signing out) and public ones.
It lives here, not in the core, because the set-up pages and the sign-in are this app's.
"""

from django.shortcuts import redirect

from accounts.policy import passkey_required, two_factor_required


def allowed_while_enrolling(view):
    """Mark a view a user who still has to set up required two-factor login may open."""
    view.allowed_while_enrolling = True
    return view


class TwoFactorEnrolmentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if getattr(request, "site", None) != "panel" or not user.is_authenticated:
            return None
        requirement = getattr(view_func, "requirement", None)
        if getattr(view_func, "allowed_while_enrolling", False) or (
            requirement is not None and requirement.kind == "public"
        ):
            return None
        if passkey_required(user.account, user) and not _has_passkey(user):
            return redirect("users:two_factor")  # where a passkey is added
        if user.two_factor_enabled or not two_factor_required(user.account, user):
            return None
        return redirect("users:two_factor_setup")


def _has_passkey(user) -> bool:
    from .models import Passkey

    return Passkey.objects.for_account(user.account).filter(user=user).exists()
