"""The Config tab and the Audit Log, clicked through as the demo Administrator."""

import csv
import io
import re

from playwright.sync_api import expect

from .conftest import screenshot
from .test_shell import _demo_login


def _sign_in(page, email="admin@acme.example"):
    password = _demo_login(email)
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/config/$"))


def test_edit_the_company_profile_through_the_dialog(page, transactional_db):
    _sign_in(page)
    profile = page.locator("#account-profile")
    expect(profile.get_by_role("heading", name="Company Information")).to_be_visible()
    expect(profile).to_contain_text("350 Fifth Avenue")
    expect(profile).to_contain_text("United States of America")
    expect(profile).to_contain_text("+1 212-555-0142")
    expect(profile).to_contain_text("$1,138.17 USD")
    screenshot(page, "config-profile")

    page.get_by_role("link", name="Edit Account Profile").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_have_attribute("open", "")
    expect(dialog.get_by_role("heading", name="Edit account profile")).to_be_visible()
    # Every date format option shows today's date in it.
    options = dialog.get_by_label("Date format").locator("option")
    expect(options).to_have_count(10)

    # A post code of the wrong country comes back inside the dialog, next to the field.
    dialog.get_by_label("Company name").fill("Acme Telecom Europe")
    dialog.get_by_label("Country").select_option("NL")
    dialog.get_by_label("Post code").fill("10118")
    dialog.get_by_label("City").fill("Amsterdam")
    dialog.get_by_label("Address line 1").fill("Herengracht 100")
    dialog.get_by_label("Address line 2").fill("")
    dialog.get_by_label("County / State").fill("Noord-Holland")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#id_post_code_errors")).to_contain_text(
        "This is not a post code of Netherlands: expected a format like 1012 AB."
    )
    expect(dialog.get_by_label("Post code")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "config-edit-dialog-error")

    dialog.get_by_label("Post code").fill("1017bx")
    dialog.get_by_label("Phone").fill("+31 20 123 4567")
    dialog.get_by_label("Mobile").fill("+31 6 12345678")
    dialog.get_by_label("Currency").select_option("EUR")
    dialog.get_by_label("Date format").select_option("d.m.Y")
    dialog.get_by_label("Time zone").select_option("Europe/Amsterdam")
    dialog.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/account/config/$"))
    expect(page.get_by_role("status")).to_contain_text("Account profile saved.")
    expect(page.locator(".topbar__brand")).to_have_text("Acme Telecom Europe")
    expect(profile).to_contain_text("Herengracht 100")
    expect(profile).to_contain_text("Netherlands")
    expect(profile).to_contain_text("1017 BX")
    expect(profile).to_contain_text("+31 20 123 4567")
    expect(profile).to_contain_text("+31 6 12345678")
    expect(profile).to_contain_text("EUR — Euro")
    expect(profile).to_contain_text("Europe/Amsterdam")
    expect(page.locator(".topbar .badge")).to_have_text("Balance: €1,138.17 EUR")
    screenshot(page, "config-profile-saved")

    # Security & Add-ons through its own dialog.
    page.get_by_role("link", name="Edit Security & Add-ons").click()
    expect(dialog).to_have_attribute("open", "")
    dialog.get_by_label("Email me when I log in").check()
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Security & Add-ons saved.")
    expect(page.locator("#security-addons")).to_contain_text("Known devices")
    expect(page.locator("#security-addons")).to_contain_text("This browser")

    # Revoke a demo device through its confirmation dialog.
    devices = page.locator("#security-addons table tbody tr")
    safari = devices.filter(has_text="Safari 18 on Mac OS X 14")
    safari.get_by_role("link", name="Revoke").click()
    expect(dialog.get_by_role("heading")).to_have_text("Revoke Safari 18 on Mac OS X 14?")
    screenshot(page, "config-revoke-dialog")
    dialog.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("Safari 18 on Mac OS X 14 was revoked")
    expect(safari).to_have_count(0)
    expect(devices.filter(has_text="This browser")).to_have_count(1)  # still signed in
    screenshot(page, "config-security-addons")

    # The change is in the Audit Log, newest first, dated in the new format.
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Audit Log").click()
    expect(page).to_have_url(re.compile(r"/audit/$"))
    first = page.locator("table.table--audit tbody tr").first
    expect(first).to_contain_text("Known device revoked; its sessions ended")
    expect(page.locator("table.table--audit tbody tr").nth(1)).to_contain_text(
        "Security & Add-ons changed"
    )
    expect(first.locator(".audit__when")).to_have_text(re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d$"))
    expect(page.locator(".paging")).to_contain_text("Page 1 of")
    page.get_by_label("Section").select_option("Config")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"section=Config"))
    expect(page.locator("table.table--audit")).to_contain_text("Account profile changed")
    expect(page.locator("table.table--audit")).to_contain_text("Acme Telecom Europe")
    screenshot(page, "audit-log-filtered")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename.startswith("audit-log-")
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0][:6] == ["Time", "Time (UTC)", "User", "IP", "Section", "Event"]
    assert "Account profile changed" in {row[5] for row in rows}
    assert {row[4] for row in rows[1:]} == {"Config"}  # filtered like the page
