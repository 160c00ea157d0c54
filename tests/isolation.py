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
from django.db import models
from django.urls import reverse

from accounts.models import Account
from users.models import LoginFailure

from .urlwalk import Route, walk

PORTAL_URLCONF = "portal.urls"

EXEMPT_NAMESPACES = {
    "api": (
        "the REST API at /api/v1/: bearer tokens, never the panel's session; walked by its own "
        "crawler with account A's token and B's ids, and its scope matrix (api/tests/)"
    ),
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


def portal_client(world: dict, side: str):
    """A client on ``side``'s portal host: signed in as that side's portal contact when the
    portal's tests/world.py provides one (``world["portal_sign_in"](side)``), so the crawler reads
    the contact's own sections; an anonymous visitor otherwise."""
    from django.test import Client

    sign_in = world.get("portal_sign_in")
    return sign_in(side) if sign_in else Client(HTTP_HOST=portal_host(world, side))


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


def tenant_models() -> list:
    """Every model with an ``account`` (the tenant models, children included)."""
    return [
        model
        for model in apps.get_models()
        if model is not Account and any(f.name == "account" for f in model._meta.concrete_fields)
    ]


def tenant_rows(account: Account) -> dict:
    """Every row ``account`` owns, as plain values, plus what else of it a request could touch
    (its users' sessions and sign-in attempts, its stored files): to compare before and after."""
    rows = {"accounts.account": list(Account.objects.filter(pk=account.pk).values())}
    for model in tenant_models():
        rows[model._meta.label_lower] = list(
            model._base_manager.filter(account=account).order_by("pk").values()
        )
    users = {row["id"]: row["email"] for row in rows["users.user"]}
    rows["sessions"] = sorted(_session_users(users))
    rows["login attempts"] = list(
        LoginFailure.objects.filter(email__in=users.values()).order_by("pk").values()
    )
    rows["stored files"] = sorted(_stored_files(account))
    return rows


def _session_users(users: dict) -> list[str]:
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    found = []
    for session in Session.objects.all():
        user_id = session.get_decoded().get(SESSION_KEY)
        if user_id is not None and int(user_id) in users:
            found.append(f"{session.session_key}:{user_id}")
    return found


def _stored_files(account: Account) -> list[str]:
    """The files of ``account``'s rows (logos and the like) that exist in storage."""
    present = []
    for model in tenant_models():
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for row in model._base_manager.filter(account=account):
            for f in file_fields:
                stored = getattr(row, f.name)
                if stored and stored.storage.exists(stored.name):
                    present.append(stored.name)
    return present


def tenant_ids(account: Account) -> list[int]:
    """The primary key of every row ``account`` owns, in every tenant table."""
    ids = {account.pk}
    for model in tenant_models():
        ids |= set(model._base_manager.filter(account=account).values_list("pk", flat=True))
    return sorted(ids)


MARKER_PREFIX = "mark-"


def set_secrets(account: Account) -> list[str]:
    """Give every encrypted field of every row ``account`` owns a known value; returns them."""
    from accounts.fields import EncryptedTextField

    secrets = []
    for model in tenant_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        for row in model._base_manager.filter(account=account) if fields else []:
            for f in fields:
                value = f"sk_test_secret{len(secrets)}NEVERSHOWN{row.pk}x"
                setattr(row, f.attname, value)
                secrets.append(value)
            row.save(update_fields=[f.name for f in fields])
    return secrets


def _free_text_fields(model) -> list:
    """The char, text and e-mail fields of ``model`` that hold free text: not choices, not the
    password hash, not secrets, not a value other code parses (a field with validators: a time
    zone, a colour) and not the portal's host name (the routing key)."""
    from accounts.fields import EncryptedTextField

    builtin = {"MaxLengthValidator", "ProhibitNullCharactersValidator", "EmailValidator"}
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not isinstance(f, EncryptedTextField)
        and not f.choices
        and not f.primary_key
        and f.name not in ("password", "domain")
        and all(type(v).__name__ in builtin for v in f.validators)
    ]


