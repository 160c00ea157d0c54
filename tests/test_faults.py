"""Faults (issue 20): the mail server down or hanging, the DNS down, each payment gateway down,
slow, answering 500 or garbage, Redis down under the cache, PostgreSQL connections cut in the
middle of requests. Each time: a clear message, no request hung past its timeout, no
half-written row, and normal service once the fault is gone. Every fault is real: the local fake
servers of tests/fakes and closed or silent ports on this machine; timeouts are shortened so the
file stays fast."""

import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from html import unescape

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from accounts.actors import Actor
from accounts.models import Account, AuditEntry, SmtpSettings
from domains.models import DnsStatus, PortalDomain
from payment_gateways.models import BalanceEntry, Gateway, Payment
from payment_gateways.tests import conftest as payment_fakes
from tests.conftest import PANEL_HOST, PASSWORD, signed_in_client
from tests.fakes import dns_server as dns_fakes
from tests.fakes import smtp_server as smtp_fakes
from tests.fakes.paypal_api import FakePayPal
from tests.fakes.smtp_server import allow_port, closed_port, silent_server
from tests.fakes.stripe_api import FakeStripe
from users import services as user_services
from users.models import User

# Fixtures of the fakes (the apps' conftests import them the same way).
dns_server = dns_fakes.dns_server
smtp_server = smtp_fakes.smtp_server
platform_stripe = payment_fakes.platform_stripe
platform_paypal = payment_fakes.platform_paypal

MARGIN = 1.5  # seconds a request may take beyond its timeout (the test machine is shared)


