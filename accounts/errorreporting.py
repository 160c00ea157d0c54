"""Error reports to Sentry, only when SENTRY_DSN is set (accounts.apps calls :func:`init`).

Nothing personal or secret leaves: ``send_default_pii=False`` (no user, IP address or cookies),
no local variables of the failing frames (they hold tenants' data), no request bodies, and
:func:`scrub` goes over every event before it is sent: the request keeps only harmless headers
and loses its URL and query string (paths carry ids and reset tokens; the transaction names the
URL pattern instead), any key naming a secret is masked by the audit log's rule
(accounts.masking), and e-mail addresses are cut out of every string. Each event is tagged with
the request id, so a report leads to the request's log lines.
"""

import re

from .masking import MASK, SECRET_KEY, without_emails
from .request_ids import current_request_id

# Besides the audit log's secret names: what carries a session, credentials or an address.
_SENSITIVE_KEY = re.compile(r"cookie|authorization|session|csrf|email|dsn|auth|key", re.I)
_SAFE_HEADERS = {"user-agent", "accept", "content-type", "content-length", "x-request-id"}


def _walk(value):
    if isinstance(value, dict):
        return {
            key: (
                MASK
                if isinstance(key, str) and (SECRET_KEY.search(key) or _SENSITIVE_KEY.search(key))
                else _walk(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_walk(item) for item in value]
    if isinstance(value, str):
        return without_emails(value)
    return value


def _scrub_request(request: dict) -> dict:
    headers = request.get("headers") or {}
    return {
        "method": request.get("method", ""),
        "headers": {k: v for k, v in headers.items() if k.lower() in _SAFE_HEADERS},
    }


def scrub(event, hint=None):
    """Sentry's ``before_send``: the event as it may leave (see the module's docstring)."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"])
    event.pop("user", None)
    tags = event.get("tags") or {}
    event = {key: (value if key == "tags" else _walk(value)) for key, value in event.items()}
    request_id = current_request_id()
    if request_id:
        tags = {**tags, "request_id": request_id}
    event["tags"] = tags
    return event


def scrub_breadcrumb(crumb, hint=None):
    return _walk(crumb)


def init(dsn: str, *, environment: str = "", release: str = "", traces_sample_rate: float = 0):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub,
        before_send_transaction=scrub,
        before_breadcrumb=scrub_breadcrumb,
        integrations=[DjangoIntegration()],
    )
