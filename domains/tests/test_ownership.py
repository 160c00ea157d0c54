"""Portal domain ownership by TXT record (SPEC §6), against the local DNS server.

The reproductions come from the outside review: a CNAME is the same for every tenant, so with it
alone one tenant could take over another's portal domain (a CNAME left behind after a delete, or
a name claimed before its owner added it).
"""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from domains import services
from domains.dns_check import check_proof, check_records
from domains.models import DnsStatus, PortalDomain
from tests.querycount import assert_constant_queries

from .test_views import form_data

TARGET = "portals.console.test"


def txt_name(name: str) -> str:
    return f"_portal-challenge.{name}"


def add(client, name: str) -> PortalDomain:
    response = client.post("/account/domains/add/", form_data(domain=name))
    assert response.status_code == 302, response.content.decode()[:500]
    return PortalDomain.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


def press_check(client, domain: PortalDomain) -> str:
    response = client.post(f"/account/domains/{domain.pk}/check/", follow=True)
    domain.refresh_from_db()
    return response.content.decode()


def served_by(host: str):
    response = Client(HTTP_HOST=host).get("/login/")
    return response.wsgi_request.account if response.status_code == 200 else None


# --- the reproductions ---------------------------------------------------------------------------


def test_a_cname_left_behind_by_a_deleted_portal_cannot_be_taken_over(
    world, client_admin_a, client_admin_b, dns_server, django_capture_on_commit_callbacks
):
    """Reproduction 1: B verified old.b.example, deleted it and left its records in DNS; A added
    the same name, pressed Check and was Verified, serving A's portal to B's customers."""
    name = "old.b.example"
    b_claim = add(client_admin_b, name)
    dns_server.cname(name, TARGET)
    dns_server.txt(txt_name(name), b_claim.verification_token)
    assert "is Verified" in press_check(client_admin_b, b_claim)
    with django_capture_on_commit_callbacks(execute=True):
        client_admin_b.post("/account/domains/delete/", {"selected": [b_claim.pk]})

    a_claim = add(client_admin_a, name)  # the records B left are still there
    assert a_claim.verification_token != b_claim.verification_token
    body = press_check(client_admin_a, a_claim)
    assert f"{name} failed the check." in body
    assert f"The TXT record {txt_name(name)} holds 1 other value, not this claim" in body
    assert b_claim.verification_token not in body  # another claim's token is never shown
    assert a_claim.status == DnsStatus.FAILED
    assert served_by(name) is None


def test_a_name_claimed_before_its_owner_adds_it_goes_to_the_owner(
    world, client_admin_a, client_admin_b, dns_server, django_capture_on_commit_callbacks
):
    """Reproduction 2: A added portal.b.example before B did; it verified as soon as B created
    the CNAME, and B was told the domain is taken."""
    name = "portal.b.example"
    a_claim = add(client_admin_a, name)
    b_claim = add(client_admin_b, name)  # B is not told anything: pending claims coexist
    assert a_claim.verification_token != b_claim.verification_token
    dns_server.cname(name, TARGET)
    dns_server.txt(txt_name(name), b_claim.verification_token)  # B controls the name's DNS

    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_domains", stdout=io.StringIO())  # A's claim is checked first
    a_claim.refresh_from_db()
    b_claim.refresh_from_db()
    assert (a_claim.status, b_claim.status) == (DnsStatus.FAILED, DnsStatus.VERIFIED)
    assert served_by(name) == world["b"]

    # A's claim now says so and never serves; A's Check cannot change that.
    listing = client_admin_a.get("/account/domains/").content.decode()
    assert "Verified by another account" in listing
    detail = client_admin_a.get(f"/account/domains/{a_claim.pk}/").content.decode()
    assert "Verified by another account" in detail and ">Open</a>" not in detail
    assert "Bravo" not in listing + detail  # says it is taken, never by whom
    dns_server.txt(txt_name(name), b_claim.verification_token, a_claim.verification_token)
    body = press_check(client_admin_a, a_claim)
    assert "This domain is verified by another account" in body
    assert a_claim.status == DnsStatus.FAILED
    assert served_by(name) == world["b"]


