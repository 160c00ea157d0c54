"""One whole flow with the keyboard alone: sign in, open a dialog, get it wrong, put it right and
save, open and close another dialog, sign out. No mouse event reaches the page (checked)."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.fixtures import PASSWORD
from users.models import User

from .conftest import screenshot
from .test_accessibility import AXE_OPTIONS, FAILING_IMPACTS

NEW_PASSWORD = "Keyboard-Only-2026!"

# Every pointer or mouse event the page sees is counted in sessionStorage (kept across the flow's
# page loads): the flow must end with none.
COUNT_POINTER_EVENTS = """
for (const type of ["pointerdown", "pointerup", "mousedown", "mouseup", "mousemove", "wheel"]) {
  window.addEventListener(type, () => {
    const seen = Number(sessionStorage.getItem("pointer-events") || 0);
    sessionStorage.setItem("pointer-events", String(seen + 1));
  }, true);
}
"""


def _focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, limit=60, backwards=False):
    """Press Tab (or Shift+Tab) until ``locator`` has the focus."""
    for _ in range(limit):
        if locator.count() and _focused(locator):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{locator} cannot be reached with the keyboard")


def _active(page) -> str:
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el.id || el.getAttribute('name') || el.textContent.trim(); }"
    )


def _serious(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]


def test_add_a_user_with_the_keyboard_only(page, admin_a):
    page.add_init_script(COUNT_POINTER_EVENTS)

    # Sign in: Tab to the fields, type, Enter.
    page.goto("/login/")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(admin_a.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/account/config/$"))

    # The skip link is the first stop and lands on the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # The Users tab, then the Add user dialog.
    tab_to(
        page, page.get_by_role("navigation", name="My Account").get_by_role("link", name="Users")
    )
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/account/users/$"))
    add = page.get_by_role("link", name="Add user")
    tab_to(page, add)
    page.keyboard.press("Enter")
    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Add user")).to_be_visible()
    expect(page.get_by_role("dialog", name="Add user")).to_be_visible()  # named by its title
    expect(dialog.get_by_label("Name")).to_be_focused()

    # Tab stays inside the dialog, both ways round.
    stops = set()
    for _ in range(30):
        page.keyboard.press("Tab")
        assert dialog.evaluate("d => d.contains(document.activeElement)"), "Tab left the dialog"
        stops.add(_active(page))
    page.keyboard.press("Shift+Tab")
    assert dialog.evaluate("d => d.contains(document.activeElement)"), "Shift+Tab left the dialog"
    assert len(stops) > 5

    # Wrong first: a bad email and a weak password; Enter in a field submits.
    tab_to(page, dialog.get_by_label("Name"))
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Tab")
    page.keyboard.type("kim-at-alpha")
    tab_to(page, dialog.get_by_label("Password"))
    page.keyboard.type("weak")
    page.keyboard.press("Enter")
    summary = dialog.get_by_role("alert")
    expect(summary).to_contain_text("Nothing was saved.")
    email = dialog.get_by_label("Email")
    expect(email).to_be_focused()  # the first field in error
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address"))
    expect(dialog.get_by_label("Name")).to_have_value("Kim Keys")  # nothing lost
    screenshot(page, "keyboard-dialog-errors")
    assert not _serious(page), "the dialog with errors has serious axe violations"

    # Put it right and save.
    page.keyboard.press("Control+A")
    page.keyboard.type("kim@alpha.test")
    tab_to(page, dialog.get_by_label("Password"))
    page.keyboard.press("Control+A")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("User kim@alpha.test added.")).to_be_visible()
    assert User.objects.filter(email="kim@alpha.test", name="Kim Keys").exists()

    # Open the new user's dialog and close it with Escape: focus returns to the link.
    edit = page.get_by_role("link", name="Kim Keys")
    tab_to(page, edit)
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("heading", name="Edit user kim@alpha.test")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("dialog#modal[open]")).to_have_count(0)
    expect(edit).to_be_focused()

    # And with the Close button, reached with Shift+Tab from the first field.
    page.keyboard.press("Enter")
    close = dialog.get_by_role("button", name="Close")
    expect(dialog.get_by_label("Name")).to_be_focused()
    tab_to(page, close, backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("dialog#modal[open]")).to_have_count(0)
    expect(edit).to_be_focused()

    # Sign out from the user menu.
    menu = page.locator(".usermenu summary")
    tab_to(page, menu, backwards=True)
    page.keyboard.press("Enter")
    log_out = page.get_by_role("button", name="Log out")
    tab_to(page, log_out)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/login/$"))

    assert page.evaluate("() => sessionStorage.getItem('pointer-events')") is None, (
        "the page saw mouse or pointer events"
    )
