"""The REST API's URLs (mounted at /api/v1/ by api/panel.py), namespace "api". A path under
/api/v1/ that names no operation answers 404 in the API's error shape, not the panel's page."""

from django.http import JsonResponse
from django.urls import re_path

from accounts.apikit import error_body

from .rest import api


def unknown_path(request, rest=""):
    return JsonResponse(error_body("not_found", "No such API operation."), status=404)


urlpatterns = [*api.urls[0], re_path(r"^(?P<rest>.*)$", unknown_path, name="unknown")]
app_name = "api"
