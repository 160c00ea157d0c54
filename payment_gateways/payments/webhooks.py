"""The webhook endpoints: no session, no CSRF token; only the gateway's signature counts.

- ``/webhooks/platform/<stripe|paypal>/``: the platform's own Stripe and PayPal (Account
  top-ups). The platform operator pastes these into the dashboards (README, "Payments").
- ``/webhooks/<type>/<gateway uuid>/`` (``payment_gateways.webhooks.WEBHOOK_ROUTE``): an account's
  own gateway, as the API tab shows it (portal payments).

Each caller may call each endpoint at most WEBHOOKS_PER_MINUTE times a minute (counted in the
shared cache, per address or IPv6 /64): past it, 429 with Retry-After, before the body is read
or anything is verified, so a flood of forged calls cannot make the panel ask PayPal to verify
each one or write an audit row each. The gateways retry a refused delivery later (Stripe for up
to three days, PayPal up to 25 times), so a real event is delayed, not lost.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.permissions import public
from accounts.requests import client_ip
from users.throttle import caller, within_limit

from ..models import Gateway
from . import services
from .channels import Channel, gateway_channel, platform_channel

MAX_BODY = 1024 * 1024
SIGNED = "called by the gateway: authenticated by its signature, not by a session"


@csrf_exempt
@public(SIGNED)
@require_POST
def platform_webhook(request, gateway_type):
    channel = platform_channel(gateway_type)
    if channel is None:
        raise Http404("The platform has not configured this gateway.")
    return _receive(request, channel)


@csrf_exempt
@public(SIGNED)
@require_POST
def gateway_webhook(request, gateway_type, gateway_uuid):
    # Across accounts on purpose: the gateway's uuid in the URL names the account.
    gateway = (
        Gateway.all_accounts.filter(uuid=gateway_uuid, type=gateway_type)
        .select_related("account")
        .first()
    )
    if gateway is None:
        raise Http404("No such gateway.")
    return _receive(request, gateway_channel(gateway))


def _receive(request, channel: Channel) -> HttpResponse:
    ip = client_ip(request)
    if not within_limit(f"webhook:{request.path}:{caller(ip)}", settings.WEBHOOKS_PER_MINUTE, 60):
        too_many = HttpResponse("Too many calls.", status=429, content_type="text/plain")
        too_many["Retry-After"] = "60"
        return too_many
    body = _body(request)
    if body is None:
        services.refuse_webhook(channel, "The body is larger than 1 MB.", ip=ip)
        return HttpResponse("Request body too large.", status=413, content_type="text/plain")
    status = services.handle_webhook(channel, body=body, headers=request.headers, ip=ip)
    return HttpResponse(status=status)


def _body(request) -> bytes | None:
    """The raw body, or None when it is over MAX_BODY (read no further than that)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        return None
    body = request.read(MAX_BODY + 1)
    return None if len(body) > MAX_BODY else body
