"""The panel's menus, collected from every app's declared sections (``<app>/panel.py``).

A section whose issue has not landed yet has no ``url_name``: accounts/urls.py serves an honest
"not available yet" page at its ``path``.
"""

from .registry import MY_ACCOUNT, PROFILE, SETUP, LazyRegistry, Section, menu, sections

SECTIONS = LazyRegistry(sections)

__all__ = ["SECTIONS", "Section", "my_account_tabs", "profile_links", "setup_links"]


def my_account_tabs() -> list[Section]:
    return menu(MY_ACCOUNT)


def setup_links() -> list[Section]:
    return menu(SETUP)


def profile_links() -> list[Section]:
    return menu(PROFILE)