def test_a_dangling_cname_alone_verifies_nothing(world, client_admin_a, dns_server):
    domain = add(client_admin_a, "shop.alpha.example")
    dns_server.cname("shop.alpha.example", TARGET)
    body = press_check(client_admin_a, domain)
    assert "points at the portal." in body
    assert f"No TXT record {txt_name('shop.alpha.example')} was found" in body
    assert domain.status == DnsStatus.FAILED
    assert served_by("shop.alpha.example") is None


# --- the rules -----------------------------------------------------------------------------------


def test_both_records_verify_and_serve(world, client_admin_a, dns_server):
    domain = add(client_admin_a, "hub.alpha.example")
    dns_server.cname("hub.alpha.example", TARGET)
    dns_server.txt(
        txt_name("hub.alpha.example"), "google-site-verification=x", domain.verification_token
    )
    body = press_check(client_admin_a, domain)
    assert "hub.alpha.example is Verified." in body and "ownership proven" in body
    assert domain.status == DnsStatus.VERIFIED
    assert served_by("hub.alpha.example") == world["a"]


def test_when_two_accounts_prove_the_same_name_the_first_wins(
    world, client_admin_a, client_admin_b, dns_server
):
    name = "shared.example"
    a_claim, b_claim = add(client_admin_a, name), add(client_admin_b, name)
    dns_server.cname(name, TARGET)
    dns_server.txt(txt_name(name), a_claim.verification_token, b_claim.verification_token)
    assert "is Verified" in press_check(client_admin_b, b_claim)
    assert "verified by another account" in press_check(client_admin_a, a_claim)
    assert PortalDomain.objects.filter(domain=name, status=DnsStatus.VERIFIED).count() == 1
    assert served_by(name) == world["b"]


def test_a_lost_txt_record_after_verification_is_reported_not_fatal(
    world, client_admin_a, dns_server
):
    domain = world["portal_domain_a"]
    dns_server.cname("portal.alpha.test", TARGET)  # no TXT record any more
    body = press_check(client_admin_a, domain)
    assert "portal.alpha.test is Verified." in body
    assert "No TXT record _portal-challenge.portal.alpha.test was found" in body
    assert "keep the TXT record" in body
    assert domain.status == DnsStatus.VERIFIED
    assert served_by("portal.alpha.test") == world["a"]


def test_the_periodic_re_check_still_requires_the_cname(world, dns_server):
    domain = world["portal_domain_a"]
    dns_server.txt(txt_name("portal.alpha.test"), domain.verification_token)  # TXT, no CNAME
    call_command("check_domains", stdout=io.StringIO())
    domain.refresh_from_db()
    assert domain.status == DnsStatus.FAILED


def test_no_txt_answer_leaves_a_pending_claim_pending(world, client_admin_a, dns_server, settings):
    settings.DNS_RESOLVER_LIFETIME = 0.6
    domain = add(client_admin_a, "slow.alpha.example")
    dns_server.cname("slow.alpha.example", TARGET)
    dns_server.servfail(txt_name("slow.alpha.example"))
    body = press_check(client_admin_a, domain)
    assert "slow.alpha.example could not be checked now; still Pending DNS." in body
    assert domain.status == DnsStatus.PENDING
    assert domain.checks.get().status == "not_checked"


def test_another_accounts_pending_claim_does_not_stop_an_add(world, client_admin_a, client_admin_b):
    add(client_admin_b, "new.example")
    add(client_admin_a, "NEW.example")  # allowed: a claim proves nothing until it is Verified
    assert PortalDomain.objects.filter(domain="new.example").count() == 2


def test_a_claim_is_unique_per_account(world, client_admin_a):
    add(client_admin_a, "once.example")
    response = client_admin_a.post("/account/domains/add/", form_data(domain="ONCE.example"))
    assert "Your account already has a portal on this domain." in response.content.decode()


def test_a_new_name_is_a_new_claim_with_a_new_token(world, client_admin_a):
    domain = world["portal_domain_a"]
    token = domain.verification_token
    response = client_admin_a.post(
        f"/account/domains/{domain.pk}/edit/", form_data(domain="hub.alpha.test"), follow=True
    )
    domain.refresh_from_db()
    assert domain.verification_token != token
    assert domain.status == DnsStatus.PENDING
    body = response.content.decode()
    assert "It is a new claim: create its CNAME and TXT records" in body
    assert f'<code>"{domain.verification_token}"</code>' in body
    # A change that keeps the name keeps the token.
    token = domain.verification_token
    client_admin_a.post(
        f"/account/domains/{domain.pk}/edit/",
        form_data(domain="hub.alpha.test", brand_name="Other"),
    )
    domain.refresh_from_db()
    assert (domain.verification_token, domain.brand_name) == (token, "Other")


