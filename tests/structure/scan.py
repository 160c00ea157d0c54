"""Static checks of the project's own source: which app imports which, and queries on tenant
models that bypass ``for_account``. Pure functions over source text, so the tests can show each
check catching a planted violation."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CORE_APP = "accounts"
SKIPPED_PARTS = {"tests", "migrations"}
# Manager attributes that take the account explicitly (writes name it; for_account scopes reads).
ALLOWED_MANAGER_CALLS = {"for_account", "create", "bulk_create"}
SIDE_DOOR = "all_accounts"


def app_sources(app: str) -> list[Path]:
    """The app's own code: everything but its tests and migrations."""
    return [
        path
        for path in sorted((ROOT / app).rglob("*.py"))
        if not SKIPPED_PARTS & set(path.relative_to(ROOT).parts)
    ]


def imported_apps(source: str, apps: list[str]) -> set[str]:
    """The project apps a module's source imports (at any depth: function-level imports count)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(apps)
    return found


def import_graph(apps: list[str]) -> dict[str, set[str]]:
    """app → the other apps its own code imports."""
    return {
        app: set().union(*(imported_apps(p.read_text(), apps) for p in app_sources(app))) - {app}
        for app in apps
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle between apps, each as the path that closes it."""
    found, done = [], set()

    def visit(app, path):
        if app in path:
            found.append([*path[path.index(app) :], app])
            return
        if app in done:
            return
        for target in sorted(graph.get(app, ())):
            visit(target, [*path, app])
        done.add(app)

    for app in sorted(graph):
        visit(app, [])
    return found


def unscoped_queries(source: str, tenant_models: set[str]) -> list[str]:
    """``<TenantModel>.objects.<x>`` with ``x`` other than for_account (or a write that names the
    account), and any use of ``_default_manager`` / ``_base_manager`` on a tenant model."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)):
            continue
        manager, model = node.value, node.value.value
        if not (isinstance(model, ast.Name) and model.id in tenant_models):
            continue
        bypass = manager.attr in ("_default_manager", "_base_manager")
        if bypass or (manager.attr == "objects" and node.attr not in ALLOWED_MANAGER_CALLS):
            found.append(f"line {node.lineno}: {model.id}.{manager.attr}.{node.attr}")
    return found
