from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from accounts.permissions import admin_only, requires, signed_in

from ..help import HELP_TOPICS, get_topic_or_404
from ..navigation import Section, my_account_tabs, setup_links


@signed_in
def home(request):
    """Land on the first section this user may open, or explain that there is none yet."""
    for section in [*my_account_tabs(), *setup_links()]:
        if section.visible_to(request.access):
            return redirect(section.route)
    return render(request, "accounts/no_access.html")


def not_available_view(section: Section):
    """The honest page for a section still to be built, behind the section's own permission."""

    @require_safe
    def view(request):
        return render(request, "accounts/not_available.html", {"section": section})

    view.__name__ = f"{section.key}_not_available"
    if section.module:
        return requires(section.module)(view)
    return admin_only(view) if section.admin_only else signed_in(view)


@signed_in
@require_safe
def help_topic(request, topic):
    """Help for a section: a dialog over the page, or a page of its own without JavaScript."""
    return render(request, "accounts/help.html", {"topic": get_topic_or_404(topic)})


@signed_in
@require_safe
def help_index(request):
    return render(request, "accounts/help_index.html", {"topics": HELP_TOPICS.values()})
