"""Logs: one line per request (method, URL name, status, duration, user and account ids, the
request id), JSON lines in production, readable lines in development.

- :class:`JSONFormatter` writes each record as one JSON object; :class:`ConsoleFormatter` as one
  readable line. Both carry the request id (accounts.request_ids) and both mask what must never be
  logged: e-mail addresses anywhere in the text, the value of any extra field named like a secret
  (accounts.masking, the audit log's rule).
- :class:`RequestLogMiddleware` (first in MIDDLEWARE) gives the request its id, answers it in the
  X-Request-ID header, writes the request's line to the ``accounts.requests`` logger and feeds the
  request metrics (accounts.metrics). The line names the URL pattern, never the path: paths hold
  object ids, tokens (password reset, invitations) and search words.
"""

import json
import logging
import time
from datetime import UTC, datetime

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

from .masking import mask, without_emails
from .request_ids import HEADER, bound, current_request_id, request_id_of

request_logger = logging.getLogger("accounts.requests")

# What every LogRecord has; anything else on a record came from ``extra=`` and is logged as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
# Requests a load balancer or Prometheus makes every few seconds: logged at DEBUG, not INFO.
QUIET_URL_NAMES = {"accounts:healthz", "accounts:readyz", "accounts:metrics"}


def _stamped_factory(make_record):
    """Every record is stamped with the request id current where it is made (a handler may
    format it later, elsewhere: a queue, pytest's capture)."""

    def make(*args, **kwargs):
        record = make_record(*args, **kwargs)
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id()
        return record

    make.stamps_request_ids = True
    return make


if not getattr(logging.getLogRecordFactory(), "stamps_request_ids", False):
    logging.setLogRecordFactory(_stamped_factory(logging.getLogRecordFactory()))


def _request_of(record: logging.LogRecord):
    """The request Django's own loggers attach (django.request, django.security)."""
    request = getattr(record, "request", None)
    return request if isinstance(request, HttpRequest) else None


def _request_id(record: logging.LogRecord) -> str:
    request = _request_of(record)
    return (
        getattr(record, "request_id", "")
        or current_request_id()
        or getattr(request, "request_id", "")
    )


def _extras(record: logging.LogRecord) -> dict:
    fields = {
        k: v
        for k, v in vars(record).items()
        if k not in _STANDARD and not k.startswith("_") and k != "request"
    }
    return {k: without_emails(v) if isinstance(v, str) else v for k, v in mask(fields).items()}


def _text(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    text = record.getMessage()
    request = _request_of(record)
    if request is not None and request.path:  # "Internal Server Error: /reset/<token>/"
        text = text.replace(request.path, url_name(request))
    if record.exc_info:
        text = f"{text}\n{formatter.formatException(record.exc_info)}"
    elif record.exc_text:
        text = f"{text}\n{record.exc_text}"
    return without_emails(text)


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _text(record, self),
            "request_id": _request_id(record),
            **_extras(record),
        }
        return json.dumps(line, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """A readable line for development: time, level, logger, [request id], message, fields."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = _request_id(record)
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        rid = f" [{request_id[:8]}]" if request_id else ""
        return f"{stamp} {record.levelname:<7} {record.name}{rid} {_text(record, self)}" + (
            f"  {fields}" if fields else ""
        )


def url_name(request) -> str:
    """The URL pattern's name (bounded: a metric label and a log field), never the path."""
    named = getattr(request, "operations_url_name", "")
    if named:
        return named
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or "unnamed"


def _evaluated_user(request):
    """The request's user if the request already looked it up (never a query just to log)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        wrapped = user._wrapped
        user = None if wrapped is empty else wrapped
    return user if getattr(user, "is_authenticated", False) else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        from . import metrics  # not at import: the logging set-up imports this module early

        self.get_response = get_response
        self.metrics = metrics

    def __call__(self, request):
        metrics = self.metrics
        request.request_id = request_id_of(request)
        with bound(request.request_id), metrics.counting_queries() as queries:
            started = time.perf_counter()
            response = self.get_response(request)
            duration = time.perf_counter() - started
            response[HEADER] = request.request_id
            name = url_name(request)
            metrics.observe_request(
                request.method, name, response.status_code, duration, queries.count
            )
            user = _evaluated_user(request)
            account = getattr(request, "account", None)
            request_logger.log(
                logging.DEBUG if name in QUIET_URL_NAMES else logging.INFO,
                "%s %s %s",
                request.method,
                name,
                response.status_code,
                extra={
                    "method": request.method,
                    "url_name": name,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "db_queries": queries.count,
                    "site": getattr(request, "site", ""),
                    "user_id": user.pk if user is not None else None,
                    "account_id": account.pk if account is not None else None,
                },
            )
        return response
