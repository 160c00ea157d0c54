"""The Domains REST API: list with the panel's filters, read, add through the panel's form and
service, Check through the same DNS check (the local DNS server), scopes and query counts."""

import pytest

from accounts.models import AuditEntry
from api.tests.conftest import ApiClient, error_of, make_token
from domains.models import DnsStatus, PortalDomain
from tests.querycount import assert_constant_queries

from .test_views import TARGET

DOMAINS = "/api/v1/domains"


@pytest.fixture
def api_a(world):
    return ApiClient(world["api_token_text_a"])


def _count(world):
    return PortalDomain.objects.for_account(world["a"]).count()


def test_list_filters_and_read(world, api_a):
    PortalDomain.objects.create(account=world["a"], domain="two.alpha.test", currencies=["USD"])
    body = api_a.get(DOMAINS).json()
    assert [d["domain"] for d in body["items"]] == ["portal.alpha.test", "two.alpha.test"]
    assert body["total"] == 2 and body["next_page"] is None
    assert "portal.bravo.test" not in str(body)
    pending = api_a.get(DOMAINS, status="pending").json()["items"]
    assert [d["domain"] for d in pending] == ["two.alpha.test"]
    assert [d["domain"] for d in api_a.get(DOMAINS, q="PORTAL").json()["items"]] == [
        "portal.alpha.test"
    ]
    assert api_a.get(DOMAINS, sort="-domain").json()["items"][0]["domain"] == "two.alpha.test"
    assert api_a.get(DOMAINS, status="nonsense").status_code == 400

    domain = world["portal_domain_a"]
    one = api_a.get(f"{DOMAINS}/{domain.pk}").json()
    assert one["status"] == "verified" and one["brand_name"] == "Alpha Customer Hub"
    assert one["records"] == {
        "cname_name": "portal.alpha.test",
        "cname_target": TARGET,
        "txt_name": "_portal-challenge.portal.alpha.test",
        "txt_value": domain.verification_token,
    }
    other = api_a.get(f"{DOMAINS}/{world['portal_domain_b'].pk}")
    assert other.status_code == 404
    assert other.json() == api_a.get(f"{DOMAINS}/{2**62}").json()


def test_add_through_the_panels_rules_and_audited_with_the_token(world, api_a):
    response = api_a.post(DOMAINS, {"domain": "New.Alpha.test.", "brand_name": "New"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["domain"] == "new.alpha.test" and body["status"] == "pending"
    assert body["currencies"] == [world["a"].currency]
    entry = AuditEntry.objects.for_account(world["a"]).get(event="domain.created")
    assert entry.data["via"] == "API token “automation a”"

    before = _count(world)
    for payload, field in [
        ({"domain": "new.alpha.test"}, "domain"),  # the account's own duplicate
        ({"domain": "portal.bravo.test"}, "domain"),  # B holds it Verified; B is not named
        ({"domain": "x.alpha.test", "primary_color": "red"}, "primary_color"),
        ({"domain": "x.alpha.test", "currencies": ["XXX"]}, "currencies"),
        ({"domain": "x.alpha.test", "new_customer_debit_limit": "-1"}, "new_customer_debit_limit"),
        ({"domain": "x.alpha.test", "verification_token": "mine"}, "verification_token"),
        ({"domain": "x.alpha.test", "currencies": "USD"}, "currencies"),
    ]:
        response = api_a.post(DOMAINS, payload)
        assert response.status_code == 400, payload
        assert field in error_of(response)["fields"], (payload, response.json())
        assert "Bravo" not in response.content.decode()
    assert _count(world) == before


def test_a_read_scope_lists_but_cannot_add_or_check(world):
    _, text = make_token(world["admin_a"], {"domains": "read"})
    client = ApiClient(text)
    assert client.get(DOMAINS).status_code == 200
    for path in (DOMAINS, f"{DOMAINS}/{world['portal_domain_a'].pk}/check"):
        response = client.post(path, {"domain": "x.alpha.test"} if path == DOMAINS else None)
        assert response.status_code == 403
        assert error_of(response)["fields"] == {"scope": ["domains:write"]}
    _, text = make_token(world["admin_a"], {"users": "read"})
    response = ApiClient(text).get(DOMAINS)
    assert response.status_code == 403 and "domains:read" in error_of(response)["message"]
    assert _count(world) == 1


def test_check_uses_the_dns_check(world, api_a, dns_server):
    domain = PortalDomain.objects.create(account=world["a"], domain="new.alpha.test", currencies=[])
    dns_server.cname("new.alpha.test", TARGET)
    dns_server.txt("_portal-challenge.new.alpha.test", domain.verification_token)
    response = api_a.post(f"{DOMAINS}/{domain.pk}/check")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["outcome"] == "verified" and body["domain"]["status"] == "verified"
    domain.refresh_from_db()
    assert domain.status == DnsStatus.VERIFIED
    check = domain.checks.get()
    assert check.checked_by == world["admin_a"]

    dns_server.a("portal.alpha.test", "93.184.215.14")
    body = api_a.post(f"{DOMAINS}/{world['portal_domain_a'].pk}/check").json()
    assert body["outcome"] == "failed" and "A record" in body["found"]


def test_the_list_needs_a_fixed_number_of_queries(world, api_a):
    def add(n):
        for i in range(_count(world), n):
            PortalDomain.objects.create(account=world["a"], domain=f"d{i}.alpha.test")

    def fetch():
        response = api_a.get(DOMAINS)
        assert response.status_code == 200
        return response

    assert_constant_queries(fetch, add, few=1, many=30)
