"""Panel URLs: each app's declared mounts (``<app>/panel.py``). Portal hosts get their own
URLconf from the tenant middleware."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.registry import url_mounts
from users import views as users_views

urlpatterns = [
    # Platform superusers sign in like everyone else: throttled, audited, IP-whitelisted.
    path("admin/login/", users_views.admin_sign_in, name="admin_sign_in"),
    path("admin/", admin.site.urls),
    *(path(mount.path, include(mount.urls)) for mount in url_mounts()),
]

if settings.DEV_FAKE_GATEWAYS:  # config.settings.dev: `make run` pays through local fakes
    urlpatterns.append(path("dev/", include("tests.fakes.django_mount")))

handler403 = "accounts.views.errors.forbidden"
handler404 = "accounts.views.errors.not_found"
handler500 = "accounts.views.errors.server_error"
