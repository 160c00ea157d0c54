"""What each app adds to the panel, declared once in ``<app>/panel.py`` and collected here.

Every project app (``settings.PROJECT_APPS``, in that order) may have a ``panel.py`` holding one
``panel = AppPanel(...)``: its permission modules, its menu sections, its audit events, its help
topics, its URL mounts and the named hooks the core asks for (the portal host resolver, "does
this account have payments", the account's mail connection, ...). The core reads the collected
declarations and imports no section app itself, the way Wagtail collects ``wagtail_hooks.py``.

A ``panel.py`` imports only the core's declaration types: it is loaded while URLs and
decorators are being set up, so it must not import the app's views or models.
"""

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .urlcache import cached_reverse

# Menus a section can sit in.
MY_ACCOUNT = "my_account"  # a tab of Setup → My Account
SETUP = "setup"  # beside My Account in the Setup menu
PROFILE = "profile"  # the signed-in user's menu in the top bar


@dataclass(frozen=True)
class Module:
    """A permission module (SPEC §4): groups Allow or Deny it; views declare it."""

    key: str
    label: str
    order: int = 0


@dataclass(frozen=True)
class AuditEvent:
    key: str
    section: str
    text: str


@dataclass(frozen=True)
class HelpTopic:
    slug: str
    title: str
    paragraphs: tuple[str, ...]


def help_topic(slug: str, title: str, text: str) -> HelpTopic:
    """Paragraphs are separated by blank lines; line breaks inside one are spaces."""
    return HelpTopic(slug, title, tuple(" ".join(p.split()) for p in text.strip().split("\n\n")))


@dataclass(frozen=True)
class Section:
    """A menu entry. A section whose issue has not landed has no ``url_name``: the core serves an
    honest "not available yet" page at its ``path``. The real list view's URL starts with
    ``path``; every page under it highlights the section."""

    key: str
    label: str
    path: str
    module: str | None  # permission module; None: Administrators only, or any staff user
    summary: str
    menu: str = MY_ACCOUNT
    order: int = 0
    admin_only: bool = False
    url_name: str = ""  # the real view, once built; empty: the placeholder
    help: str = ""  # the help topic's slug; empty: the My Account topic

    @property
    def route(self) -> str:
        return self.url_name or f"accounts:{self.key}"

    @property
    def help_topic(self) -> str:
        return self.help or "my-account"

    @property
    def url(self) -> str:
        return cached_reverse(self.route)

    def is_active(self, request_path: str) -> bool:
        return request_path.startswith("/" + self.path)

    def visible_to(self, access) -> bool:
        if self.module:
            return access.can_view(self.module)
        return access.can_admin() if self.admin_only else access.is_staff_user


@dataclass(frozen=True)
class Rule:
    """Who may reach a URL, as its app declares it (``AppPanel.permissions``), independently of
    the decorator on the view: tests/test_permissions.py compares the two and sends real
    requests in every role. ``kind`` is module (``module``, ``write``), admin, signed_in or
    public."""

    kind: str
    module: str | None = None
    write: bool = False


def view(module: str) -> Rule:
    """GET needs the module; a POST needs write (``@requires(module)``)."""
    return Rule("module", module)


def write(module: str) -> Rule:
    """Every method needs write (``@requires(module, write=True)``): a page that changes things."""
    return Rule("module", module, write=True)


ADMIN = Rule("admin")  # Administrators of the account (``@admin_only``)
SIGNED_IN = Rule("signed_in")  # any staff user (``@signed_in``)
PUBLIC = Rule("public")  # no sign-in (``@public``)


@dataclass(frozen=True)
class Mount:
    """``urls`` (a URLconf module's dotted path) included at ``path`` of the panel."""

    path: str
    urls: str


