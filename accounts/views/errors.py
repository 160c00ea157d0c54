"""Error pages. None of them names a tenant unless the viewer is signed in to it."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def forbidden(request, exception=None):
    message = str(exception) if exception and str(exception) else "You may not open this page."
    return render(request, "errors/403.html", {"message": message}, status=403)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors: they might be what failed.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
