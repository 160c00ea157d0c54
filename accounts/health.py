"""Liveness and readiness (``/healthz`` and ``/readyz``, accounts.views.operations).

Readiness asks each dependency one cheap question: the database (``SELECT 1``), its migrations
(all of this code's migrations applied; once true it stays true for the process, so later calls
cost nothing), every cache that lives outside the process (a set and a get), and the task backend
(the database backend: its table answers). Each answer is a word: ``ok``, ``unreachable``,
``pending`` (migrations not applied yet), ``not checked`` (it needs the database, which is down).
What went wrong is logged, never answered: the body names no host, port, user or tenant.
"""

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

OK = "ok"
UNREACHABLE = "unreachable"
PENDING = "pending"
NOT_CHECKED = "not checked"
IN_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
DATABASE_TASKS = "django_tasks_db.DatabaseBackend"

_migrated = False  # once every migration is applied, it stays so for this process's code


def _database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("readiness: database unreachable (%s)", type(exc).__name__)
        _close_broken_connection()
        return UNREACHABLE
    return OK


def _close_broken_connection() -> None:
    try:
        connections[DEFAULT_DB_ALIAS].close()
    except Exception:  # already gone
        logger.debug("readiness: closing the broken connection failed", exc_info=True)


def _migrations() -> str:
    global _migrated
    if _migrated:
        return OK
    from django.db.migrations.executor import MigrationExecutor

    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        logger.warning("readiness: migrations not readable (%s)", type(exc).__name__)
        return UNREACHABLE
    if plan:
        logger.warning("readiness: %d migrations not applied", len(plan))
        return PENDING
    _migrated = True
    return OK


def _cache(alias: str) -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache = caches[alias]
        cache.set(key, "1", timeout=5)
        answered = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:
        logger.warning("readiness: cache %s unreachable (%s)", alias, type(exc).__name__)
        return UNREACHABLE
    return OK if answered else UNREACHABLE


def _tasks() -> str:
    from django_tasks_db.models import DBTaskResult

    try:
        DBTaskResult.objects.order_by().values_list("pk").first()
    except Exception as exc:
        logger.warning("readiness: task table unreadable (%s)", type(exc).__name__)
        return UNREACHABLE
    return OK


def external_caches() -> list[str]:
    return [
        alias
        for alias, config in settings.CACHES.items()
        if config.get("BACKEND") not in IN_PROCESS_CACHES
    ]


def readiness() -> dict[str, str]:
    """``{"database": "ok", "migrations": "ok", "cache": "unreachable", ...}``."""
    answers = {"database": _database()}
    database_up = answers["database"] == OK
    answers["migrations"] = _migrations() if database_up else NOT_CHECKED
    for alias in external_caches():
        answers["cache" if alias == "default" else f"cache:{alias}"] = _cache(alias)
    backends = {config["BACKEND"] for config in settings.TASKS.values()}
    if DATABASE_TASKS in backends:
        answers["tasks"] = _tasks() if database_up else NOT_CHECKED
    return answers


def ready(answers: dict[str, str]) -> bool:
    return all(answer == OK for answer in answers.values())