@dataclass(frozen=True)
class AppPanel:
    """One app's declaration. ``hooks`` maps a hook name to a dotted path of a callable."""

    modules: tuple[Module, ...] = ()
    sections: tuple[Section, ...] = ()
    events: tuple[AuditEvent, ...] = ()
    help: tuple[HelpTopic, ...] = ()
    urls: tuple[Mount, ...] = ()
    hooks: Mapping[str, str] = field(default_factory=dict)
    # URL name → who may reach it, for every URL the app's URL modules define.
    permissions: Mapping[str, Rule] = field(default_factory=dict)
    # REST API: URL prefix under /api/v1/ → "module.path:router" (a django-ninja Router), mounted
    # by the api app. Empty prefix: the router's paths sit at the API's root.
    api_routers: Mapping[str, str] = field(default_factory=dict)
    app: str = ""


def app_modules(suffix: str) -> list:
    """The ``<app>.<suffix>`` modules that exist, in PROJECT_APPS order. An import error inside
    one still raises."""
    found = []
    for app in settings.PROJECT_APPS:
        name = f"{app}.{suffix}"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if not name.startswith(exc.name or "\0"):
                raise
    return found


@cache
def panels() -> tuple[AppPanel, ...]:
    collected = []
    for module in app_modules("panel"):
        declared = module.panel
        app = module.__name__.rsplit(".", 1)[0]
        collected.append(AppPanel(**{**declared.__dict__, "app": app}))
    return tuple(collected)


def _unique(kind: str, items: Iterator, key: Callable) -> dict:
    found: dict = {}
    for item in items:
        if key(item) in found:
            raise ValueError(f"{kind} {key(item)!r} is declared twice")
        found[key(item)] = item
    return found


@cache
def modules() -> dict[str, Module]:
    declared = [m for p in panels() for m in p.modules]
    return _unique("permission module", iter(sorted(declared, key=lambda m: m.order)), _key)


@cache
def sections() -> dict[str, Section]:
    declared = [s for p in panels() for s in p.sections]
    return _unique("section", iter(sorted(declared, key=lambda s: s.order)), _key)


def menu(name: str) -> list[Section]:
    return [s for s in sections().values() if s.menu == name]


@cache
def audit_events() -> dict[str, AuditEvent]:
    return _unique("audit event", (e for p in panels() for e in p.events), _key)


@cache
def help_topics() -> dict[str, HelpTopic]:
    return _unique("help topic", (t for p in panels() for t in p.help), lambda t: t.slug)


@cache
def permission_table() -> dict[str, Rule]:
    """Every app's declared rule per URL name, and the rule of each placeholder section's page
    (the core serves it behind the section's own permission)."""
    table = _unique(
        "permission rule", ((n, r) for p in panels() for n, r in p.permissions.items()), _first
    )
    table = {name: rule for name, (_, rule) in table.items()}
    for section in sections().values():
        if not section.url_name:
            if section.module:
                table.setdefault(section.route, view(section.module))
            else:
                table.setdefault(section.route, ADMIN if section.admin_only else SIGNED_IN)
    return table


def _first(pair):
    return pair[0]


def api_routers() -> list[tuple[str, str]]:
    """Every app's API routers as (prefix, "module.path:router"), in PROJECT_APPS order."""
    return [item for p in panels() for item in p.api_routers.items()]


def url_mounts() -> list[Mount]:
    return [mount for p in panels() for mount in p.urls]


@cache
def hooks(name: str) -> tuple[Callable, ...]:
    """Every callable registered under ``name``, in PROJECT_APPS order."""
    return tuple(import_string(p.hooks[name]) for p in panels() if name in p.hooks)


def first_answer(name: str, *args, default=None):
    """The first registered hook's answer that is not None; ``default`` when none answers."""
    for hook in hooks(name):
        answer = hook(*args)
        if answer is not None:
            return answer
    return default


def _key(item) -> str:
    return item.key


class LazyRegistry(Mapping):
    """A read-only mapping filled from the declarations on first use (they are collected after
    the apps are loaded, while modules that import this one may be loaded earlier)."""

    def __init__(self, load: Callable[[], dict]):
        self._load = load

    def __getitem__(self, key):
        return self._load()[key]

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())

    def __repr__(self):
        return f"LazyRegistry({list(self._load())})"
