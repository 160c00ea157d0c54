"""Panel URLs. Portal hosts get their own URLconf from the tenant middleware."""

from django.contrib import admin
from django.urls import include, path

from users import views as users_views

urlpatterns = [
    # Platform superusers sign in like everyone else: throttled, audited, IP-whitelisted.
    path("admin/login/", users_views.admin_sign_in, name="admin_sign_in"),
    path("admin/", admin.site.urls),
    path("", include("users.urls")),
    path("", include("accounts.urls")),
    path("account/api/", include("payment_gateways.urls")),
    path("", include("domains.urls")),
]

handler403 = "accounts.views.errors.forbidden"
handler404 = "accounts.views.errors.not_found"
handler500 = "accounts.views.errors.server_error"
