"""The panel's URLs with `make run`'s fake gateways mounted under /dev/ (config/urls.py does this
when DEV_FAKE_GATEWAYS is on), for the tests of that mount."""

from django.urls import include, path

from config.urls import urlpatterns as panel_urlpatterns

urlpatterns = [path("dev/", include("tests.fakes.django_mount")), *panel_urlpatterns]
