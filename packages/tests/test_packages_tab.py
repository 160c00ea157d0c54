"""The Packages tab: the catalogue, search, sort and paging; Enable / Disable per account, audited
and at once; every bad input; permissions; query counts."""

import re
from decimal import Decimal

import pytest

from accounts.actors import PLATFORM
from accounts.lists import PER_PAGE
from accounts.models import AuditEntry
from accounts.permissions import ALLOW
from packages.models import EnabledPackage, ExchangeRate, Package
from packages.services import enable_package
from tests.querycount import assert_constant_queries
from users.services import save_group, update_user

from .world import package

URL = "/account/packages/"


def _enabled(account) -> set[str]:
    return {
        e.package.name
        for e in EnabledPackage.objects.for_account(account).select_related("package")
    }


def _row(body: str, name: str) -> str:
    """The table row of package ``name``."""
    match = re.search(rf"<tr>\s*<td></td>\s*<td>{re.escape(name)}</td>.*?</tr>", body, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_the_catalogue_with_status_and_buttons(world, client_admin_a):
    response = client_admin_a.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    for header in ("Name", "Description", "Area", "Destination", "Retail per lookup", "Status"):
        assert f">{header}</" in body
    asr = _row(body, "ASR+ Lookup")
    assert "ASR+" in asr and "<code>.*</code>" in asr and "$0.000100 USD" in asr
    assert ">Enabled<" in asr and 'aria-label="Disable ASR+ Lookup"' in asr
    france = _row(body, "HLR France Lookup")  # B's, not A's
    assert "<code>^33</code>" in france and "$0.003696 USD" in france
    assert ">Disabled<" in france and 'aria-label="Enable HLR France Lookup"' in france
    assert 'type="search"' in body  # the search box of the list toolkit
    assert "Page 1 of 2" in body  # 43 seeded packages, 25 a page


def test_a_fresh_install_has_the_seeded_catalogue(db):
    packages = {p.name: p for p in Package.objects.all()}
    assert packages["ASR+ Lookup"].destination == ".*"
    assert packages["ASR+ Lookup"].retail_price == Decimal("0.0001")
    hlr = [p for p in packages.values() if p.area == "hlr"]
    assert len(hlr) >= 20
    assert all(Decimal("0.0017") <= p.retail_price <= Decimal("0.0037") for p in hlr)
    assert packages["HLR United Kingdom Lookup"].destination == "^44"
    assert packages["HLR India Lookup"].destination == "^91"
    assert {p.area for p in packages.values()} == {
        "asrplus",
        "hlr",
        "lrn",
        "dno",
        "cnam",
        "ip",
        "spam",
    }
    assert packages["LRN Lookup (US)"].destination == "^1"


def test_an_account_in_another_currency_sees_its_price_too(world, client_admin_b):
    body = client_admin_b.get(URL).content.decode()
    france = _row(body, "HLR France Lookup")
    assert "$0.003696 USD" in france and "≈ €0.003400 EUR" in france  # 0.003696 × 0.92


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("france", ["HLR France Lookup"], ["ASR+ Lookup"]),
        ("^33", ["HLR France Lookup"], ["HLR India Lookup"]),
        ("asr+", ["ASR+ Lookup"], ["HLR France Lookup"]),
        ("CNAM", ["CNAM Lookup (US)"], ["HLR France Lookup"]),
        ("spam", ["Spam Reported Lookup"], ["ASR+ Lookup"]),
    ],
)
def test_search_by_name_area_or_destination(world, client_admin_a, query, present, absent):
    body = client_admin_a.get(URL, {"q": query}).content.decode()
    for name in present:
        assert f"<td>{name}</td>" in body
    for name in absent:
        assert f"<td>{name}</td>" not in body


def test_search_by_area_finds_every_hlr_and_pages(world, client_admin_a):
    body = client_admin_a.get(URL, {"q": "hlr", "page": "2"}).content.decode()
    assert "Page 2 of 2" in body
    assert "<td>ASR+ Lookup</td>" not in body
    body = client_admin_a.get(URL, {"q": "no such thing"}).content.decode()
    assert "Nothing matches “no such thing”." in body