def test_the_edit_dialog_shows_both_records_with_the_token(world, client_admin_a):
    domain = world["portal_domain_a"]
    body = client_admin_a.get(f"/account/domains/{domain.pk}/edit/").content.decode()
    assert "<td>CNAME</td>" in body and "<td>TXT</td>" in body
    assert "<code>_portal-challenge.portal.alpha.test</code>" in body
    assert f'<code>"{domain.verification_token}"</code>' in body
    assert world["portal_domain_b"].verification_token not in body


def test_the_list_with_claim_states_keeps_a_constant_query_count(world, client_admin_a):
    def add_rows(count):
        existing = PortalDomain.objects.for_account(world["a"]).count()
        for i in range(existing, count):
            PortalDomain.objects.create(account=world["a"], domain=f"c{i}.example")
            PortalDomain.objects.create(
                account=world["b"], domain=f"c{i}.example", status=DnsStatus.VERIFIED
            )

    def render():
        assert client_admin_a.get("/account/domains/").status_code == 200

    assert_constant_queries(render, add_rows, few=1, many=25)
    body = client_admin_a.get("/account/domains/").content.decode()
    assert body.count("Verified by another account") == 24


# --- the DNS lookups -----------------------------------------------------------------------------


def test_a_txt_record_split_into_strings_is_read_whole(dns_server):
    token = "t" * 300  # sent as two character-strings of one record
    dns_server.txt(txt_name("long.example"), token)
    assert check_proof("long.example", token).proven


def test_a_txt_record_with_another_value_is_counted_not_shown(dns_server):
    dns_server.txt(txt_name("x.example"), "secret-of-someone", "another")
    proof = check_proof("x.example", "mine")
    assert not proof.proven and proof.conclusive
    assert "holds 2 other values" in proof.found and "secret-of-someone" not in proof.found


def test_both_lookups_end_within_one_lifetime(dns_server, settings):
    import time

    settings.DNS_RESOLVER_LIFETIME = 1.0
    dns_server.cname("slow.example", TARGET)
    dns_server.silent(txt_name("slow.example"))
    started = time.monotonic()
    result = check_records("slow.example", "tok")
    assert time.monotonic() - started < 1.5
    assert result.verified and not result.proven and not result.proof_conclusive


def test_localhost_names_need_no_txt_record_only_where_enabled(dns_server, settings):
    dns_server.cname("portal.demo.localhost", TARGET)
    assert not check_records("portal.demo.localhost", "tok").proven
    settings.VERIFY_LOCALHOST_DOMAINS = True  # config/settings/dev.py, for the demo
    assert check_records("portal.demo.localhost", "tok").proven


# --- the migration -------------------------------------------------------------------------------


def test_the_migration_gives_each_existing_claim_its_own_token(world):
    migration = importlib.import_module("domains.migrations.0003_ownership_by_txt_record")
    PortalDomain.objects.update(verification_token="same-for-all")
    migration.give_each_claim_its_own_token(apps, None)
    tokens = list(PortalDomain.objects.values_list("verification_token", flat=True))
    assert len(set(tokens)) == len(tokens) == 2 and "same-for-all" not in tokens


@pytest.mark.parametrize("status", [DnsStatus.PENDING, DnsStatus.FAILED])
def test_the_database_allows_many_claims_but_one_verified(world, status):
    from django.db import IntegrityError, transaction

    # portal.alpha.test is A's, Verified; B may hold a claim that is not.
    PortalDomain.objects.create(account=world["b"], domain="portal.alpha.test", status=status)
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalDomain.objects.filter(account=world["b"], domain="portal.alpha.test").update(
            status=DnsStatus.VERIFIED
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # one claim per account
        PortalDomain.objects.create(account=world["a"], domain="portal.alpha.test")


def test_services_keep_the_token_out_of_the_audit_log(world, client_admin_a):
    from accounts.models import AuditEntry

    domain = add(client_admin_a, "audited.example")
    entry = AuditEntry.objects.get(event="domain.created", target_id=str(domain.pk))
    assert domain.verification_token not in str(entry.changes)
    assert services.AUDITED.count("verification_token") == 0
