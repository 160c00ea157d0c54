"""Packages and Usage in Chromium: disable a package, see it disabled, open Usage and see the
chart (drawn on the server, under the strict CSP: any violation is a console error here)."""

import re

from playwright.sync_api import expect

from packages.models import EnabledPackage
from tests.conftest import PASSWORD

from .conftest import screenshot


def test_disable_a_package_and_see_usage_charted(transactional_db, page, world):
    admin = world["admin_a"]
    page.goto("/login/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    tabs = page.get_by_role("navigation", name="My Account")
    tabs.get_by_role("link", name="Packages").click()
    expect(page).to_have_url(re.compile(r"/account/packages/$"))
    asr = page.locator("tr", has_text="ASR+ Lookup")
    expect(asr.locator(".badge")).to_have_text("Enabled")
    expect(asr).to_contain_text("$0.000100 USD")
    screenshot(page, "packages-list")

    # Search narrows the catalogue; the buttons keep the search.
    page.get_by_label("Search lookup packages").fill("asr")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Disable ASR+ Lookup").click()
    expect(page.get_by_text("ASR+ Lookup disabled.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/account/packages/\?q=asr$"))
    asr = page.locator("tr", has_text="ASR+ Lookup")
    expect(asr.locator(".badge")).to_have_text("Disabled")
    expect(page.get_by_role("button", name="Enable ASR+ Lookup")).to_be_visible()
    enabled = EnabledPackage.objects.for_account(world["a"])
    assert not enabled.filter(package=world["package_a"]).exists()
    screenshot(page, "packages-disabled")

    tabs.get_by_role("link", name="Usage").click()
    expect(page).to_have_url(re.compile(r"/account/usage/$"))
    summary = page.locator("table.usage-summary")
    expect(summary.locator("tr", has_text="ASR+ Lookup")).to_contain_text("Disabled")
    expect(summary.locator("tr", has_text="ASR+ Lookup")).to_contain_text("1,234")
    chart = page.get_by_role("img", name=re.compile(r"^Lookups per day"))
    expect(chart).to_be_visible()
    bars = page.locator("rect.chart__bar")
    expect(bars).to_have_count(2)  # today: ASR+ and HLR United Kingdom
    titles = sorted(bars.locator("title").all_text_contents())
    assert titles[0].startswith("ASR+ Lookup, ") and "1,234 lookups" in titles[0]
    box = bars.first.bounding_box()
    assert box["height"] > 10 and box["width"] > 2  # drawn, not collapsed
    expect(page.locator(".chart-legend")).to_contain_text("HLR United Kingdom Lookup")
    expect(page.locator("table.usage-daily caption")).to_contain_text("the chart's numbers")
    screenshot(page, "usage-chart")

    # A reversed period is explained next to its field; the chart stays.
    page.get_by_label("From", exact=True).fill("2026-03-10")
    page.get_by_label("To", exact=True).fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The end date is before the start date.")).to_be_visible()
    expect(chart).to_be_visible()
    screenshot(page, "usage-bad-period")