def mark_text_fields(account: Account, side: str, prefix: str = "") -> list[str]:
    """Put a unique marker into every free-text field of every row ``account`` owns (every such
    field of every tenant model, those of later sections included), so a page that leaks any of
    them can be caught; returns the markers. ``prefix`` goes in front of each (e.g. markup, to
    see it rendered inert). Fields too short for a marker keep their values."""
    found = []
    counter = 0
    for model in [Account, *tenant_models()]:
        fields = _free_text_fields(model)
        rows = (
            Account.objects.filter(pk=account.pk)
            if model is Account
            else model._base_manager.filter(account=account)
        )
        for row in rows:
            values = {}
            for f in fields:
                counter += 1
                marker = f"{prefix}{MARKER_PREFIX}{side}{counter}-x"
                if isinstance(f, models.EmailField):
                    marker = f"{marker}@{side}-mark.test"
                if f.max_length is not None and len(marker) > f.max_length:
                    continue
                values[f.name] = marker
                found.append(marker)
            if values:
                model._base_manager.filter(pk=row.pk).update(**values)
    return found


def markers(world: dict, side: str) -> list[str]:
    """Strings that would betray account ``side``'s data in a page: its names and e-mails, what
    the apps' tests/world.py add, and the markers ``mark_text_fields`` put into every text field."""
    account = Account.objects.get(pk=world[side].pk)
    found = [account.name, account.email]
    for user in account.users.all():
        found += [user.email, user.name]
    found += world.get(f"markers_{side}", [])
    found += world.get(f"marked_{side}", [])
    return sorted({m for m in found if m})


def finish(response) -> None:
    """End a streamed answer's request without reading it (its URLconf reset runs on close).
    Django's test client closes other answers itself; closing one again, or closing a streamed
    one with the signal connected, would close the test's database connection on PostgreSQL."""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    if response.streaming:
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)


def body_text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


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


def check_page_shows_nothing(client, url: str, victim_markers: list[str]) -> list[str]:
    """Problems found reading a page of the caller's own account: a 500, or another account's
    text in it."""
    response = client.get(url)
    if response.status_code >= 500:
        return [f"GET {url} answered {response.status_code}"]
    body = body_text(response)
    return [f"GET {url} shows {m!r}" for m in victim_markers if m in body]


# Forms the crawler does not post: signing out ends the crawler's own session.
NOT_POSTED = {"/logout/"}


def form_variants(form, victim_ids: list[int]) -> list[dict]:
    """The bodies to post for one form: as it is, and with the victim's ids in every id-bearing
    field — alone, and mixed with the form's own ids (a bulk action must ignore the foreign ones).
    """
    from .htmlforms import Form

    assert isinstance(form, Form)
    own = form.body()
    variants = [own]
    id_fields = form.id_fields()
    if not id_fields:
        return variants
    foreign = [str(pk) for pk in victim_ids]
    alone, mixed = dict(own), dict(own)
    for f in id_fields:
        ours = [o for o in f.options if o] if f.kind.startswith("select") else [f.value]
        if f.name == "selected" or f.kind == "select-multiple":
            alone[f.name] = foreign
            mixed[f.name] = [*foreign, *[v for v in ours if v]]
        else:
            alone[f.name] = foreign[:1]
            mixed[f.name] = foreign[-1:]
    variants += [alone, mixed]
    # A single-valued id field gets each of the victim's ids in turn (one table's row may be
    # what the field names).
    singles = [f for f in id_fields if f.name != "selected" and f.kind != "select-multiple"]
    for pk in foreign if singles else []:
        body = dict(own)
        for f in singles:
            body[f.name] = [pk]
        variants.append(body)
    return variants


def check_forms_of_page(
    client, url: str, victim: Account, victim_ids: list[int], victim_markers: list[str]
) -> list[str]:
    """Post every form of the page (as it is, then with the victim's ids in it) to each place it
    can be sent; the victim's rows must not change and no answer may be a 500 or show their
    text. The caller's own changes are rolled back after the page."""
    from django.db import transaction

    from .htmlforms import post_forms

    response = client.get(url)
    if response.status_code != 200 or response.streaming:
        return []
    problems = []
    forms = post_forms(response.content.decode(errors="replace"))
    before = tenant_rows(victim)
    block = transaction.atomic()
    block._from_testcase = True  # services with durable blocks may run inside (tests only)
    with block:
        for form in forms:
            for target in form.targets:
                action = target or url
                if not action.startswith("/") or action in NOT_POSTED:
                    continue
                for body in form_variants(form, victim_ids):
                    answer = client.post(action, body)
                    if answer.status_code >= 500:
                        problems.append(f"POST {action} (from {url}) answered {answer.status_code}")
                    text = body_text(answer)
                    problems += [
                        f"POST {action} (from {url}) shows {m!r}"
                        for m in victim_markers
                        if m in text
                    ]
        if tenant_rows(victim) != before:
            problems.append(f"posting the forms of {url} changed rows of {victim.name}")
        transaction.set_rollback(True)
    return problems
