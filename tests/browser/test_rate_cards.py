"""An operator adds a rate card, imports its rates from CSV (a bad file first: nothing imported,
its bad line named), sees the rates and finds the rate of a dialled number."""

import re

from playwright.sync_api import expect

from portal.models import Rate, RateCard
from tests.fixtures import PASSWORD

from .conftest import screenshot

GOOD = (
    "prefix,destination,rate,effective_from\r\n"
    "44,United Kingdom,0.0200,2024-01-01\r\n"
    "447,United Kingdom - Mobile,0.0900,2024-01-01\r\n"
    "1,United States,0.0100,2024-01-01\r\n"
)
BAD = GOOD + "33,France,-0.5,2024-01-01\r\n"


def _csv(text):
    return {"name": "rates.csv", "mimeType": "text/csv", "buffer": text.encode()}


def test_add_a_rate_card_import_rates_and_find_a_rate(transactional_db, page, live_server, admin_a):
    page.goto("/login/")
    page.get_by_label("Email").fill(admin_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Rate Cards").click()
    expect(page).to_have_url(re.compile(r"/rate-cards/$"))

    page.get_by_role("link", name="Add rate card").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Retail 2026")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Retail 2026", level=1)).to_be_visible()
    card = RateCard.objects.for_account(admin_a.account).get(name="Retail 2026")

    page.get_by_role("link", name="Import CSV").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("CSV file").set_input_files(_csv(BAD))
    dialog.get_by_role("button", name="Import").click()
    expect(dialog.get_by_text("Nothing was imported: 1 line is wrong.")).to_be_visible()
    expect(dialog.get_by_text("Line 5: A rate cannot be negative.")).to_be_visible()
    assert not Rate.objects.for_account(admin_a.account).filter(rate_card=card).exists()

    dialog.get_by_label("CSV file").set_input_files(_csv(GOOD))
    dialog.get_by_role("button", name="Import").click()
    expect(
        page.get_by_text("Imported 3 rates into Retail 2026: 3 new, 0 replaced.")
    ).to_be_visible()
    rates = page.get_by_role("table", name="Rates")
    expect(rates.get_by_role("row")).to_have_count(4)  # the header and three rates
    expect(rates.locator("tr", has_text="United Kingdom - Mobile")).to_contain_text("447")

    page.get_by_role("textbox", name="Dialled number").fill("+44 7700 900123")
    page.get_by_role("button", name="Find the rate").click()
    expect(page.locator("#dialled-match")).to_contain_text("prefix 447, United Kingdom - Mobile")
    screenshot(page, "rate-card-detail")
