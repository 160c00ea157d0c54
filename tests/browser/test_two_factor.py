"""A user turns two-factor login on from the page (the key read from it, the code computed like an
authenticator app does), signs out, and signs in again with a code."""

import re
import time

from playwright.sync_api import expect

from tests.fixtures import PASSWORD
from users.tests.totp import code_for, key_from_page

from .conftest import screenshot


def _sign_in(page, email, password):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_enable_two_factor_then_sign_in_with_a_code(page, admin_a):
    _sign_in(page, admin_a.email, PASSWORD)
    page.locator(".usermenu summary").click()
    page.get_by_role("link", name="Personal profile").click()
    expect(page.get_by_role("heading", name="Personal Profile")).to_be_visible()
    screenshot(page, "two-factor-1-profile")
    page.get_by_role("link", name="Enable").click()

    expect(page.get_by_role("img", name=re.compile("QR code for Alpha Networks"))).to_be_visible()
    key = key_from_page(page.locator("#totp-key").inner_text())
    screenshot(page, "two-factor-2-set-up")
    page.get_by_label("Code from your authenticator app").fill("12345")
    page.get_by_role("button", name="Enable TFA").click()
    expect(page.get_by_text("The code has 6 digits; this has 5.")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(code_for(key))
    page.get_by_role("button", name="Enable TFA").click()

    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    codes = page.get_by_role("textbox", name="Backup codes").input_value().split()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download .txt").click()
    assert download.value.suggested_filename == "backup-codes-alpha-networks.txt"
    screenshot(page, "two-factor-3-backup-codes")
    page.get_by_role("button", name="I have saved them").click()
    expect(page.get_by_text("Backup codes left")).to_be_visible()

    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Log out").click()

    _sign_in(page, admin_a.email, PASSWORD)
    expect(page.get_by_role("heading", name="Two-factor login")).to_be_visible()
    screenshot(page, "two-factor-4-code-step")
    # The set-up used this step's code: the app's next code (one step on, within the tolerance).
    page.get_by_label("Code from your authenticator app").fill(code_for(key, at=time.time() + 30))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/config/$"))
    screenshot(page, "two-factor-5-signed-in")

    # The Users list's 2FA column follows.
    page.get_by_role("navigation", name="My Account").get_by_role("link", name="Users").click()
    row = page.get_by_role("row", name=re.compile("admin@alpha.test"))
    expect(row).to_contain_text("On")


def test_sign_in_with_a_backup_code(page, admin_a):
    from users.tests.two_factor_helpers import turn_on

    codes = turn_on(admin_a)
    _sign_in(page, admin_a.email, PASSWORD)
    page.get_by_role("link", name="Use a backup code").click()
    page.get_by_label("Backup code").fill(codes[0])
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/config/$"))
