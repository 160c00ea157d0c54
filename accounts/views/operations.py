"""Probes for the people and machines that run the platform: liveness, readiness, metrics.

Served on every host before the tenant middleware (accounts.middleware.OperationsMiddleware), so
neither sign-in nor host routing applies; /metrics still answers only to METRICS_ALLOWED_IPS and
only on a panel host. Nothing here names a tenant or shows configuration.
"""

import ipaddress
import json
import logging

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from .. import health, metrics
from ..permissions import public
from ..requests import client_ip

logger = logging.getLogger(__name__)


def _json(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body), content_type="application/json", status=status)
    response["Cache-Control"] = "no-store"
    return response


@public("liveness probe for load balancers: the process answers; names nothing")
@require_safe
def healthz(request):
    return _json({"status": "ok"})


@public("readiness probe for load balancers: one word per dependency, never configuration")
@require_safe
def readyz(request):
    answers = health.readiness()
    response = _json(answers, status=200 if health.ready(answers) else 503)
    # accounts.health logged what failed; Django's "Service Unavailable" line at every probe of
    # every load balancer would only bury it.
    response._has_been_logged = True
    return response


def metrics_allowed(ip: str | None) -> bool:
    """``ip`` is in METRICS_ALLOWED_IPS (addresses or networks); an empty list allows nobody."""
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:  # the system check reports it
            continue
    return False


@public("Prometheus scrapes; answers only to METRICS_ALLOWED_IPS and only on a panel host")
@require_safe
def metrics_view(request):
    from ..middleware import host_name

    if host_name(request) not in {h.lower() for h in settings.PANEL_HOSTS}:
        return HttpResponse("Not found.", content_type="text/plain", status=404)
    if not metrics_allowed(client_ip(request)):
        logger.warning("metrics refused to an address outside METRICS_ALLOWED_IPS")
        return HttpResponse(
            "Metrics are served only to METRICS_ALLOWED_IPS.", content_type="text/plain", status=403
        )
    # The classic text format (0.0.4): every Prometheus version reads it; the names are plain.
    from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

    response = HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response