def test_sort_by_status_puts_enabled_first_and_by_price(world, client_admin_a):
    body = client_admin_a.get(URL, {"sort": "status"}).content.decode()
    names = re.findall(r"<td></td>\s*<td>([^<]+)</td>", body)
    assert names[:2] == ["ASR+ Lookup", "HLR United Kingdom Lookup"]
    body = client_admin_a.get(URL, {"sort": "-retail"}).content.decode()
    names = re.findall(r"<td></td>\s*<td>([^<]+)</td>", body)
    assert names[0] == "HLR Belgium Lookup"  # 0.003696, the dearest HLR, first by name
    assert client_admin_a.get(URL, {"sort": "nonsense", "page": "x"}).status_code == 200


def test_inactive_packages_are_hidden_unless_still_enabled(world, client_admin_a):
    Package.objects.filter(name__in=["ASR+ Lookup", "HLR India Lookup"]).update(active=False)
    body = client_admin_a.get(URL, {"q": "lookup"}).content.decode()
    assert "<td>HLR India Lookup</td>" not in body
    asr = _row(body, "ASR+ Lookup")  # A still has it enabled: shown, withdrawn, can be disabled
    assert "Withdrawn" in asr and 'aria-label="Disable ASR+ Lookup"' in asr


# --- enable and disable ---------------------------------------------------------------------


