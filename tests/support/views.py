"""Views used only by the crawler's own tests: one scoped the right way, one that leaks."""

from django.http import HttpResponse

from accounts.permissions import requires
from accounts.tenancy import get_for_account_or_404

from .models import SecretNote


@requires("config")
def note(request, pk):
    found = get_for_account_or_404(SecretNote, request.account, pk=pk)
    return HttpResponse(found.label)


@requires("config")
def leaky_note(request, pk):
    found = SecretNote.objects.get(pk=pk)  # the mistake the crawler exists to catch
    if request.method == "POST":
        found.label = "overwritten"
        found.save()
    return HttpResponse(found.label)


def undeclared(request):
    return HttpResponse("declares no permission")
