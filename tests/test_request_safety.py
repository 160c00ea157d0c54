"""What every page of the panel and the portal promises the browser, checked on every page and
form the isolation crawler knows (so a new one is covered without new code):

- every POST form refuses a submission without its CSRF token (403, nothing changed);
- every answer carries the security headers: a CSP without 'unsafe-inline' or 'unsafe-eval' that
  forbids framing (an uploaded SVG logo, served sandboxed as an image, may style itself),
  X-Frame-Options DENY, nosniff and a Referrer-Policy.
"""

import pytest

from .htmlforms import post_forms
from .isolation import NOT_POSTED, REGISTRY, finish, portal_client, tenant_rows, url_for


def _pages(world, client_admin_a):
    for name, entry in REGISTRY.items():
        if entry.kind in ("page", "object"):
            client = portal_client(world, "a") if entry.site == "portal" else client_admin_a
            yield name, client, url_for(name, world, "a")


def test_every_form_refuses_a_post_without_its_csrf_token(world, client_admin_a):
    before = {side: tenant_rows(world[side]) for side in ("a", "b")}
    problems, posted = [], 0
    for name, client, url in _pages(world, client_admin_a):
        client.handler.enforce_csrf_checks = True
        page = client.get(url)
        finish(page)
        if page.status_code != 200 or page.streaming:
            continue
        for form in post_forms(page.content.decode(errors="replace")):
            body = {k: v for k, v in form.body().items() if k != "csrfmiddlewaretoken"}
            for action in {t or url for t in form.targets} - NOT_POSTED:
                if not action.startswith("/"):
                    continue
                answer = client.post(action, body)
                finish(answer)
                posted += 1
                if answer.status_code != 403:
                    problems.append(f"{name}: POST {action} without a token: {answer.status_code}")
    assert posted > 40, "the crawler reached the forms"
    assert not problems, "\n".join(problems)
    assert {side: tenant_rows(world[side]) for side in ("a", "b")} == before


def _directives(csp: str) -> dict[str, list[str]]:
    found = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


@pytest.mark.parametrize("site", ["panel", "portal"])
def test_every_page_sends_the_security_headers(world, client_admin_a, site):
    problems, checked = [], 0
    for name, client, url in _pages(world, client_admin_a):
        if REGISTRY[name].site != site:
            continue
        response = client.get(url)
        finish(response)
        if response.status_code >= 400:
            continue
        checked += 1
        csp = _directives(response.get("Content-Security-Policy", ""))
        # An uploaded SVG logo may carry its own <style>; it is served sandboxed, as an image.
        image = response["Content-Type"].startswith("image/") and "sandbox" in csp
        unsafe = [
            f"{directive} {source}"
            for directive, sources in csp.items()
            for source in sources
            if source in ("'unsafe-inline'", "'unsafe-eval'", "*")
            if not (image and directive == "style-src")
        ]
        if not csp or unsafe or csp.get("frame-ancestors") != ["'none'"]:
            problems.append(f"{name}: CSP {response.get('Content-Security-Policy')!r}")
        if "default-src" not in csp:
            problems.append(f"{name}: CSP without a default-src")
        expected = {
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        }
        problems += [
            f"{name}: {header} is {response.get(header)!r}"
            for header, value in expected.items()
            if response.get(header) != value
        ]
    assert checked > (30 if site == "panel" else 3)
    assert not problems, "\n".join(problems)