def test_enable_and_disable_per_account_audited(world, client_admin_a):
    france = package("HLR France Lookup")
    b_before = _enabled(world["b"])

    response = client_admin_a.post(
        f"{URL}enable/", {"package": france.pk, "list_query": "?q=hlr&page=1&evil=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?q=hlr&page=1"  # back to the same list page
    assert "HLR France Lookup" in _enabled(world["a"])
    entry = AuditEntry.objects.for_account(world["a"]).get(
        event="package.enabled", actor=world["admin_a"]
    )
    assert entry.target_label == "HLR France Lookup"
    assert entry.changes == {"status": ["Disabled", "Enabled"]}
    assert entry.data["destination"] == "^33"
    assert entry.actor_label == world["admin_a"].email

    response = client_admin_a.post(f"{URL}disable/", {"package": france.pk}, follow=True)
    assert "HLR France Lookup disabled." in _messages(response)
    assert "HLR France Lookup" not in _enabled(world["a"])
    assert AuditEntry.objects.for_account(world["a"]).filter(event="package.disabled").count() == 1
    # B enabled France too, and still has it: A's changes are A's alone.
    assert _enabled(world["b"]) == b_before == {"HLR France Lookup"}
    assert not AuditEntry.objects.for_account(world["b"]).filter(actor=world["admin_a"]).exists()


def test_enabling_twice_changes_nothing_more(world, client_admin_a):
    asr = world["package_a"]
    entries = AuditEntry.objects.for_account(world["a"]).filter(actor=world["admin_a"])
    before = list(entries)  # the world's own set-up (an API token) is audited as the admin
    response = client_admin_a.post(f"{URL}enable/", {"package": asr.pk}, follow=True)
    assert "ASR+ Lookup was already enabled." in _messages(response)
    assert list(entries) == before
    response = client_admin_a.post(
        f"{URL}disable/", {"package": package("HLR India Lookup").pk}, follow=True
    )
    assert "HLR India Lookup was already disabled." in _messages(response)


@pytest.mark.parametrize("value", ["", "abc", "-1", "1.5", "99999999999999999999", "0"])
def test_a_forged_package_id_is_refused(world, client_admin_a, value):
    before = _enabled(world["a"])
    for action in ("enable", "disable"):
        response = client_admin_a.post(f"{URL}{action}/", {"package": value}, follow=True)
        assert response.status_code == 200
        assert _messages(response) == [
            "This package is not offered any more. Reload the page to see the current catalogue."
        ]
    assert _enabled(world["a"]) == before


def test_an_inactive_package_cannot_be_enabled(world, client_admin_a):
    india = package("HLR India Lookup")
    Package.objects.filter(pk=india.pk).update(active=False)
    response = client_admin_a.post(f"{URL}enable/", {"package": india.pk}, follow=True)
    assert "This package is not offered any more." in _messages(response)[0]
    assert "HLR India Lookup" not in _enabled(world["a"])
    # ...but one still enabled can be disabled.
    Package.objects.filter(pk=world["package_a"].pk).update(active=False)
    client_admin_a.post(f"{URL}disable/", {"package": world["package_a"].pk})
    assert "ASR+ Lookup" not in _enabled(world["a"])


def test_an_account_whose_currency_has_no_rate_cannot_enable(world, client_admin_b):
    ExchangeRate.objects.filter(currency="EUR").delete()
    body = client_admin_b.get(URL).content.decode()
    message = (
        "Lookups cannot be charged in EUR yet: the platform has set no exchange rate from USD. "
        "Ask the platform to add one."
    )
    assert message in body
    response = client_admin_b.post(
        f"{URL}enable/", {"package": package("HLR Spain Lookup").pk}, follow=True
    )
    assert _messages(response) == [message]
    assert _enabled(world["b"]) == {"HLR France Lookup"}


def test_get_on_an_action_goes_back_to_the_list(world, client_admin_a):
    before = _enabled(world["a"])
    response = client_admin_a.get(f"{URL}disable/", {"package": world["package_a"].pk})
    assert response.status_code == 302 and response["Location"] == URL
    assert _enabled(world["a"]) == before


# --- permissions ------------------------------------------------------------------------------


def _grant(world, modules, read_only=False):
    group = world["group_a"]
    group.permissions = dict.fromkeys(modules, ALLOW)
    save_group(group, actor=PLATFORM)
    update_user(world["user_a"], actor=PLATFORM, read_only=read_only)


def test_a_read_only_user_sees_the_list_without_buttons(world, client_user_a):
    _grant(world, ["packages"], read_only=True)
    body = client_user_a.get(URL).content.decode()
    assert ">Enabled<" in body and "Enable HLR" not in body and "Disable ASR" not in body
    response = client_user_a.post(f"{URL}disable/", {"package": world["package_a"].pk})
    assert response.status_code == 403
    assert "ASR+ Lookup" in _enabled(world["a"])


def test_a_user_without_the_module_is_refused(world, client_user_a):
    _grant(world, ["usage"])
    assert client_user_a.get(URL).status_code == 403
    assert client_user_a.post(f"{URL}disable/", {"package": 1}).status_code == 403
    _grant(world, ["packages"])
    client_user_a.post(f"{URL}disable/", {"package": world["package_a"].pk})
    assert "ASR+ Lookup" not in _enabled(world["a"])


def test_the_service_checks_permission_again(world):
    from django.core.exceptions import PermissionDenied

    from accounts.actors import Actor

    _grant(world, ["packages"], read_only=True)
    world["user_a"].refresh_from_db()
    with pytest.raises(PermissionDenied):
        enable_package(
            actor=Actor(user=world["user_a"]), account=world["a"], package_id=world["package_a"].pk
        )


# --- query counts -----------------------------------------------------------------------------


def test_the_list_needs_the_same_queries_for_1_and_50_packages(world, client_admin_a):
    Package.objects.update(active=False)
    EnabledPackage.objects.for_account(world["a"]).delete()

    def add_rows(n):
        for i in range(Package.objects.filter(active=True).count(), n):
            item = Package.objects.create(
                name=f"HLR Test {i:03} Lookup",
                area="hlr",
                destination=f"^9{i:02}",
                retail_price=Decimal("0.002"),
            )
            if i % 2:
                enable_package(actor=PLATFORM, account=world["a"], package_id=item.pk)

    def render():
        response = client_admin_a.get(URL, {"sort": "status"})
        assert response.status_code == 200
        return response

    assert_constant_queries(render, add_rows, few=1, many=50)
    assert f"Page 1 of {-(-50 // PER_PAGE)}" in render().content.decode()


def test_both_tabs_have_their_help_and_menu_entries(world, client_admin_a):
    for slug, title in (("packages", "Packages: lookup services"), ("usage", "Usage: lookups")):
        body = client_admin_a.get(f"/help/{slug}/").content.decode()
        assert title in body
    tabs = client_admin_a.get(URL).content.decode()
    assert 'href="/account/usage/"' in tabs
    assert re.search(r'href="/account/packages/" aria-current="page"', tabs)
