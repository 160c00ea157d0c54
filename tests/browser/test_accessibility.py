"""WCAG 2.2 A/AA in every role: axe-core (bundled by axe-playwright-python) over every page the
isolation crawler knows, with the page's first dialog closed and open.

Fails on any violation of impact serious or critical under the WCAG 2.0/2.1/2.2 A and AA tags. The
pages come from ``tests/isolation.py`` REGISTRY (entries of kind "page" and "object", account A's
side; portal entries on A's portal host), so a new section is checked as soon as it registers its
URLs. A route is left out only in ``NOT_A_PAGE`` below, with the reason. Each role's findings (all
impacts) are written to ``test-artifacts/axe-<role>.json``.
"""

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from accounts.actors import PLATFORM
from accounts.permissions import ALLOW, MODULES
from tests.fixtures import PASSWORD
from tests.isolation import PORTAL_URLCONF, REGISTRY, url_for
from users.models import PermissionGroup, User
from users.services import create_user, save_group

from .conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, screenshot

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
# Best-practice rules run too (page-has-heading-one, region, …) and are written to the report; only
# WCAG A/AA findings of impact serious or critical fail the test.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]},
    # Experimental in axe 4, so off by default: icon buttons whose visible glyph is not part of
    # their accessible name (WCAG 2.5.3).
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}

# Routes in the registry that are not pages a person reads, and why.
NOT_A_PAGE = {
    "users:delete": "POST-only bulk delete; a GET answers 405 with no page",
    "users:group_delete": "POST-only bulk delete; a GET answers 405 with no page",
    "payment_gateways:refresh": "POST-only re-check of the selected; a GET answers 405",
    "payment_gateways:delete": "POST-only bulk delete; a GET answers 405 with no page",
    "domains:refresh": "POST-only re-check of the selected; a GET answers 405",
    "domains:delete": "POST-only bulk delete; a GET answers 405 with no page",
    "domains:check": "POST-only DNS check; a GET answers 405 with no page",
    "domains:logo": "the domain's logo image, not a page",
    "accounts:audit_log_export": "a CSV download, not a page",
    "accounts:healthz": "a JSON probe for load balancers, not a page",
    "accounts:readyz": "a JSON probe for load balancers, not a page",
    "accounts:metrics": "Prometheus' text format, not a page",
    "usage:export": "a CSV download, not a page",
    "payments:export": "a CSV download, not a page",
    "users:email_cancel": "POST-only: cancels the pending e-mail change; a GET answers 405",
    "users:mobile_send": "POST-only: texts a confirmation code; a GET answers 405",
    "users:two_factor_backup_codes_new": "POST-only (needs a current code); a GET answers 405",
    "users:two_factor_disable": "POST-only (needs a current code); a GET answers 405",
    "users:passkey_register_options": "POST-only JSON (WebAuthn options); a GET answers 405",
    "users:passkey_add": "POST-only (a verified attestation); a GET answers 405",
    "users:passkey_rename": "POST-only; a GET answers 405",
    "users:passkey_confirm_options": "POST-only JSON (WebAuthn options); a GET answers 405",
    "users:passkey_remove": "POST-only (needs a current second factor); a GET answers 405",
    "users:login_passkey_options": "POST-only JSON (WebAuthn options); a GET answers 405",
    "users:login_passkey": "POST-only passwordless sign-in; a GET answers 405",
    "cdr:export": "a CSV download, not a page",
    "customers:contact_delete": "POST-only bulk delete; a GET answers 405 with no page",
    "ratecards:delete": "POST-only bulk delete; a GET answers 405 with no page",
    "ratecards:rate_delete": "POST-only bulk delete; a GET answers 405 with no page",
    "ratecards:export": "a CSV download, not a page",
    "invoices:pdf": "the invoice as a PDF download, not a page",
    "portal:cdr_export": "a CSV download, not a page",
    "portal:rates_export": "a CSV download, not a page",
    "portal:logout": "POST-only sign-out; a GET goes back to the portal",
    "portal:stylesheet": "the portal's CSS, not a page",
    "portal:logo": "the portal's logo image, not a page",
}

# Pages photographed for the record (test-artifacts/a11y-<name>-<role>.png).
SCREENSHOTS = {"users:list": "users", "domains:list": "domains", "portal:login": "portal-sign-in"}

