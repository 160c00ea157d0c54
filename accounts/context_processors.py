from .navigation import my_account_tabs, profile_links, setup_links

DIALOG_HEADER = "X-Dialog"


def is_dialog(request) -> bool:
    """The request comes from the dialog script and wants the form without the page around it."""
    return request.headers.get(DIALOG_HEADER) == "1"


def shell(request):
    """What the panel layout needs: menu entries this user may see, the active one, the frame."""
    context = {
        "frame": "components/dialog_frame.html"
        if is_dialog(request)
        else "components/page_frame.html"
    }
    access = getattr(request, "access", None)
    if getattr(request, "site", None) != "panel" or access is None or not access.is_staff_user:
        return context
    tabs, links = my_account_tabs(), setup_links()
    active = next((s.key for s in [*tabs, *links] if s.is_active(request.path)), "")
    context.update(
        account_tabs=[tab for tab in tabs if tab.visible_to(access)],
        setup_links=[link for link in links if link.visible_to(access)],
        profile_links=profile_links(),
        active_section=active,
        in_my_account=any(tab.key == active for tab in tabs),
    )
    return context
