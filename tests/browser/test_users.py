"""An Administrator denies a group the Users module; its member cannot see or open the tab."""

import re

from playwright.sync_api import expect

from tests.fixtures import PASSWORD

from .conftest import screenshot

NEW_PASSWORD = "Member-Pass-2026!"


def _sign_in(page, email, password):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_a_group_that_denies_users_hides_the_users_tab(page, admin_a):
    _sign_in(page, admin_a.email, PASSWORD)
    page.get_by_role("navigation", name="My Account").get_by_role("link", name="Users").click()
    expect(page).to_have_url(re.compile(r"/account/users/$"))

    # A group: Config allowed, Users denied — through the dialog.
    page.get_by_role("link", name="Add group").click()
    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Add group")).to_be_visible()
    dialog.get_by_label("Name").fill("No user admin")
    dialog.get_by_label("Config").select_option("allow")
    dialog.get_by_label("Users", exact=True).select_option("deny")
    screenshot(page, "users-group-dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Group No user admin saved.")).to_be_visible()
    groups = page.get_by_role("region", name="Groups")
    expect(groups.get_by_role("row", name=re.compile("No user admin"))).to_contain_text("Config")

    # A User in that group, with a weak password first: the message shows in the dialog.
    page.get_by_role("link", name="Add user").click()
    expect(dialog.get_by_role("heading", name="Add user")).to_be_visible()
    dialog.get_by_label("Name").fill("Gina Grouped")
    dialog.get_by_label("Email").fill("gina@alpha.test")
    dialog.get_by_label("Password").fill("weak")
    dialog.get_by_label("Groups").select_option(label="No user admin")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("be 8 to 64 characters long")).to_be_visible()
    expect(dialog.get_by_label("Email")).to_have_value("gina@alpha.test")
    dialog.get_by_label("Password").fill(NEW_PASSWORD)
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_text("User gina@alpha.test added.")).to_be_visible()
    screenshot(page, "users-list")

    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Log out").click()

    _sign_in(page, "gina@alpha.test", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/config/$"))
    tabs = page.get_by_role("navigation", name="My Account")
    expect(tabs.get_by_role("link", name="Config")).to_be_visible()
    expect(tabs.get_by_role("link", name="Users")).to_have_count(0)
    page.goto("/account/users/")
    expect(page.get_by_text("One of your groups denies the Users module.")).to_be_visible()
    screenshot(page, "users-denied")
