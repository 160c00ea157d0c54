"""Prometheus metrics: the request metrics, the database query count, the task queue, and the
product's own counters, all served at /metrics (accounts.views.operations).

The product's counters are named here, once, with the values each label may take; the code paths
that count call ``SIGN_INS.inc(result="failed")`` and never prometheus_client itself. A value that
is not declared is counted as ``other``: a label never carries a tenant's name, an e-mail or an
id, so the number of series stays bounded whatever the data.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty directory, emptied at
each start): every worker then writes its numbers there and /metrics adds them up.
"""

import contextvars
import itertools
import logging
import os
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.backends.signals import connection_created
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

disable_created_metrics()  # the *_created series would double the scrape for nothing

logger = logging.getLogger(__name__)
OTHER = "other"
PREFIX = "panel_"


class Counted:
    """A counter whose labels take only the declared values (``labels={"result": (...)}``);
    every combination is exported from the start at 0, so rates and alerts work from the first
    scrape. ``free`` labels take any value the code passes (a task's dotted path): never data."""

    def __init__(self, name: str, documentation: str, labels: dict, free: tuple = ()):
        self.allowed = {key: frozenset(values) for key, values in labels.items()}
        self.free = tuple(free)
        self.metric = Counter(PREFIX + name, documentation, [*labels, *free], registry=REGISTRY)
        if not free:
            keys = list(labels)
            for combination in itertools.product(*(sorted(labels[k]) for k in keys)):
                self.metric.labels(**dict(zip(keys, combination, strict=True)))

    def _checked(self, values: dict) -> dict:
        if set(values) != set(self.allowed) | set(self.free):
            raise TypeError(f"{self.metric._name} takes the labels {sorted(self.allowed)}")
        checked = {}
        for key, value in values.items():
            value = str(value)
            if key in self.allowed and value not in self.allowed[key]:
                logger.warning("%s: an undeclared %s counted as other", self.metric._name, key)
                value = OTHER
            checked[key] = value
        return checked

    def inc(self, **values) -> None:
        self.metric.labels(**self._checked(values)).inc()

    def inc_on_commit(self, **values) -> None:
        """Count once the surrounding transaction commits (at once outside one): a transition
        that is rolled back is not counted."""
        checked = self._checked(values)
        transaction.on_commit(lambda: self.metric.labels(**checked).inc())

    def value(self, **values) -> float:
        """The current count (for tests and the README's examples)."""
        return REGISTRY.get_sample_value(self.metric._name + "_total", self._checked(values)) or 0.0


# --- the product's counters ---------------------------------------------------------------------

PROVIDERS = ("paypal", "stripe", OTHER)

SIGN_INS = Counted(
    "sign_ins",
    "Staff sign-in attempts by result (failed: wrong email or password; locked: refused by the "
    "throttle; refused_ip: outside the user's whitelist or the account's ranges).",
    {"result": ("succeeded", "failed", "locked", "refused_ip", OTHER)},
)
TWO_FACTOR_FAILURES = Counted(
    "two_factor_failures",
    "Wrong second-factor codes at sign-in (locked: the code throttle refused).",
    {"result": ("failed", "locked", OTHER)},
)
GATEWAY_CHECKS = Counted(
    "gateway_checks",
    "Payment gateway credential checks by provider and result.",
    {"provider": PROVIDERS, "result": ("verified", "failed", OTHER)},
)
DNS_CHECKS = Counted(
    "dns_checks",
    "Portal domain DNS checks by result (not_checked: DNS gave no conclusive answer).",
    {"result": ("verified", "failed", "not_checked", OTHER)},
)
MAILS = Counted(
    "mails",
    "Mail delivery attempts (retried: a temporary failure, tried again later; failed: given up).",
    {"result": ("sent", "retried", "failed", OTHER)},
)
PAYMENTS = Counted(
    "payments",
    "Payment transitions by provider and the status reached (pending: started).",
    {"provider": PROVIDERS, "status": ("pending", "completed", "cancelled", "failed", OTHER)},
)
WEBHOOK_REFUSALS = Counted(
    "webhook_refusals",
    "Webhook calls refused (unsigned, badly signed, stale, too large) by provider and channel.",
    {"provider": PROVIDERS, "channel": ("platform", "account", OTHER)},
)
SIP_HEALTH_CHECKS = Counted(
    "sip_health_checks",
    "SIP OPTIONS health checks of servers by result.",
    {"result": ("ok", "answered", "error", "timeout", "failed", "refused", OTHER)},
)
TASKS_RUN = Counted(
    "tasks_run",
    "Background tasks run by this process, by task and outcome.",
    {"status": ("succeeded", "failed")},
    free=("task",),
)


