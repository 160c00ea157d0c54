"""The periodic re-check (manage.py check_domains and its task) against a local DNS server."""

import io

from django.core.management import call_command
from django.test import Client

from accounts.actors import Actor
from accounts.metrics import DNS_CHECKS
from accounts.models import AuditEntry
from domains import services
from domains.models import DnsStatus, DomainCheck, PortalDomain
from domains.tasks import recheck_all_domains

TARGET = "portals.console.test"


def test_a_domain_that_stops_pointing_at_the_target_fails_and_is_no_longer_served(
    world, dns_server, django_capture_on_commit_callbacks
):
    dns_server.cname("portal.alpha.test", TARGET)
    dns_server.cname("portal.bravo.test", "somewhere-else.example")
    pending = PortalDomain.objects.create(
        account=world["b"], domain="new.bravo.test", currencies=["EUR"]
    )
    dns_server.cname("new.bravo.test", TARGET)
    dns_server.txt("_portal-challenge.new.bravo.test", pending.verification_token)
    assert Client(HTTP_HOST="portal.bravo.test").get("/login/").status_code == 200  # cached

    out = io.StringIO()
    results = ("verified", "failed", "not_checked")
    counts = {r: DNS_CHECKS.value(result=r) for r in results}
    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_domains", stdout=out)
    assert {r: DNS_CHECKS.value(result=r) - counts[r] for r in results} == {
        "verified": 2,
        "failed": 1,
        "not_checked": 0,
    }

    statuses = dict(PortalDomain.objects.values_list("domain", "status"))
    assert statuses == {
        "portal.alpha.test": DnsStatus.VERIFIED,
        "portal.bravo.test": DnsStatus.FAILED,
        "new.bravo.test": DnsStatus.VERIFIED,
    }
    text = out.getvalue()
    assert (
        "portal.bravo.test: Verified → Failed. The CNAME points at somewhere-else.example" in text
    )
    assert "new.bravo.test: Pending DNS → Verified." in text
    assert "Checked 3 domains: 2 Verified, 1 Failed, 0 not checked (no DNS answer)." in text
    assert Client(HTTP_HOST="portal.bravo.test").get("/login/").status_code == 404
    assert Client(HTTP_HOST="new.bravo.test").get("/login/").status_code == 200
    # Scheduled checks are in each domain's history; the audit log keeps only status changes.
    assert pending.checks.get().checked_by is None
    audited = AuditEntry.objects.filter(event="domain.checked").values_list(
        "target_label", flat=True
    )
    assert sorted(audited) == ["new.bravo.test", "portal.bravo.test"]


def test_the_task_runs_the_same_re_check(world, dns_server):
    dns_server.cname("portal.alpha.test", TARGET)
    # portal.bravo.test is unknown to the server: NXDOMAIN
    result = recheck_all_domains.enqueue()
    assert result.return_value == {"verified": 1, "failed": 1}
    assert "NXDOMAIN" in PortalDomain.objects.get(domain="portal.bravo.test").last_check_found


def test_demo_portals_are_verified_and_served(db):
    call_command("demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo", stdout=out)  # twice: idempotent
    assert "http://portal.acme.localhost:8000/" in out.getvalue()
    domains = PortalDomain.objects.order_by("domain")
    assert [(d.domain, d.account.name, d.status) for d in domains] == [
        ("portal.acme.localhost", "Acme Telecom", DnsStatus.VERIFIED),
        ("portal.globex.localhost", "Globex Voice", DnsStatus.VERIFIED),
    ]
    body = Client(HTTP_HOST="portal.acme.localhost:8000").get("/login/").content.decode()
    assert "Acme Voice Portal" in body and "Globex" not in body
    logo = Client(HTTP_HOST="portal.globex.localhost").get("/logo/")
    assert logo["Content-Type"] == "image/svg+xml"


def test_no_answer_from_dns_keeps_a_verified_portal_served(
    world, dns_server, settings, django_capture_on_commit_callbacks
):
    settings.DNS_RESOLVER_LIFETIME = 0.5
    dns_server.silent("portal.alpha.test")
    dns_server.servfail("portal.bravo.test")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_domains", stdout=out)
    for name in ("portal.alpha.test", "portal.bravo.test"):
        domain = PortalDomain.objects.get(domain=name)
        assert domain.status == DnsStatus.VERIFIED
        assert "Still Verified" in domain.last_check_found
        check = domain.checks.latest("checked_at")
        assert check.status == DomainCheck.Outcome.NOT_CHECKED  # not Failed: nothing was learnt
        assert check.get_status_display() == "Not checked"
        assert Client(HTTP_HOST=name).get("/login/").status_code == 200
        assert f"{name}: Verified, not checked now." in out.getvalue()
    assert "0 Verified, 0 Failed, 2 not checked (no DNS answer)." in out.getvalue()
    assert not AuditEntry.objects.filter(event="domain.checked").exists()  # no status changed


def test_no_answer_for_a_pending_domain_leaves_it_pending(world, dns_server, settings):
    settings.DNS_RESOLVER_LIFETIME = 0.5
    pending = PortalDomain.objects.create(account=world["a"], domain="new.alpha.test")
    dns_server.servfail("new.alpha.test")
    check = services.check_domain(actor=Actor(world["admin_a"]), domain=pending)
    pending.refresh_from_db()
    assert (pending.status, check.status) == (DnsStatus.PENDING, "not_checked")


def test_localhost_names_verify_without_dns_only_where_enabled(world, dns_server, settings):
    from domains.dns_check import check_cname

    dns_server.empty("portal.demo.localhost")
    assert not check_cname("portal.demo.localhost").verified
    settings.VERIFY_LOCALHOST_DOMAINS = True  # config/settings/dev.py, for the demo
    assert check_cname("portal.demo.localhost").verified
