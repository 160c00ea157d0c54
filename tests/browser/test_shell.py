"""A new user's first minute: sign in as the demo Administrator and use the My Account shell."""

import io
import re

from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import doc_screenshot, screenshot


def _demo_login(role_email: str) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if role_email in line)
    return line.split()[-1]


def test_sign_in_see_the_shell_and_use_a_dialog_with_the_keyboard(page, transactional_db):
    password = _demo_login("admin@acme.example")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    doc_screenshot(page, "sign-in")
    page.get_by_label("Email").fill("admin@acme.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page).to_have_url(re.compile(r"/account/config/$"))
    expect(page.locator(".topbar__brand")).to_have_text("Acme Telecom")
    expect(page.locator(".topbar .badge")).to_have_text("Balance: $1,138.17 USD")
    tabs = page.get_by_role("navigation", name="My Account").get_by_role("link")
    expect(tabs).to_have_text(
        [
            "Config",
            "Users",
            "API",
            "API tokens",
            "Domains",
            "Payments",
            "Usage",
            "Packages",
            "Settings",
        ]
    )
    menu = page.get_by_role("navigation", name="Main menu")
    for label in ("My Account", "My Servers", "Customers", "Audit Log"):
        expect(menu.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_role("heading", name="Account Profile")).to_be_visible()
    screenshot(page, "shell-config")

    # Keyboard only: Tab to the help button, Enter opens the dialog, Escape closes it.
    help_button = page.get_by_role("link", name="Help: Account Profile")
    for _ in range(40):
        page.keyboard.press("Tab")
        if help_button.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the help button is not reachable with Tab")
    page.keyboard.press("Enter")
    dialog = page.locator("dialog#modal")
    expect(dialog).to_have_attribute("open", "")
    expect(dialog.get_by_role("heading")).to_have_text("Help: Config")
    screenshot(page, "shell-help-dialog")
    page.keyboard.press("Escape")
    expect(dialog).not_to_have_attribute("open", "")
    assert help_button.evaluate("el => el === document.activeElement"), (
        "focus returns to the opener"
    )

    # Another tab is a real URL, and logging out works from the user menu.
    page.get_by_role("link", name="Users").click()
    expect(page).to_have_url(re.compile(r"/account/users/$"))
    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
