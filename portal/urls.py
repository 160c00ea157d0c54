"""The customer portal's URLs, served on a tenant's Verified portal domain.

The tenant middleware sets ``request.urlconf`` to this module for portal hosts (see
domains.routing.PortalSite), so none of the panel's URLs exist there.
"""

from django.urls import include, path

from accounts.registry import hooks

from . import views, views_profile, views_signup
from .urls_payments import payment_patterns

portal_patterns = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("login/code/", views.sign_in_code, name="login_code"),
    path("logout/", views.sign_out, name="logout"),
    path("reset-password/", views.password_reset, name="password_reset"),
    path(
        "reset-password/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("cdr/", views.cdr, name="cdr"),
    path("cdr/export.csv", views.cdr_export, name="cdr_export"),
    path("rates/", views.rates, name="rates"),
    path("rates/export.csv", views.rates_export, name="rates_export"),
    path("signup/", views_signup.sign_up, name="signup"),
    path("profile/", views_profile.profile, name="profile"),
    path("profile/password/", views_profile.change_password, name="profile_password"),
    path("profile/two-factor/", views_profile.two_factor, name="profile_two_factor"),
    path(
        "profile/two-factor/disable/",
        views_profile.disable_two_factor,
        name="profile_two_factor_disable",
    ),
    path("portal.css", views.stylesheet, name="stylesheet"),
    path("logo/", views.logo, name="logo"),
    *payment_patterns,
    # Other apps' areas of the portal (invoices: the Invoice area), without portal importing them.
    *(pattern for patterns in hooks("portal_url_patterns") for pattern in patterns()),
]

# This module is a root URLconf, where app_name means nothing: include() gives the "portal:" names.
urlpatterns = [path("", include((portal_patterns, "portal")))]

handler403 = "accounts.views.errors.forbidden"
handler404 = "accounts.views.errors.not_found"
handler500 = "accounts.views.errors.server_error"
