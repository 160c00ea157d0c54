"""Host routing: a Verified portal domain serves its account's portal; anything else is a 404
that names no tenant. The host lookup is cached and forgotten on commit when a domain changes."""

import os
import socket
import uuid

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.actors import PLATFORM, Actor
from accounts.services import create_account
from domains import services
from domains.dns_check import CheckResult
from domains.models import DnsStatus, PortalDomain
from domains.routing import resolve_portal_host
from tests.conftest import signed_in_client

TENANT_WORDS = ["Alpha", "Bravo", "Account console", "portal.bravo.test"]


def portal_client(host="portal.alpha.test") -> Client:
    return Client(HTTP_HOST=host)


def assert_plain_404(response):
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body
    for word in TENANT_WORDS:
        assert word not in body, word


def test_a_verified_host_serves_its_accounts_portal(world):
    response = portal_client().get("/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sign in to Alpha Customer Hub" in body
    assert "Alpha Customer Hub footer" in body
    assert response.wsgi_request.account == world["a"]
    assert response.wsgi_request.portal.domain == world["portal_domain_a"]


def test_the_portal_shows_nothing_of_the_platform_or_other_tenants(world):
    body = portal_client().get("/login/").content.decode()
    for word in ["Account console", "Alpha Networks", "Bravo", "favicon.svg", "/account/"]:
        assert word not in body, word


def test_a_host_with_a_port_and_capitals_is_the_same_portal(world):
    response = portal_client("Portal.ALPHA.test:8443").get("/login/")
    assert response.status_code == 200
    assert "Alpha Customer Hub" in response.content.decode()


@pytest.mark.parametrize("status", [DnsStatus.PENDING, DnsStatus.FAILED])
def test_pending_and_failed_hosts_are_a_plain_404(world, status):
    PortalDomain.objects.filter(pk=world["portal_domain_a"].pk).update(status=status)
    for path in ("/", "/login/", "/portal.css", "/logo/"):
        assert_plain_404(portal_client().get(path))


def test_unknown_and_malformed_hosts_are_a_plain_404(world):
    for host in ("portal.unknown.test", "alpha.test", "bad_host!.test", "x" * 300 + ".test"):
        assert_plain_404(portal_client(host).get("/login/"))


def test_panel_urls_do_not_exist_on_a_portal_host(world):
    for path in ("/account/domains/", "/admin/", "/account/config/", "/password-reset/"):
        assert_plain_404(signed_in_client(world["admin_a"], host="portal.alpha.test").get(path))


def test_a_cache_hit_costs_no_query(world):
    assert resolve_portal_host("portal.alpha.test").account == world["a"]  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        site = resolve_portal_host("portal.alpha.test")
        unknown_first = resolve_portal_host("portal.unknown.test")
    assert site.domain.brand_name == "Alpha Customer Hub"
    assert unknown_first is None
    assert len(queries) == 1  # only the unknown host's first lookup
    with CaptureQueriesContext(connection) as queries:
        assert resolve_portal_host("portal.unknown.test") is None  # "nothing" is cached too
        response = portal_client().get("/portal.css")
    assert response.status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_a_deleted_domain_is_no_longer_served(world, django_capture_on_commit_callbacks):
    assert portal_client().get("/login/").status_code == 200  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_domains(Actor(world["admin_a"]), [world["portal_domain_a"].pk])
    assert_plain_404(portal_client().get("/login/"))


def test_a_failing_domain_is_no_longer_served(world, django_capture_on_commit_callbacks):
    assert portal_client().get("/login/").status_code == 200
    failed = CheckResult("portal.alpha.test", False, "No CNAME record was found.")
    with django_capture_on_commit_callbacks(execute=True):
        services.record_check(actor=PLATFORM, domain=world["portal_domain_a"], result=failed)
    assert_plain_404(portal_client().get("/login/"))


def test_a_lookup_that_read_the_domain_before_it_failed_cannot_cache_it_again(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    """Reproduction of the host-cache race: a request reads the Verified domain, the domain
    fails and its host is forgotten, then that request stores what it read. Before versioned
    keys, the failed domain was served again until the cache timeout."""
    from domains import routing

    real_lookup = routing._lookup

    def lookup_overtaken_by_a_failure(host):
        site = real_lookup(host)  # read while still Verified
        failed = CheckResult("portal.alpha.test", False, "No CNAME record was found.")
        with django_capture_on_commit_callbacks(execute=True):
            services.record_check(actor=PLATFORM, domain=world["portal_domain_a"], result=failed)
        return site

    monkeypatch.setattr(routing, "_lookup", lookup_overtaken_by_a_failure)
    assert resolve_portal_host("portal.alpha.test") is not None  # the in-flight request
    monkeypatch.setattr(routing, "_lookup", real_lookup)
    assert resolve_portal_host("portal.alpha.test") is None  # every later one
    assert_plain_404(portal_client().get("/login/"))


def test_a_renamed_domain_frees_the_old_host(world, django_capture_on_commit_callbacks):
    domain = world["portal_domain_a"]
    assert portal_client().get("/login/").status_code == 200
    data = {field: getattr(domain, field) for field in services.EDITABLE}
    data["domain"] = "hub.alpha.test"
    with django_capture_on_commit_callbacks(execute=True):
        services.update_domain(actor=Actor(world["admin_a"]), domain=domain, data=data)
    assert_plain_404(portal_client().get("/login/"))
    assert_plain_404(portal_client("hub.alpha.test").get("/login/"))  # Pending until checked
    domain.refresh_from_db()
    assert domain.status == DnsStatus.PENDING


def test_a_new_brand_shows_at_once(world, django_capture_on_commit_callbacks):
    domain = world["portal_domain_a"]
    assert "Alpha Customer Hub" in portal_client().get("/login/").content.decode()
    data = {field: getattr(domain, field) for field in services.EDITABLE}
    data["brand_name"] = "Alpha Renamed"
    with django_capture_on_commit_callbacks(execute=True):
        services.update_domain(actor=Actor(world["admin_a"]), domain=domain, data=data)
    assert "Alpha Renamed" in portal_client().get("/login/").content.decode()


def test_an_account_change_refreshes_the_cached_site(world, django_capture_on_commit_callbacks):
    assert resolve_portal_host("portal.alpha.test").account.time_zone == "UTC"
    account = world["a"]
    account.time_zone = "Europe/Paris"
    with django_capture_on_commit_callbacks(execute=True):
        account.save()
    assert resolve_portal_host("portal.alpha.test").account.time_zone == "Europe/Paris"


def test_a_newly_verified_domain_is_served_at_once(world, django_capture_on_commit_callbacks):
    domain = PortalDomain.objects.create(
        account=world["b"], domain="new.bravo.test", currencies=["EUR"]
    )
    assert_plain_404(portal_client("new.bravo.test").get("/login/"))  # "nothing" is cached
    verified = CheckResult("new.bravo.test", True, "CNAME and TXT found.", proven=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_check(actor=PLATFORM, domain=domain, result=verified)
    assert portal_client("new.bravo.test").get("/login/").status_code == 200


# --- sessions are bound to their host --------------------------------------------------------


def test_a_panel_session_is_refused_on_a_portal_host(world):
    client = signed_in_client(world["admin_a"])  # a panel session (host testserver)
    assert client.get("/account/domains/").status_code == 200
    response = client.get("/login/", HTTP_HOST="portal.alpha.test")
    assert response.status_code == 200
    assert response.wsgi_request.user.is_anonymous
    assert "Ada Alpha" not in response.content.decode()


def test_a_portal_session_is_refused_on_the_panel(world):
    client = signed_in_client(world["admin_a"], host="portal.alpha.test")
    response = client.get("/account/domains/", HTTP_HOST="testserver")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_session_of_one_portal_is_refused_on_another(world):
    client = signed_in_client(world["admin_a"], host="portal.alpha.test")
    response = client.get("/login/", HTTP_HOST="portal.bravo.test")
    assert response.wsgi_request.user.is_anonymous


# --- the cache is Redis when REDIS_URL is set ---------------------------------------------------


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def test_the_host_cache_works_on_redis(world, django_capture_on_commit_callbacks):
    if not _redis_up():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but no Redis answers on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    with override_settings(CACHES=redis):
        assert resolve_portal_host("portal.alpha.test").account == world["a"]
        with CaptureQueriesContext(connection) as queries:
            assert resolve_portal_host("portal.alpha.test").domain.brand_name == (
                "Alpha Customer Hub"
            )
        assert len(queries) == 0
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_domains(Actor(world["admin_a"]), [world["portal_domain_a"].pk])
        assert resolve_portal_host("portal.alpha.test") is None


def test_a_second_account_gets_its_own_portal(world):
    account = create_account(name="Charlie", email="c@c.test", currency="GBP", time_zone="UTC")
    PortalDomain.objects.create(
        account=account, domain="portal.charlie.test", status=DnsStatus.VERIFIED, currencies=["GBP"]
    )
    assert resolve_portal_host("portal.charlie.test").account == account
    assert resolve_portal_host("portal.alpha.test").account == world["a"]
