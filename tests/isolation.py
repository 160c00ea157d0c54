"""The isolation crawler's registry and checks.

Every URL pattern of the panel must have an entry saying how to reach it. Each app keeps its own
entries in ``<app>/tests/isolation.py`` (a dict ``ENTRIES``), collected here into REGISTRY:

- ``page()``: a page of the signed-in user's own account with no object in the URL; as account A
  it must show nothing of account B, and a POST must leave B's rows unchanged.
- ``tenant_object(build)``: a URL naming one tenant-owned object; ``build(world, side)`` returns
  the URL kwargs for that side's object ("a" or "b"). As A's Administrator, GET and POST of B's
  object must answer 404 and leave B's rows unchanged.
- ``exempt(reason)``: reaches no tenant data (sign-in, password reset); the reason says why.

A pattern without an entry fails the suite (tests/test_isolation.py), so a new URL cannot skip
the check.

The customer portal's URLconf (portal.urls, served on a tenant's Verified portal domain) is walked
too: its entries are made with ``portal_page()`` / ``portal_object()`` and requested on the portal
host of account A's Verified domain (``world["portal_host_a"]``, from domains/tests/world.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.apps import apps
from django.urls import reverse

from accounts.models import Account

from .urlwalk import Route, walk

PORTAL_URLCONF = "portal.urls"

EXEMPT_NAMESPACES = {
    "admin": (
        "Django's admin site: platform superusers only "
        "(tests/test_querycount.py, tests/test_login.py)"
    ),
}


def _no_kwargs(world, side):
    return {}


@dataclass(frozen=True)
class Entry:
    kind: str  # "page" | "object" | "exempt"
    kwargs: Callable[[dict, str], dict] = field(default=_no_kwargs)
    reason: str = ""
    site: str = "panel"  # "portal": a portal.urls pattern, requested on A's portal host


def page(kwargs: dict | None = None) -> Entry:
    return Entry("page", (lambda world, side: dict(kwargs)) if kwargs else _no_kwargs)


def tenant_object(build: Callable[[dict, str], dict]) -> Entry:
    return Entry("object", build)


def exempt(reason: str, kwargs: dict | None = None) -> Entry:
    return Entry("exempt", (lambda world, side: dict(kwargs)) if kwargs else _no_kwargs, reason)


def portal_page(kwargs: dict | None = None) -> Entry:
    return replace(page(kwargs), site="portal")


def portal_object(build: Callable[[dict, str], dict]) -> Entry:
    return replace(tenant_object(build), site="portal")


def collected_registry() -> dict[str, Entry]:
    """Every app's entries (``<app>/tests/isolation.py``, a dict ``ENTRIES``), plus one page entry
    for each section whose placeholder page the core serves (it disappears with the placeholder)."""
    from accounts.navigation import SECTIONS
    from accounts.registry import app_modules

    registry: dict[str, Entry] = {}
    for module in app_modules("tests.isolation"):
        for name, entry in module.ENTRIES.items():
            if name in registry:
                raise ValueError(f"isolation entry {name!r} is declared twice")
            registry[name] = entry
    for section in SECTIONS.values():
        if not section.url_name:
            registry.setdefault(section.route, page())
    return registry


REGISTRY: dict[str, Entry] = collected_registry()


def panel_routes(urlconf: str | None = None) -> list[Route]:
    return [r for r in walk(urlconf) if r.namespace.split(":")[0] not in EXEMPT_NAMESPACES]


def portal_routes() -> list[Route]:
    return walk(PORTAL_URLCONF)


def all_routes() -> list[Route]:
    """The panel's routes and the portal's (names do not overlap: the portal's are "portal:…")."""
    return [*panel_routes(), *portal_routes()]


def portal_host(world: dict, side: str) -> str:
    return world[f"portal_host_{side}"]


def unregistered(routes: list[Route], registry: dict[str, Entry] = REGISTRY) -> list[str]:
    return sorted(r.name for r in routes if r.name not in registry)


def url_for(
    route_name: str,
    world: dict,
    side: str,
    registry: dict[str, Entry] = REGISTRY,
    urlconf: str | None = None,
) -> str:
    entry = registry[route_name]
    if urlconf is None and entry.site == "portal":
        urlconf = PORTAL_URLCONF
    return reverse(route_name, kwargs=entry.kwargs(world, side), urlconf=urlconf)


def tenant_rows(account: Account) -> dict:
    """Every row ``account`` owns, as plain values, to compare before and after a request."""
    rows = {"accounts.account": list(Account.objects.filter(pk=account.pk).values())}
    for model in apps.get_models():
        if model is Account:
            continue
        if any(f.name == "account" for f in model._meta.concrete_fields):
            rows[model._meta.label_lower] = list(
                model._base_manager.filter(account=account).order_by("pk").values()
            )
    return rows


def markers(world: dict, side: str) -> list[str]:
    """Strings that would betray account ``side``'s data in a page."""
    account = world[side]
    found = [account.name, account.email]
    for user in account.users.all():
        found += [user.email, user.name]
    found += world.get(f"markers_{side}", [])  # added by the apps' tests/world.py
    return [m for m in found if m]


def check_foreign_object(client, url: str, victim: Account) -> list[str]:
    """Problems found asking for another account's object at ``url`` (empty: none)."""
    problems = []
    before = tenant_rows(victim)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code != 404:
            problems.append(f"{method.upper()} {url} answered {response.status_code}, not 404")
    if tenant_rows(victim) != before:
        problems.append(f"{url} changed rows of {victim.name}")
    return problems


def check_own_page(client, url: str, victim_markers: list[str], victim: Account) -> list[str]:
    """Problems found on a page of the caller's own account: other-tenant text, 500s, writes."""
    problems = []
    before = tenant_rows(victim)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code >= 500:
            problems.append(f"{method.upper()} {url} answered {response.status_code}")
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode(errors="replace")
        problems += [f"{method.upper()} {url} shows {m!r}" for m in victim_markers if m in body]
    if tenant_rows(victim) != before:
        problems.append(f"{url} changed rows of {victim.name}")
    return problems
