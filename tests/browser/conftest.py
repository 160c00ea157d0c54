"""Playwright driving Debian's Chromium; skips without it, unless REQUIRE_BROWSER=1."""

import os
import re
from functools import cache
from pathlib import Path

import pytest

# The local SMTP server and its throw-away CA (tests/fakes/smtp_server.py).
from tests.fakes.smtp_server import certificate_authority, smtp_server, trusted_ca  # noqa: F401

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
# The user guide (docs/*.md) embeds screenshots/<name>.png; `make docs` runs the browser tests
# with DOCS_SCREENSHOTS=1 and each screenshot(page, name) a guide page embeds lands there too.
DOCS = ROOT / "docs"
DOC_VIEWPORT = {"width": 1280, "height": 800}
# The flags a headless Chromium needs on a machine with no outside network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures and by
# the test itself are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport=DOC_VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if _is_error(msg) else None)
    yield page
    context.close()
    assert not errors, f"the page logged errors: {errors}"


# Answers the pages give on purpose (a form with errors, a refused page) are not page errors.
EXPECTED_STATUSES = ("status of 400 (Bad Request)", "status of 403 (Forbidden)")


def _is_error(message) -> bool:
    return message.type == "error" and not message.text.endswith(EXPECTED_STATUSES)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if name in doc_screenshot_names():
        doc_screenshot(page, name)


def doc_screenshot(page, name: str) -> None:
    """With DOCS_SCREENSHOTS=1, the viewport (the page fixture's 1280×800) as
    docs/screenshots/<name>.png: a guide page embeds it as ``screenshots/<name>.png``."""
    if os.environ.get("DOCS_SCREENSHOTS") != "1":
        return
    (DOCS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "screenshots" / f"{name}.png"), full_page=False)


DOC_IMAGE = re.compile(r"\(screenshots/([\w-]+)\.png\)")


@cache
def doc_screenshot_names() -> frozenset[str]:
    """The screenshots the guide pages embed (``![...](screenshots/<name>.png)``)."""
    if os.environ.get("DOCS_SCREENSHOTS") != "1":
        return frozenset()
    return frozenset(n for md in DOCS.glob("*.md") for n in DOC_IMAGE.findall(md.read_text()))
