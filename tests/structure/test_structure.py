"""The shape the README's "Architecture" promises: the core imports no section app, apps import
each other in one direction only, and tenant rows are read through ``for_account`` (or the named
``all_accounts`` door for the deliberate cross-account queries)."""

from django.apps import apps
from django.conf import settings

from .scan import (
    CORE_APP,
    app_sources,
    cycles,
    import_graph,
    imported_apps,
    unscoped_queries,
)


def tenant_model_names() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if any(f.name == "account" for f in model._meta.concrete_fields)
    }


def test_the_core_imports_no_section_app():
    graph = import_graph(settings.PROJECT_APPS)
    assert graph[CORE_APP] == set(), f"the core imports {sorted(graph[CORE_APP])}"


def test_no_import_cycles_between_apps():
    assert cycles(import_graph(settings.PROJECT_APPS)) == []


def test_the_import_checks_catch_a_violation():
    apps_ = ["accounts", "domains", "portal"]
    source = "def f():\n    from domains.routing import resolve_portal_host\n"
    assert imported_apps(source, apps_) == {"domains"}
    assert cycles({"domains": {"portal"}, "portal": {"domains"}}) == [
        ["domains", "portal", "domains"]
    ]
    assert cycles({"accounts": set(), "users": {"accounts"}}) == []


def test_tenant_models_are_read_through_for_account_or_the_named_door():
    tenant_models = tenant_model_names()
    problems = [
        f"{path.relative_to(settings.BASE_DIR)} {problem}"
        for app in settings.PROJECT_APPS
        for path in app_sources(app)
        for problem in unscoped_queries(path.read_text(), tenant_models)
    ]
    assert not problems, (
        "unscoped queries on tenant models (use for_account(account), or Model.all_accounts "
        "for a deliberate cross-account query):\n" + "\n".join(problems)
    )


def test_the_query_check_catches_an_unscoped_query():
    source = (
        "Gateway.objects.filter(pk=1)\n"
        "Gateway.objects.for_account(a).filter(pk=1)\n"
        "Gateway.all_accounts.filter(pk=1)\n"
        "Gateway._base_manager.all()\n"
        "Gateway.objects.create(account=a)\n"
    )
    assert unscoped_queries(source, {"Gateway"}) == [
        "line 1: Gateway.objects.filter",
        "line 4: Gateway._base_manager.all",
    ]
