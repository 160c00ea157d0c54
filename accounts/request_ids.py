"""The request id: one per request, in every log line it causes, in its response's X-Request-ID
header, in its error reports, and carried into the tasks it enqueues.

It is taken from the request's ``X-Request-ID`` header only when the panel runs behind trusted
proxies (TRUSTED_PROXY_COUNT > 0: the proxy sets or overwrites it) and the value is a plain
token; otherwise a new one is made, so a visitor cannot forge ids into the logs.

Tasks are declared with accounts.traced_tasks.task (instead of django_tasks' own): enqueueing
one passes the current request id along, and running it binds that id again around its work.
Imported by the logging formatters, so it imports nothing heavy.
"""

import contextvars
import re
import uuid
from contextlib import contextmanager

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
HEADER = "X-Request-ID"
# What a proxy's id may look like: a uuid, a hex string, a short token. Anything else (spaces,
# quotes, new lines, over 128 characters) is replaced, so it cannot forge or break a log line.
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str:
    return REQUEST_ID.get()


def request_id_of(request) -> str:
    """The id for ``request``: its proxy's X-Request-ID when trusted and well formed, else new."""
    from django.conf import settings

    offered = request.headers.get(HEADER, "")
    if settings.TRUSTED_PROXY_COUNT > 0 and _VALID.fullmatch(offered):
        return offered
    return new_request_id()


@contextmanager
def bound(request_id: str):
    """Every log line inside carries ``request_id``."""
    token = REQUEST_ID.set(request_id)
    try:
        yield request_id
    finally:
        REQUEST_ID.reset(token)
