"""Screens only the user guide shows, on the demo data (``manage.py demo``): the Settings tab,
the Customers and CDR lists, and a demo contact's Rate Card on Acme's portal. Each is checked
like any browser test; under ``make docs`` (DOCS_SCREENSHOTS=1) each is saved for docs/."""

import io
import re
from urllib.parse import urlsplit

from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import doc_screenshot


def _password(demo_output: str, email: str) -> str:
    line = next(line for line in demo_output.splitlines() if email in line)
    return line.split()[-1]


def _sign_in(page, url: str, email: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_the_guide_screens_on_the_demo_data(transactional_db, page, live_server):
    out = io.StringIO()
    call_command("demo", stdout=out)
    demo = out.getvalue()

    _sign_in(page, "/login/", "admin@acme.example", _password(demo, "admin@acme.example"))
    expect(page).to_have_url(re.compile(r"/account/config/$"))
    page.get_by_role("navigation", name="My Account").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Security policy")).to_be_visible()
    expect(page.locator("#security-policy")).to_contain_text("Session idle timeout")
    doc_screenshot(page, "settings-security-policy")

    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="Customers").click()
    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.locator("tbody tr", has_text="Blue Harbor")).not_to_have_count(0)
    doc_screenshot(page, "customers-list")

    menu.get_by_role("link", name="CDR").click()
    expect(page).to_have_url(re.compile(r"/cdr/"))
    expect(page.locator("tbody tr").first).to_be_visible()
    doc_screenshot(page, "cdr-list")

    # The portal: Acme's demo contact on Acme's portal domain (*.localhost is this machine).
    portal = f"http://portal.acme.localhost:{urlsplit(live_server.url).port}"
    email = "ops@blueharbor.example"
    _sign_in(page, f"{portal}/login/", email, _password(demo, email))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Rate Card").click()
    expect(page).to_have_url(f"{portal}/rates/")
    expect(page.locator("tbody tr").first).to_be_visible()
    doc_screenshot(page, "portal-rate-card")
