"""Optional per-app hook modules (``<app>.demo``, ``<app>.tests.world``), in PROJECT_APPS order."""

import importlib

from django.conf import settings


def app_hooks(suffix: str) -> list:
    """The ``<app>.<suffix>`` modules that exist. An import error inside one still raises."""
    modules = []
    for app in settings.PROJECT_APPS:
        name = f"{app}.{suffix}"
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if not name.startswith(exc.name or "\0"):
                raise
    return modules
