"""The fake Stripe and PayPal served by Django itself, for `make run` (config.settings.dev with
DEV_FAKE_GATEWAYS): ``/dev/fake-stripe/…`` and ``/dev/fake-paypal/…`` on the panel's own
runserver, with STRIPE_API_BASE and PAYPAL_SANDBOX_API_BASE pointed at them.

The very handlers the tests run on their own ports answer here: each request is replayed into a
handler with in-memory streams and its raw HTTP answer turned back into a Django response. The
fakes know the platform's demo keys from settings and deliver their signed webhooks to the
panel's platform webhook URLs (on PANEL_BASE_URL). State lives in this process: a restart of
runserver forgets open checkouts (their payments stay Pending, then expire).
"""

import io
from email.message import Message
from types import SimpleNamespace

from csp.decorators import csp_exempt
from django.conf import settings
from django.http import HttpResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from accounts.permissions import public

from .paypal_api import FakePayPal
from .stripe_api import FakeStripe

KEPT_REQUESTS = 200
HOP_HEADERS = {"server", "date", "content-length", "connection", "transfer-encoding"}


def _stripe() -> FakeStripe:
    fake = FakeStripe()
    fake.public_url = f"{settings.PANEL_BASE_URL}/dev/fake-stripe"
    fake.add_account(
        secret_key=settings.PLATFORM_STRIPE_SECRET_KEY,
        publishable_key=settings.PLATFORM_STRIPE_PUBLISHABLE_KEY,
    )
    fake.add_webhook_endpoint(
        f"{settings.PANEL_BASE_URL}/webhooks/platform/stripe/",
        settings.PLATFORM_STRIPE_WEBHOOK_SECRET,
    )
    return fake


def _paypal() -> FakePayPal:
    fake = FakePayPal("sandbox")
    fake.public_url = f"{settings.PANEL_BASE_URL}/dev/fake-paypal"
    client_id, _ = fake.add_app(settings.PLATFORM_PAYPAL_CLIENT_ID, settings.PLATFORM_PAYPAL_SECRET)
    fake.merchants[client_id] = settings.PLATFORM_PAYPAL_RECEIVER_EMAIL
    fake.add_webhook(
        f"{settings.PANEL_BASE_URL}/webhooks/platform/paypal/", settings.PLATFORM_PAYPAL_WEBHOOK_ID
    )
    return fake


def serve(fake, request, path: str) -> HttpResponse:
    """Run ``fake``'s handler on this request and answer what it wrote."""
    handler = fake.handler.__new__(fake.handler)
    query = request.META.get("QUERY_STRING", "")
    handler.path = "/" + path + (f"?{query}" if query else "")
    handler.command = request.method
    handler.request_version = "HTTP/1.1"
    handler.requestline = f"{request.method} {handler.path} HTTP/1.1"
    handler.client_address = (request.META.get("REMOTE_ADDR", "127.0.0.1"), 0)
    handler.close_connection = False
    handler.server = SimpleNamespace(fake=fake)
    body = request.body
    headers = Message()
    for name, value in request.headers.items():
        if name.lower() != "content-length":
            headers[name] = value
    headers["Content-Length"] = str(len(body))
    handler.headers = headers
    handler.rfile, handler.wfile = io.BytesIO(body), io.BytesIO()
    handler._handle()
    del fake.requests[:-KEPT_REQUESTS]
    return _response(handler.wfile.getvalue())


def _response(raw: bytes) -> HttpResponse:
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("iso-8859-1").split("\r\n")
    response = HttpResponse(content, status=int(status_line.split()[1]))
    for line in lines:
        name, _, value = line.partition(":")
        if name.lower() not in HOP_HEADERS:
            response[name] = value.strip()
    return response


def _view(fake):
    @csrf_exempt
    @public("development only: a fake payment gateway (config.settings.dev)")
    @csp_exempt()
    def view(request, path):
        return serve(fake, request, path)

    return view


STRIPE, PAYPAL = _stripe(), _paypal()
urlpatterns = [
    re_path(r"^fake-stripe/(?P<path>.*)$", _view(STRIPE), name="fake_stripe"),
    re_path(r"^fake-paypal/(?P<path>.*)$", _view(PAYPAL), name="fake_paypal"),
]
