"""The REST API's URLs (mounted at /api/v1/ by api/panel.py), namespace "api". A path under
/api/v1/ that names no operation answers 404 in the API's error shape, not the panel's page; a
method a path does not offer answers 405 in that shape too (ninja's own is a bare text), with
its ``Allow`` header."""

from functools import wraps

from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import re_path

from accounts.apikit import error_body

from .rest import api


def unknown_path(request, rest=""):
    return JsonResponse(error_body("not_found", "No such API operation."), status=404)


def _not_allowed_in_error_shape(view):
    @wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse(
                error_body("method_not_allowed", f"This path takes {allowed}."), status=405
            )
            response["Allow"] = allowed
        return response

    return answer


def _operation(pattern):
    pattern.callback = _not_allowed_in_error_shape(pattern.callback)
    return pattern


urlpatterns = [
    *map(_operation, api.urls[0]),
    re_path(r"^(?P<rest>.*)$", unknown_path, name="unknown"),
]
app_name = "api"
