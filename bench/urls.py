"""The panel's URLs, plus the bare view the benchmark compares every page with."""

from django.shortcuts import render
from django.urls import path

from accounts.permissions import public
from config.urls import urlpatterns as panel_urlpatterns


@public("the benchmark's baseline: a template render with no query")
def bare(request):
    return render(request, "bench/bare.html")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *panel_urlpatterns]
handler403 = "accounts.views.errors.forbidden"
handler404 = "accounts.views.errors.not_found"
handler500 = "accounts.views.errors.server_error"
