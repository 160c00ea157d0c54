from .navigation import MY_ACCOUNT_TABS, PROFILE_LINKS, SETUP_LINKS

DIALOG_HEADER = "X-Dialog"


def is_dialog(request) -> bool:
    """The request comes from the dialog script and wants the form without the page around it."""
    return request.headers.get(DIALOG_HEADER) == "1"


def shell(request):
    """What the panel layout needs: menu entries this user may see, the active one, the frame."""
    context = {
        "frame": "components/dialog_frame.html"
        if is_dialog(request)
        else "components/page_frame.html",
        # A dialog's POST that redirects is followed by fetch() with the dialog header; that page
        # is thrown away (app.js then loads the target), so it must leave the flash messages.
        "dialog_request": is_dialog(request),
    }
    access = getattr(request, "access", None)
    if getattr(request, "site", None) != "panel" or access is None or not access.is_staff_user:
        return context
    active = next(
        (s.key for s in [*MY_ACCOUNT_TABS, *SETUP_LINKS] if s.is_active(request.path)), ""
    )
    context.update(
        account_tabs=[tab for tab in MY_ACCOUNT_TABS if tab.visible_to(access)],
        setup_links=[link for link in SETUP_LINKS if link.visible_to(access)],
        profile_links=PROFILE_LINKS,
        active_section=active,
        in_my_account=any(tab.key == active for tab in MY_ACCOUNT_TABS),
    )
    return context