# --- requests and database queries -------------------------------------------------------------

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
HTTP_REQUESTS = Counter(
    PREFIX + "http_requests",
    "HTTP requests by method, URL name and status.",
    ["method", "view", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    PREFIX + "http_request_duration_seconds",
    "Time to answer a request, by method and URL name.",
    ["method", "view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
HTTP_QUERIES = Histogram(
    PREFIX + "http_request_db_queries",
    "Database queries made by one request, by URL name.",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500),
    registry=REGISTRY,
)
DB_QUERIES = Counter(
    PREFIX + "db_queries",
    "Database queries, by connection alias.",
    ["alias"],
    registry=REGISTRY,
)


def observe_request(method: str, view: str, status: int, seconds: float, queries: int) -> None:
    method = method if method in METHODS else OTHER
    HTTP_REQUESTS.labels(method=method, view=view, status=str(status)).inc()
    HTTP_LATENCY.labels(method=method, view=view).observe(seconds)
    HTTP_QUERIES.labels(view=view).observe(queries)


class _Tally:
    count = 0


_REQUEST_TALLY: contextvars.ContextVar[_Tally | None] = contextvars.ContextVar(
    "request_queries", default=None
)


@contextmanager
def counting_queries():
    """The queries made inside (on this thread) are counted in the yielded tally."""
    tally = _Tally()
    token = _REQUEST_TALLY.set(tally)
    try:
        yield tally
    finally:
        _REQUEST_TALLY.reset(token)


_DB_QUERIES_BY_ALIAS: dict = {}


def _count_query(execute, sql, params, many, context):
    alias = context["connection"].alias
    counter = _DB_QUERIES_BY_ALIAS.get(alias)
    if counter is None:
        counter = _DB_QUERIES_BY_ALIAS.setdefault(alias, DB_QUERIES.labels(alias=alias))
    counter.inc()
    tally = _REQUEST_TALLY.get()
    if tally is not None:
        tally.count += 1
    return execute(sql, params, many, context)


def _install_query_counter(sender, connection, **kwargs):
    if _count_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_query)


connection_created.connect(_install_query_counter, dispatch_uid="accounts.metrics.queries")
for _open in connections.all(initialized_only=True):  # opened before this module was imported
    _install_query_counter(None, _open)


# --- the task queue ---------------------------------------------------------------------------


class TaskQueueCollector:
    """Tasks waiting and running in the database task backend, read at each scrape."""

    def describe(self):
        return []

    def collect(self):
        from django.conf import settings

        backends = [c["BACKEND"] for c in settings.TASKS.values()]
        if "django_tasks_db.DatabaseBackend" not in backends:
            return
        family = GaugeMetricFamily(
            PREFIX + "tasks_queued",
            "Tasks of the database backend not finished yet, by status (READY: waiting).",
            labels=["status"],
        )
        try:
            from django.db.models import Count
            from django_tasks_db.models import DBTaskResult

            rows = (
                DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
                .values_list("status")
                .annotate(n=Count("id"))
            )
            counts = {"READY": 0, "RUNNING": 0, **dict(rows)}
        except Exception:  # the database is down: readiness says so; the scrape still answers
            logger.warning("task queue not readable for metrics", exc_info=True)
            return
        for status, count in sorted(counts.items()):
            family.add_metric([status], count)
        yield family


_TASK_QUEUE = TaskQueueCollector()
REGISTRY.register(_TASK_QUEUE)


def exposition() -> bytes:
    """What /metrics answers: this process's metrics, or every worker's under
    PROMETHEUS_MULTIPROC_DIR."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_TASK_QUEUE)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
