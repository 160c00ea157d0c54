"""An Administrator creates an API token in its dialog, sees it once, uses it, and revokes it."""

import re

from playwright.sync_api import expect

from tests.fixtures import PASSWORD

from .conftest import screenshot


def test_create_use_and_revoke_an_api_token(page, admin_a):
    page.goto("/login/")
    page.get_by_label("Email").fill(admin_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    tabs = page.get_by_role("navigation", name="My Account")
    tabs.get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(re.compile(r"/account/api-tokens/$"))

    page.get_by_role("link", name="Add token").click()
    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="New API token")).to_be_visible()
    dialog.get_by_label("Name").fill("billing sync")
    dialog.get_by_label("Users", exact=True).select_option("read")
    dialog.get_by_role("button", name="Create token").click()
    shown = page.get_by_label("Token", exact=True)
    expect(shown).to_have_value(re.compile(r"^vac_"))
    token = shown.input_value()
    screenshot(page, "api-token-created")

    answer = page.request.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200 and answer.json()["total"] >= 1

    page.get_by_role("link", name="Done").click()
    row = page.get_by_role("row", name=re.compile("billing sync"))
    expect(row).to_contain_text(token[:12])
    expect(page.get_by_text(token)).to_have_count(0)
    row.get_by_role("link", name="Revoke billing sync").click()
    page.locator("dialog#modal").get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Token billing sync revoked.")).to_be_visible()
    answer = page.request.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 401
