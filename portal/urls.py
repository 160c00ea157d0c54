"""The customer portal's URLs, served on a tenant's Verified portal domain.

The tenant middleware sets ``request.urlconf`` to this module for portal hosts (see
domains.routing.PortalSite), so none of the panel's URLs exist there. The customer-portal issue
adds the portal's sections here.
"""

from django.urls import include, path

from . import views

portal_patterns = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("portal.css", views.stylesheet, name="stylesheet"),
    path("logo/", views.logo, name="logo"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
]

# This module is a root URLconf, where app_name means nothing: include() gives the "portal:" names.
urlpatterns = [path("", include((portal_patterns, "portal")))]

handler403 = "accounts.views.errors.forbidden"
handler404 = "accounts.views.errors.not_found"
handler500 = "accounts.views.errors.server_error"
