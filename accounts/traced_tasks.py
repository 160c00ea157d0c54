"""Tasks that carry the request id of whoever enqueued them (accounts.request_ids)."""

import functools
import logging
import time
from dataclasses import dataclass

from django_tasks import task as django_task
from django_tasks.base import Task

from .request_ids import bound, current_request_id, new_request_id

logger = logging.getLogger("accounts.tasks")


@dataclass(frozen=True, kw_only=True)
class TracedTask(Task):
    """A django-tasks Task that carries the enqueuing request's id into its run."""

    def enqueue(self, *args, **kwargs):
        kwargs.setdefault("request_id", current_request_id())
        return super().enqueue(*args, **kwargs)

    async def aenqueue(self, *args, **kwargs):
        kwargs.setdefault("request_id", current_request_id())
        return await super().aenqueue(*args, **kwargs)


def task(function=None, **options):
    """``@task()`` as django_tasks' decorator, but the run is logged under the request id of
    whoever enqueued it (a new id when nobody did: a scheduled job), with one line when it ends
    (task, status, duration)."""

    def declare(func):
        @functools.wraps(func)
        def run(*args, request_id: str = "", **kwargs):
            with bound(request_id or new_request_id()):
                started = time.perf_counter()
                status = "failed"
                try:
                    result = func(*args, **kwargs)
                    status = "succeeded"
                    return result
                finally:
                    from .metrics import TASKS_RUN

                    TASKS_RUN.inc(task=f"{func.__module__}.{func.__name__}", status=status)
                    logger.info(
                        "task %s %s",
                        func.__name__,
                        status,
                        extra={
                            "task": f"{func.__module__}.{func.__qualname__}",
                            "status": status,
                            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        },
                    )

        declared = django_task(**options)(run)
        return TracedTask(
            func=declared.func,
            priority=declared.priority,
            backend=declared.backend,
            queue_name=declared.queue_name,
            run_after=declared.run_after,
            takes_context=declared.takes_context,
        )

    return declare(function) if function is not None else declare