# The widest pages, checked again at a phone's width (the tables scroll inside their cards).
NARROW_PAGES = ["users:list", "domains:list", "payment_gateways:list", "accounts:audit_log"]
PALE = "#ffe066"  # 1.3:1 on white
# The portal areas a contact's sweep turns on (portal/sections: Dashboard tiles, CDR, Rate Card).
PORTAL_AREAS = [
    "balance",
    "latest_calls",
    "cdr",
    "rate_card",
    "customer_asr",
    "customer_acd",
    "customer_cps",
    "customer_channels",
]

# Panel pages a visitor reaches without signing in (the crawler marks them exempt: no tenant data).
PUBLIC_PANEL_PAGES = [
    "users:login",
    "users:password_reset",
    "users:password_reset_done",
    "users:password_reset_complete",
    ("users:password_reset_confirm", {"uidb64": "MQ", "token": "x-y"}),  # the expired-link page
    ("users:invitation", {"token": "not-a-token"}),  # the invalid-invitation page
]


def _member(account, email, *, read_only):
    """A User in a group that allows every module."""
    group, _ = PermissionGroup.objects.for_account(account).get_or_create(
        account=account, name="Everything", defaults={"permissions": {}}
    )
    group.permissions = dict.fromkeys(MODULES, ALLOW)
    save_group(group, actor=PLATFORM)
    return create_user(
        actor=PLATFORM,
        account=account,
        email=email,
        password=PASSWORD,
        name=email.split("@")[0].title(),
        role=User.Role.USER,
        read_only=read_only,
        groups=[group],
    )


ROLES = {
    "administrator": lambda world: world["admin_a"],
    "user": lambda world: _member(world["a"], "member@alpha.test", read_only=False),
    "read-only": lambda world: _member(world["a"], "reader@alpha.test", read_only=True),
}


def test_every_exclusion_names_a_registered_route():
    stale = set(NOT_A_PAGE) - set(REGISTRY)
    assert not stale, f"NOT_A_PAGE names routes the crawler no longer knows: {stale}"


@pytest.fixture(scope="module")
def axe():
    return Axe()