def text_of(response) -> str:
    """The page's words, tags removed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@contextmanager
def took_at_most(seconds: float):
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.2f}s, more than {seconds}s"


# --- SMTP: the account's mail server refuses connections or never answers --------------------


@contextmanager
def mail_server_fault(kind: str, settings):
    """A mail server's port: closed ("down") or a server that accepts and never says a word
    ("hanging"). Tests run tasks inline (the immediate backend), so the request itself waits for
    the one attempt made here; with the production database backend it would not wait at all."""
    settings.SMTP_TIMEOUT_SECONDS = 0.5
    settings.MAIL_RETRY_DELAYS = []  # one attempt, then "not delivered"
    if kind == "down":
        port = closed_port()
        allow_port(settings, port)
        yield port
        return
    with silent_server() as port:
        allow_port(settings, port)
        yield port


def point_smtp_at(account, port: int) -> None:
    SmtpSettings.objects.for_account(account).update(host="127.0.0.1", port=port, security="none")


@pytest.mark.parametrize("kind", ["down", "hanging"])
def test_test_email_while_the_mail_server_is_down_or_hanging(
    world, client_admin_a, settings, smtp_server, kind
):
    """(accounts/tests/test_smtp.py has every message; here: the time, and nothing changed.)"""
    with mail_server_fault(kind, settings) as port:
        point_smtp_at(world["a"], port)
        saved = SmtpSettings.objects.for_account(world["a"]).values().get()
        with took_at_most(settings.SMTP_TIMEOUT_SECONDS + MARGIN):
            response = client_admin_a.post("/account/config/smtp/test-email/")
        assert response.status_code == 200
        said = "Connection refused by" if kind == "down" else "did not answer within 0.5 seconds"
        assert said in text_of(response)
    assert SmtpSettings.objects.for_account(world["a"]).values().get() == saved
    [entry] = AuditEntry.objects.filter(event="smtp.test_email")
    assert said in entry.data["result"]

    server = smtp_server()
    point_smtp_at(world["a"], server.port)
    response = client_admin_a.post("/account/config/smtp/test-email/")
    assert "Test message sent to admin@alpha.test" in text_of(response)
    assert len(server.messages) == 1


@pytest.mark.parametrize("kind", ["down", "hanging"])
def test_a_password_reset_while_the_mail_server_is_down_or_hanging(
    world, settings, smtp_server, kind, django_capture_on_commit_callbacks
):
    visitor = Client(HTTP_HOST=PANEL_HOST)
    with mail_server_fault(kind, settings) as port:
        point_smtp_at(world["a"], port)
        with (
            took_at_most(settings.SMTP_TIMEOUT_SECONDS + MARGIN),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = visitor.post("/password-reset/", {"email": "admin@alpha.test"})
        # The visitor is told what every visitor is told (the page never says whether mail left).
        assert response.status_code == 302
        assert response["Location"] == "/password-reset/sent/"
    [entry] = AuditEntry.objects.filter(event="mail.not_delivered")
    assert entry.account == world["a"]
    reason = entry.data["reason"]
    if kind == "down":
        assert reason.startswith(f"Connection refused by 127.0.0.1:{port}")
    else:
        assert reason.startswith(f"127.0.0.1:{port} did not answer within 0.5 seconds")
    assert world["admin_a"].password == User.objects.get(pk=world["admin_a"].pk).password

    # The server is back: the next reset arrives.
    server = smtp_server()
    point_smtp_at(world["a"], server.port)
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/password-reset/", {"email": "admin@alpha.test"})
    [message] = server.messages
    assert message["To"] == "admin@alpha.test"
    assert "/password-reset/" in message.get_body(("plain",)).get_content()


def test_an_invitation_while_the_mail_server_hangs(
    world, client_admin_a, settings, smtp_server, django_capture_on_commit_callbacks
):
    data = {"name": "Nina New", "email": "nina@alpha.test", "role": "user", "time_zone": ""}
    with mail_server_fault("hanging", settings) as port:
        point_smtp_at(world["a"], port)
        with (
            took_at_most(settings.SMTP_TIMEOUT_SECONDS + MARGIN),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client_admin_a.post(
                "/account/users/add/", {**data, "ip_whitelist": "", "send_invitation": "on"}
            )
        assert response.status_code == 302
    # The user exists, invited, with no password yet: nothing half-made, and the Administrator
    # finds in the log that the invitation did not go out (and to whom).
    nina = User.objects.get(email="nina@alpha.test")
    assert not nina.has_usable_password()
    [entry] = AuditEntry.objects.filter(event="mail.not_delivered")
    assert entry.target_label == "to nina@alpha.test"
    assert f"127.0.0.1:{port} did not answer" in entry.data["reason"]
    log = text_of(client_admin_a.get("/audit/"))
    assert "to nina@alpha.test" in log and "did not answer within 0.5 seconds" in log

    # Once the server answers, a new invitation reaches Nina.
    server = smtp_server()
    point_smtp_at(world["a"], server.port)
    with django_capture_on_commit_callbacks(execute=True):
        user_services.invite(nina, actor=Actor(world["admin_a"]))
    [message] = server.messages
    assert message["To"] == "nina@alpha.test"


@pytest.mark.parametrize("kind", ["down", "hanging"])
def test_platform_mail_while_the_platforms_mail_server_is_down_or_hanging(
    world, settings, kind, django_capture_on_commit_callbacks
):
    """An account without a server of its own mails through the platform's (EMAIL_URL)."""
    SmtpSettings.objects.for_account(world["a"]).update(host="", port=None)
    with mail_server_fault(kind, settings) as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, None
        visitor = Client(HTTP_HOST=PANEL_HOST)
        with (
            took_at_most(settings.SMTP_TIMEOUT_SECONDS + MARGIN),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = visitor.post("/password-reset/", {"email": "admin@alpha.test"})
        assert response["Location"] == "/password-reset/sent/"
    [entry] = AuditEntry.objects.filter(event="mail.not_delivered")
    assert entry.account == world["a"]
    said = (
        "Connection refused by the platform's mail server"
        if kind == "down"
        else "the platform's mail server did not answer within 0.5 seconds"
    )
    assert said in entry.data["reason"]


# --- DNS: the resolver's server is down or never answers ---------------------------------------


@pytest.mark.parametrize("kind", ["down", "silent"])
@pytest.mark.parametrize("status", [DnsStatus.PENDING, DnsStatus.VERIFIED])
def test_a_domain_check_while_dns_is_down_says_it_could_not_check(
    world, client_admin_a, dns_server, settings, kind, status
):
    settings.DNS_RESOLVER_LIFETIME = 0.5
    domain = world["portal_domain_a"]
    PortalDomain.objects.for_account(world["a"]).filter(pk=domain.pk).update(status=status)
    if kind == "down":
        settings.DNS_RESOLVER_PORT = closed_port()  # nothing listens: UDP port unreachable
    else:
        dns_server.silent(domain.domain)
        dns_server.silent(f"_portal-challenge.{domain.domain}")
    with took_at_most(settings.DNS_RESOLVER_LIFETIME + MARGIN):
        response = client_admin_a.post(f"/account/domains/{domain.pk}/check/", follow=True)
    body = text_of(response)
    label = DnsStatus(status).label
    assert f"{domain.domain} could not be checked now; still {label}." in body
    assert "failed the check" not in body
    domain.refresh_from_db()
    assert domain.status == status
    assert domain.checks.first().status == "not_checked"

    # DNS answers again: the next Check decides.
    settings.DNS_RESOLVER_PORT = dns_server.port
    dns_server.cname(domain.domain, settings.PORTAL_CNAME_TARGET)
    dns_server.txt(f"_portal-challenge.{domain.domain}", domain.verification_token)
    response = client_admin_a.post(f"/account/domains/{domain.pk}/check/", follow=True)
    assert f"{domain.domain} is Verified." in text_of(response)
    domain.refresh_from_db()
    assert domain.status == DnsStatus.VERIFIED


def test_refreshing_many_domains_while_dns_hangs_takes_one_lifetime(
    world, client_admin_a, dns_server, settings
):
    settings.DNS_RESOLVER_LIFETIME = 0.5
    domains = [world["portal_domain_a"]] + [
        PortalDomain.objects.create(account=world["a"], domain=f"d{i}.alpha.test", currencies=[])
        for i in range(4)
    ]
    for domain in domains:
        dns_server.silent(domain.domain)
        dns_server.silent(f"_portal-challenge.{domain.domain}")
    before = dict(PortalDomain.objects.values_list("pk", "status"))
    with took_at_most(settings.DNS_RESOLVER_LIFETIME + MARGIN):
        response = client_admin_a.post(
            "/account/domains/refresh/", {"selected": [d.pk for d in domains]}, follow=True
        )
    assert response.status_code == 200
    assert "could not be checked now" in text_of(response)
    assert dict(PortalDomain.objects.values_list("pk", "status")) == before


# --- payment gateways: down, slow past the timeout, 500, garbage -------------------------------

GATEWAY_TIMEOUT = 0.5
FAULTS = ["down", "slow", "500", "garbage"]
API_BASE = {"stripe": "STRIPE_API_BASE", "paypal": "PAYPAL_SANDBOX_API_BASE"}


@contextmanager
def gateway_fault(fake, kind: str, provider: str, settings):
    """``fake`` (a FakeStripe or FakePayPal the settings point at) fails as ``kind`` says inside
    the block and works again after it."""
    setting = API_BASE[provider]
    if kind == "down":
        setattr(settings, setting, f"http://127.0.0.1:{closed_port()}")
    elif kind == "slow":
        fake.delay = GATEWAY_TIMEOUT + 1  # answers, but after the panel stopped waiting
    elif kind == "500":
        fake.canned = (500, "text/html", b"<html><h1>500 Internal Server Error</h1></html>")
    else:
        fake.canned = (200, "text/html", b"<html><body>Welcome to the hotel wifi</body></html>")
    yield
    setattr(settings, setting, fake.url)
    fake.delay, fake.canned = 0, None


CHECK_REASONS = {
    ("stripe", "down"): "Could not connect to Stripe: connection refused.",
    ("stripe", "slow"): "The gateway did not answer in 0.5 seconds.",
    ("stripe", "500"): "Stripe's answer could not be read (HTTP 500).",
    ("stripe", "garbage"): "Stripe's answer could not be read (HTTP 200).",
    ("paypal", "down"): "Could not connect to PayPal: connection refused.",
    ("paypal", "slow"): "The gateway did not answer in 0.5 seconds.",
    ("paypal", "500"): "PayPal answered HTTP 500.",
    ("paypal", "garbage"): "The gateway answered in a way the panel did not understand.",
}

PAYMENT_REASONS = {**CHECK_REASONS, ("paypal", "garbage"): "PayPal's answer could not be read."}


@pytest.fixture
def fake_gateway(provider: str, settings):
    """The test's provider's fake (Stripe, or PayPal's sandbox), the settings pointed at it."""
    settings.GATEWAY_TIMEOUT_SECONDS = GATEWAY_TIMEOUT
    with FakeStripe() if provider == "stripe" else FakePayPal("sandbox") as fake:
        setattr(settings, API_BASE[provider], fake.url)
        yield fake


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("provider", ["stripe", "paypal"])
def test_checking_a_gateway_during_a_fault(
    world, client_admin_a, settings, provider, kind, fake_gateway
):
    gateway = world["gateway_a" if provider == "stripe" else "paypal_a"]
    fake = fake_gateway
    if provider == "stripe":
        fake.add_account(publishable_key=gateway.public_key, secret_key=gateway.secret_key)
    else:
        fake.add_app(gateway.public_key, gateway.secret_key)

    def check():
        return client_admin_a.post(
            reverse("payment_gateways:refresh"), {"selected": [gateway.pk]}, follow=True
        )

    with gateway_fault(fake, kind, provider, settings):
        with took_at_most(GATEWAY_TIMEOUT + MARGIN):
            response = check()
        body = text_of(response)
        assert response.status_code == 200
        assert f"{gateway.name} checked, but the check failed:" in body
        gateway.refresh_from_db()
        assert gateway.status == Gateway.Status.FAILED
        # One plain sentence: no exception names, no HTML of the answer, no secret.
        for leak in ("Traceback", "Error:", "<html", "hotel wifi", gateway.secret_key):
            assert leak not in gateway.status_reason
        assert gateway.status_reason in body
        assert gateway.status_reason == CHECK_REASONS[provider, kind]

    response = check()
    gateway.refresh_from_db()
    assert gateway.status == Gateway.Status.VERIFIED, gateway.status_reason
    assert f"{gateway.name} checked: Verified by" in text_of(response)


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("provider", ["stripe", "paypal"])
def test_starting_a_payment_during_a_fault(
    account_a, client_admin_a, settings, provider, kind, request
):
    settings.GATEWAY_TIMEOUT_SECONDS = GATEWAY_TIMEOUT
    fake = request.getfixturevalue(f"platform_{provider}")
    account = account_a
    opening = Account.objects.get(pk=account.pk).balance
    order = {"pay_via": provider, "amount": "25", "other_amount": "", "currency": "USD"}

    with gateway_fault(fake, kind, provider, settings):
        with took_at_most(GATEWAY_TIMEOUT + MARGIN):
            response = client_admin_a.post("/account/payments/new/", order)
        assert response.status_code == 400
        body = text_of(response)
        [payment] = Payment.objects.for_account(account)
        assert payment.status == Payment.Status.FAILED
        assert f"The payment could not start: {payment.failure_reason}" in body
        assert "Nothing was charged" in body
        assert payment.failure_reason == PAYMENT_REASONS[provider, kind]
        for leak in ("Traceback", "Error:", "<html", "hotel wifi"):
            assert leak not in payment.failure_reason
        assert Account.objects.get(pk=account.pk).balance == opening
        assert not BalanceEntry.objects.for_account(account).filter(payment=payment).exists()

    # The gateway is back: the next payment starts and goes to the gateway's page.
    response = client_admin_a.post("/account/payments/new/", order)
    assert response.status_code == 302
    started = Payment.objects.for_account(account).exclude(pk=payment.pk).get()
    assert started.status == Payment.Status.PENDING
    assert response["Location"].startswith(fake.url)


# --- Redis down under the cache ------------------------------------------------------------------

REDIS_TIMEOUT = 0.5


def redis_cache(port: int) -> dict:
    """The cache production builds from REDIS_URL (config/settings/base.py), on ``port``."""
    return {
        "default": {
            "BACKEND": "accounts.cache.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
    }


@contextmanager
def redis_at(kind: str):
    """A Redis address that is "down" (nothing listens) or "hanging" (accepts, never answers)."""
    if kind == "down":
        yield closed_port()
        return
    with silent_server() as port:
        yield port


def serve_a_morning(world) -> None:
    """What users do first: an Administrator signs in and opens pages, a portal customer opens
    the portal, an unknown host gets its 404, someone asks for a password-reset mail, a script
    calls the REST API."""
    panel = Client(HTTP_HOST=PANEL_HOST)
    response = panel.post("/login/", {"email": "admin@alpha.test", "password": PASSWORD})
    assert response.status_code == 302, text_of(response)
    for page in (response["Location"], "/account/users/", "/account/domains/"):
        assert panel.get(page, follow=True).status_code == 200, page
    portal = world["portal_sign_in"]("a")
    home = portal.get("/", follow=True)
    assert home.status_code == 200
    assert world["portal_domain_a"].brand_name in home.content.decode()
    assert Client(HTTP_HOST="nobody.example").get("/").status_code == 404
    reset = Client(HTTP_HOST=PANEL_HOST).post("/password-reset/", {"email": "user@alpha.test"})
    assert reset["Location"] == "/password-reset/sent/"
    api = Client(HTTP_HOST=PANEL_HOST, HTTP_AUTHORIZATION=f"Bearer {world['api_token_text_a']}")
    assert api.get("/api/v1/users").status_code == 200  # the rate limit counts nothing: allowed


@pytest.mark.parametrize("kind", ["down", "hanging"])
def test_the_panel_and_portals_serve_while_redis_is_down(world, settings, kind, caplog):
    """Reproduction (before accounts/cache.py): every portal request and every password reset
    answered 500 (redis.exceptions.ConnectionError, or TimeoutError after a wait per call)."""
    settings.REDIS_RETRY_SECONDS = 60
    with redis_at(kind) as port, override_settings(CACHES=redis_cache(port)):
        # A hung Redis costs one timeout in all (then the cache answers as a miss at once).
        with took_at_most(REDIS_TIMEOUT + MARGIN + 2):
            serve_a_morning(world)
        ready = Client().get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["cache"] == "unreachable"
    warnings = [r for r in caplog.records if r.name == "accounts.cache"]
    assert len(warnings) == 1  # one warning for the outage, not one per call
    assert "Redis unavailable" in warnings[0].getMessage()


@pytest.mark.skipif(not shutil.which("redis-server"), reason="no redis-server on this machine")
def test_the_cache_is_used_again_once_redis_is_back(world, settings, tmp_path):
    """A real Redis (started here on a port of its own) comes up after the panel, goes away in
    the middle, and comes back: requests are served throughout, the cache is used again."""
    settings.REDIS_RETRY_SECONDS = 0.2
    port = closed_port()
    with override_settings(CACHES=redis_cache(port)):
        serve_a_morning(world)  # Redis not there yet
        with redis_server(port, tmp_path):
            time.sleep(0.3)  # past REDIS_RETRY_SECONDS: the next call asks Redis again
            serve_a_morning(world)
            cache.set("faults:probe", "1")
            assert cache.get("faults:probe") == "1"
            assert Client().get("/readyz").status_code == 200
        serve_a_morning(world)  # gone again
        assert cache.get("faults:probe") is None
        with redis_server(port, tmp_path):
            time.sleep(0.3)
            assert cache.get("faults:probe") is None  # a new, empty Redis
            cache.set("faults:probe", "2")
            assert cache.get("faults:probe") == "2"


@contextmanager
def redis_server(port: int, directory):
    """A real redis-server of this test's own on ``port`` (stopped, by its pid, at the end)."""
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(directory)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=5)


# --- PostgreSQL: the app's connections cut (as by a restart) between and inside requests ----------

CSRF = "f" * 32  # an unmasked CSRF secret, sent as both the cookie and the header


@pytest.fixture
def production_connections(settings):
    """Persistent connections with health checks, as config/settings/production.py has them,
    on PostgreSQL only; the test's own connection starts afresh with them."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL)")
    saved = {k: connection.settings_dict[k] for k in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.settings_dict.update(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=True)
    connection.close()
    yield
    connection.settings_dict.update(saved)
    connection.close()


class Worker:
    """One gunicorn sync worker: Django's WSGI handler called in this thread, so its request
    signals (close_old_connections: the health check) run as in production, which the test
    Client switches off. Signed in as ``user``."""

    def __init__(self, user):
        self.handler = WSGIHandler()
        session = signed_in_client(user).cookies["sessionid"].value
        self.cookie = f"sessionid={session}; csrftoken={CSRF}"

    def __call__(self, method: str, path: str, data: dict | None = None):
        factory = RequestFactory(HTTP_HOST=PANEL_HOST, HTTP_COOKIE=self.cookie)
        if method == "POST":
            request = factory.post(path, data or {}, HTTP_X_CSRFTOKEN=CSRF)
        else:
            request = factory.get(path)
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split()[0])

        response = self.handler(request.environ, start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()  # request_finished
        return answer["status"], body.decode()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """What a PostgreSQL restart does to the app's connection, from a connection of its own."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.02)


def user_form(email: str) -> dict:
    return {
        "name": "Nina New",
        "email": email,
        "password": "Str0ng-Passw0rd-42!",
        "role": "user",
        "time_zone": "",
        "ip_whitelist": "",
    }


@pytest.mark.django_db(transaction=True)
def test_requests_after_postgresql_cut_the_connection_succeed(admin_a, production_connections):
    worker = Worker(admin_a)
    assert worker("GET", "/account/users/")[0] == 200
    pid = backend_pid()  # the worker's connection, kept between requests
    assert worker("GET", "/account/users/")[0] == 200
    assert backend_pid() == pid

    terminate(pid)
    status, _ = worker("GET", "/account/users/")
    assert status == 200
    assert backend_pid() != pid  # the health check found it dead and connected again
    status, _ = worker("POST", "/account/users/add/", user_form("nina@alpha.test"))
    assert status == 302
    assert User.objects.filter(email="nina@alpha.test").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_connection_cut_in_the_middle_of_a_write_leaves_nothing_half_written(
    admin_a, production_connections
):
    worker = Worker(admin_a)
    assert worker("GET", "/account/users/")[0] == 200
    audit_before = AuditEntry.objects.count()

    def cut_before_the_insert(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "users_user"'):
            terminate(backend_pid_of(context))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(cut_before_the_insert):
        status, body = worker("POST", "/account/users/add/", user_form("nina@alpha.test"))
    assert status in (500, 503)
    assert "please try again in a moment" in body  # the error page, no traceback
    assert "Traceback" not in body and "OperationalError" not in body
    # Nothing of the request's transaction stayed: no user, no audit entry.
    assert not User.objects.filter(email="nina@alpha.test").exists()
    assert AuditEntry.objects.count() == audit_before

    status, _ = worker("POST", "/account/users/add/", user_form("nina@alpha.test"))
    assert status == 302
    assert User.objects.filter(email="nina@alpha.test").count() == 1


def backend_pid_of(context) -> int:
    return context["connection"].connection.info.backend_pid


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("provider", ["stripe", "paypal"])
def test_coming_back_from_the_gateway_during_a_fault(
    account_a, client_admin_a, settings, provider, kind, request
):
    """Paid on the gateway's page, back to the panel while the gateway fails: the payment stays
    Pending (nothing credited, nothing failed), and once the gateway answers it completes once."""
    settings.GATEWAY_TIMEOUT_SECONDS = GATEWAY_TIMEOUT
    fake = request.getfixturevalue(f"platform_{provider}")
    opening = Account.objects.get(pk=account_a.pk).balance
    order = {"pay_via": provider, "amount": "25", "other_amount": "", "currency": "USD"}
    started = client_admin_a.post("/account/payments/new/", order)
    assert started.status_code == 302
    [payment] = Payment.objects.for_account(account_a)
    if provider == "stripe":
        fake.pay(payment.checkout_id)
        back = f"/account/payments/{payment.pk}/return/"
    else:
        back = payment_fakes.local(payment_fakes.approve_on_paypal_page(started["Location"]))

    with gateway_fault(fake, kind, provider, settings):
        with took_at_most(GATEWAY_TIMEOUT + MARGIN):
            page = client_admin_a.get(back, follow=True)
        assert page.status_code == 200
        assert "again in a moment" in text_of(page), text_of(page)
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PENDING
        assert Account.objects.get(pk=account_a.pk).balance == opening

    page = client_admin_a.get(back, follow=True)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED, text_of(page)
    time.sleep(GATEWAY_TIMEOUT + 1.2 if kind == "slow" else 0)  # the late answer arrives too
    client_admin_a.get(back)
    assert Account.objects.get(pk=account_a.pk).balance == opening + 25
    assert BalanceEntry.objects.for_account(account_a).count() == 1