def _refused_sign_in(sweep, name):
    """The sign-in form after a refused attempt: the error summary is part of the page."""
    page = sweep.page
    page.get_by_label("Email").fill("nobody@example.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    sweep.run(name, "refused sign-in")


def _panel_pages(world):
    urls = []
    for name, entry in REGISTRY.items():
        if entry.kind in ("page", "object") and entry.site == "panel" and name not in NOT_A_PAGE:
            urls.append((name, url_for(name, world, "a")))
    return urls


def _portal_pages(world):
    return [
        (name, url_for(name, world, "a"))
        for name, entry in REGISTRY.items()
        if entry.site == "portal" and entry.kind in ("page", "object") and name not in NOT_A_PAGE
    ]


class Sweep:
    """Runs axe on pages of one browser context and keeps every finding."""

    def __init__(self, axe, page, role):
        self.axe, self.page, self.role = axe, page, role
        self.findings = []  # one dict per violation: route, state, rule, impact, nodes
        self.headings = []  # pages without exactly one <h1>
        self.seen = set()
        self.checked = []  # (route, state, url)
        self.reflow = []  # narrow pages that scroll sideways as a whole (WCAG 1.4.10)

    def check(self, name, url, variant=""):
        response = self.page.goto(url)
        assert response is not None, f"{url}: no response"
        content_type = response.headers.get("content-type", "")
        assert content_type.startswith("text/html"), (
            f"{name} ({url}) as {self.role} answered {response.status} {content_type}: "
            "add it to NOT_A_PAGE with the reason, or make it a page"
        )
        final = self.page.url
        if final in self.seen:  # a redirect to a page already checked
            return
        self.seen.add(final)
        self.run(name, variant or "closed")
        if name in SCREENSHOTS:
            suffix = f"-{variant}" if variant in ("narrow", "again") else ""
            if variant in ("", "narrow"):
                screenshot(self.page, f"a11y-{SCREENSHOTS[name]}-{self.role}{suffix}")
        if variant == "narrow":
            wide = self.page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            if wide > 0:
                self.reflow.append(f"{name} ({final}) is {wide}px wider than a 360px screen")
        h1 = self.page.locator("h1").count()
        if h1 != 1:
            self.headings.append(f"{name} ({final}): {h1} <h1> elements")
        opener = self.page.locator("a[data-dialog]:visible").first
        if opener.count() and not variant:
            opener.click()
            dialog = self.page.locator("dialog#modal[open]")
            expect(dialog).to_be_visible()
            expect(dialog.locator("#dialog-title")).to_be_visible()
            self.run(name, f"{variant} dialog".strip())
            self.page.keyboard.press("Escape")
            expect(self.page.locator("dialog#modal[open]")).to_have_count(0)

    def run(self, name, state):
        self.checked.append((name, state, self.page.url))
        results = self.axe.run(self.page, options=AXE_OPTIONS)
        for violation in results.response["violations"]:
            self.findings.append(
                {
                    "route": name,
                    "url": self.page.url,
                    "state": state,
                    "rule": violation["id"],
                    "impact": violation["impact"],
                    "wcag": bool(set(violation["tags"]) & set(WCAG_TAGS)),
                    "nodes": [n["target"] for n in violation["nodes"]],
                    "summary": violation["nodes"][0].get("failureSummary", ""),
                }
            )

    def report(self):
        ARTIFACTS.mkdir(exist_ok=True)
        report = {"checked": self.checked, "findings": self.findings}
        (ARTIFACTS / f"axe-{self.role}.json").write_text(json.dumps(report, indent=1))
        failing = [f for f in self.findings if f["wcag"] and f["impact"] in FAILING_IMPACTS]
        lines = [
            f"{f['route']} [{f['state']}] {f['rule']} ({f['impact']}): {f['nodes'][:3]}"
            for f in failing
        ]
        return failing, lines


@pytest.mark.parametrize("role", list(ROLES))
def test_panel_pages_have_no_serious_axe_violations(role, world, chromium, live_server, axe):
    user = ROLES[role](world)
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(lambda url: "/login/" not in url)
        sweep = Sweep(axe, page, role)
        for name, url in _panel_pages(world):
            sweep.check(name, url)
        if role == "administrator":  # reflow (WCAG 1.4.10): the widest pages on a phone
            page.set_viewport_size({"width": 360, "height": 740})
            sweep.seen.clear()
            for name in NARROW_PAGES:
                sweep.check(name, url_for(name, world, "a"), variant="narrow")
    finally:
        context.close()
    failing, lines = sweep.report()
    assert not failing, f"{len(failing)} serious/critical axe violations as {role}:\n" + "\n".join(
        lines
    )
    assert not sweep.headings, "\n".join(sweep.headings)
    assert not sweep.reflow, "\n".join(sweep.reflow)


def test_public_and_portal_pages_have_no_serious_axe_violations(world, chromium, live_server, axe):
    port = live_server.url.rsplit(":", 1)[1]
    portal = chromium.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP *.test 127.0.0.1"],
    )
    try:
        context = portal.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(10_000)
        sweep = Sweep(axe, page, "visitor")
        for item in PUBLIC_PANEL_PAGES:
            name, kwargs = item if isinstance(item, tuple) else (item, {})
            sweep.check(name, live_server.url + reverse(name, kwargs=kwargs))
        sweep.check("404", live_server.url + "/no-such-page/")
        sweep.check("users:login", live_server.url + reverse("users:login"), variant="again")
        _refused_sign_in(sweep, "users:login")
        host = f"http://{world['portal_host_a']}:{port}"
        for name, url in _portal_pages(world):
            sweep.check(name, host + url)
        _refused_sign_in(sweep, "portal:login")
        # A pale brand colour: the portal picks dark text on it and a darker shade for links.
        domain = world["portal_domain_a"]
        domain.primary_color = PALE
        domain.save()
        login = host + reverse("portal:login", urlconf=PORTAL_URLCONF)
        sweep.check("portal:login", login, variant=f"brand colour {PALE}")
        screenshot(page, "a11y-portal-sign-in-pale-visitor")
        if "contact_a" in world:  # a signed-in contact's sections, every area on
            domain.access_areas = PORTAL_AREAS
            domain.save()
            page.goto(login)
            page.get_by_label("Email").fill(world["contact_a"].email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.wait_for_url(lambda url: "/login/" not in url)
            sweep.seen.clear()
            for name, url in _portal_pages(world):
                sweep.check(name, host + url, variant="contact")
            screenshot(page, "a11y-portal-rates-contact")
    finally:
        portal.close()
    failing, lines = sweep.report()
    assert not failing, f"{len(failing)} serious/critical axe violations:\n" + "\n".join(lines)
    assert not sweep.headings, "\n".join(sweep.headings)
