"""The Domains tab: list, add/edit dialog with every bad input, Check, refresh, delete."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.actors import Actor
from accounts.models import AuditEntry
from domains.models import DnsStatus, DomainCheck, PortalDomain
from tests.conftest import signed_in_client
from tests.querycount import assert_constant_queries

from .images import png, svg

TARGET = "portals.console.test"


def form_data(**overrides) -> dict:
    data = {
        "domain": "portal.customer.example",
        "brand_name": "Customer Hub",
        "primary_color": "#224466",
        "footer_text": "Hub footer",
        "customer_signup": "True",
        "carrier_signup": "False",
        "new_customer_debit_limit": "25.50",
        "template_customer_id": "",
        "currencies": ["USD", "EUR"],
        "access_areas": ["cdr", "rate_card", "payments"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def logo(data: bytes, name="logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# --- list ------------------------------------------------------------------------------------


def test_list_shows_the_accounts_domains_with_status_and_goto(world, client_admin_a):
    PortalDomain.objects.create(account=world["a"], domain="pending.alpha.test", currencies=["USD"])
    response = client_admin_a.get("/account/domains/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "portal.alpha.test" in body and "pending.alpha.test" in body
    assert "portal.bravo.test" not in body
    assert "Verified" in body and "Pending DNS" in body
    assert body.count(">Check</button>") == 2
    assert body.count(">Open</a>") == 1  # only the Verified one
    assert 'href="http://portal.alpha.test/"' in body
    assert "CNAME" in body and TARGET in body and "an A record does not work" in body
    assert "_portal-challenge.portal.yourcompany.com" in body


def test_open_keeps_the_port_the_panel_runs_on(world, admin_a):
    client = signed_in_client(admin_a, host="localhost:8000")
    body = client.get("/account/domains/", HTTP_HOST="localhost:8000").content.decode()
    assert 'href="http://portal.alpha.test:8000/"' in body


def test_the_domains_tab_replaces_the_placeholder(world, client_admin_a):
    body = client_admin_a.get("/account/domains/").content.decode()
    assert "Not available yet" not in body
    assert 'href="/account/domains/" aria-current="page" class="is-active">Domains' in body


def test_list_query_count_does_not_grow_with_rows(world, client_admin_a):
    def add_rows(count):
        existing = PortalDomain.objects.for_account(world["a"]).count()
        PortalDomain.objects.bulk_create(
            PortalDomain(
                account=world["a"], domain=f"p{i}.alpha.test", currencies=["USD"], status=status
            )
            for i, status in zip(
                range(existing, count),
                [DnsStatus.VERIFIED, DnsStatus.FAILED, DnsStatus.PENDING] * count,
                strict=False,
            )
        )

    def render():
        response = client_admin_a.get("/account/domains/")
        assert response.status_code == 200

    assert_constant_queries(render, add_rows, few=1, many=25)


def test_list_sorts_and_pages(world, client_admin_a):
    for i in range(30):
        PortalDomain.objects.create(account=world["a"], domain=f"z{i:02}.alpha.test", currencies=[])
    body = client_admin_a.get("/account/domains/?sort=domain&page=2").content.decode()
    assert "Page 2 of 2" in body
    assert "z29.alpha.test" in body and "portal.alpha.test" not in body


def test_list_sorts_descending_too(world, client_admin_a):
    PortalDomain.objects.create(account=world["a"], domain="aaa.alpha.test", currencies=[])
    body = client_admin_a.get("/account/domains/?sort=-domain").content.decode()
    assert body.index("portal.alpha.test") < body.index("aaa.alpha.test")
    body = client_admin_a.get("/account/domains/?sort=domain").content.decode()
    assert body.index("aaa.alpha.test") < body.index("portal.alpha.test")


def test_detail_shows_the_record_the_last_check_and_history(world, client_admin_a):
    domain = world["portal_domain_a"]
    body = client_admin_a.get(f"/account/domains/{domain.pk}/").content.decode()
    assert "<code>portal.alpha.test</code>" in body and f"<code>{TARGET}</code>" in body
    assert "<td>300</td>" in body
    assert "points at the portal." in body
    assert "Verification history" in body and "Scheduled re-check" in body
    assert f'src="/account/domains/{domain.pk}/logo/?v={domain.logo_version}"' in body


def test_detail_history_query_count_does_not_grow(world, client_admin_a):
    domain = world["portal_domain_a"]

    def add_rows(count):
        for _ in range(DomainCheck.objects.filter(domain=domain).count(), count):
            DomainCheck.objects.create(
                account=world["a"],
                domain=domain,
                name=domain.domain,
                status=DnsStatus.FAILED,
                found="x",
                checked_at=domain.last_checked_at,
                checked_by=world["admin_a"],
            )

    def render():
        assert client_admin_a.get(f"/account/domains/{domain.pk}/").status_code == 200

    assert_constant_queries(render, add_rows, few=1, many=20)


def test_the_panel_logo_has_the_same_restrictive_headers(world, client_admin_a):
    domain = world["portal_domain_a"]
    response = client_admin_a.get(f"/account/domains/{domain.pk}/logo/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


# --- add -------------------------------------------------------------------------------------


def test_add_a_domain(world, client_admin_a):
    data = form_data(domain="Portal.Customer.Example.", logo=logo(svg('width="300"'), "l.svg"))
    response = client_admin_a.post("/account/domains/add/", data)
    domain = PortalDomain.objects.get(domain="portal.customer.example")
    assert response.status_code == 302
    assert response["Location"] == f"/account/domains/{domain.pk}/"
    assert domain.account == world["a"]
    assert domain.status == DnsStatus.PENDING
    assert domain.brand_name == "Customer Hub"
    assert domain.primary_color == "#224466"
    assert domain.customer_signup is True and domain.carrier_signup is False
    assert str(domain.new_customer_debit_limit) == "25.5000"
    assert domain.currencies == ["USD", "EUR"]
    assert domain.access_areas == ["cdr", "rate_card", "payments"]
    assert domain.logo.name.endswith(".svg")
    entry = AuditEntry.objects.get(event="domain.created", target_id=str(domain.pk))
    assert entry.actor == world["admin_a"] and entry.account == world["a"]
    assert entry.changes["domain"] == [None, "portal.customer.example"]
    page = client_admin_a.get(response["Location"]).content.decode()
    assert "was added. Create its CNAME and TXT records, then press Check." in page
    assert "<code>portal.customer.example</code>" in page
    assert f'<code>"{domain.verification_token}"</code>' in page
    assert "<code>_portal-challenge.portal.customer.example</code>" in page


def test_add_a_unicode_domain_stores_its_idna_form(world, client_admin_a):
    client_admin_a.post("/account/domains/add/", form_data(domain="Bücher.example"))
    assert PortalDomain.objects.filter(domain="xn--bcher-kva.example").exists()


def test_the_add_form_starts_with_the_accounts_currency(world, client_admin_a):
    body = client_admin_a.get("/account/domains/add/").content.decode()
    assert '<option value="USD" selected>' in body
    assert 'enctype="multipart/form-data"' in body
    assert "portal.yourcompany.com" in body and TARGET in body
    assert '<option value="" selected>None</option>' in body  # no customers yet


def _refused(client, field, message, **overrides):
    before = PortalDomain.objects.count()
    response = client.post("/account/domains/add/", form_data(**overrides))
    body = response.content.decode()
    assert response.status_code == 200, body[:300]
    assert f'id="id_{field}_errors"' in body, f"no error next to {field}"
    assert message in body, body[body.find(f"id_{field}_errors") :][:400]
    assert PortalDomain.objects.count() == before


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("https://x.com/path", "without http:// or https://"),
        ("x.com:8080", "without a port"),
        ("com", "not a bare top-level domain"),
        ("192.0.2.1", "not an IP address"),
        ("testserver", "the address of the panel itself"),
        ("localhost", "the address of the panel itself"),
        ("portals.console.test", "belongs to the platform"),
        ("shop.console.test", "belongs to the platform"),
        ("a" * 64 + ".example.com", "at most 63 characters"),
        (".".join(["a" * 60] * 5), "at most 253 characters"),
        ("", "This field is required."),
    ],
)
def test_bad_domains_are_refused(world, client_admin_a, domain, message):
    _refused(client_admin_a, "domain", message, domain=domain)


@pytest.mark.parametrize(
    "spelling", ["portal.bravo.test", "PORTAL.Bravo.TEST", "portal.bravo.test."]
)
def test_another_accounts_domain_is_refused_without_naming_it(world, client_admin_a, spelling):
    _refused(client_admin_a, "domain", "already used by a portal on this platform", domain=spelling)


def test_a_duplicate_in_unicode_or_idna_form_is_refused(world, client_admin_a):
    client_admin_a.post("/account/domains/add/", form_data(domain="bücher.example"))
    _refused(client_admin_a, "domain", "Your account already has a portal", domain="BÜCHER.example")
    _refused(
        client_admin_a,
        "domain",
        "Your account already has a portal",
        domain="xn--bcher-kva.example",
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: logo(png(351)), "is 351 px wide; the limit is 350 px"),
        (lambda: logo(png(100, extra=205 * 1024)), "the limit is 200 KB"),
        (lambda: logo(b"plain text, not a picture", "logo.png"), "must be a PNG or SVG image"),
        (lambda: logo(svg('viewBox="0 0 900 90"'), "l.svg"), "is 900 px wide"),
        (
            lambda: logo(svg('width="9"', "<script>x()</script>"), "l.svg"),
            "a &lt;script&gt; element",
        ),
    ],
)
def test_bad_logos_are_refused(world, client_admin_a, upload, message):
    _refused(client_admin_a, "logo", message, logo=upload())


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "#gg0000", "123456", ""])
def test_bad_colours_are_refused(world, client_admin_a, color):
    message = "#rrggbb" if color else "This field is required."
    _refused(client_admin_a, "primary_color", message, primary_color=color)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "The debit limit cannot be negative."),
        ("abc", "Enter a number."),
        ("1.23456", "Ensure that there are no more than 4 decimal places."),
    ],
)
def test_bad_debit_limits_are_refused(world, client_admin_a, value, message):
    _refused(client_admin_a, "new_customer_debit_limit", message, new_customer_debit_limit=value)


def test_other_bad_choices_are_refused(world, client_admin_a):
    _refused(client_admin_a, "currencies", "Choose at least one currency.", currencies=[])
    _refused(client_admin_a, "currencies", "Select a valid choice", currencies=["XXX1"])
    _refused(client_admin_a, "access_areas", "Select a valid choice", access_areas=["root"])
    _refused(
        client_admin_a, "template_customer_id", "Select a valid choice", template_customer_id="7"
    )
    _refused(client_admin_a, "customer_signup", "Select a valid choice", customer_signup="maybe")


def test_bad_input_keeps_what_was_typed(world, client_admin_a):
    response = client_admin_a.post(
        "/account/domains/add/", form_data(domain="x.com:8080", brand_name="Keep Me")
    )
    body = response.content.decode()
    assert 'value="Keep Me"' in body and 'value="x.com:8080"' in body


def test_the_dialog_returns_only_the_form(world, client_admin_a):
    response = client_admin_a.get("/account/domains/add/", HTTP_X_DIALOG="1")
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="dialog__header">')
    assert "<html" not in body


# --- edit ------------------------------------------------------------------------------------


def test_edit_keeps_the_logo_unless_replaced_or_removed(world, client_admin_a):
    domain = world["portal_domain_a"]
    old_logo = domain.logo.name
    url = f"/account/domains/{domain.pk}/edit/"
    body = client_admin_a.get(url).content.decode()
    assert 'value="portal.alpha.test"' in body and "Remove the current logo" in body
    response = client_admin_a.post(url, form_data(domain="portal.alpha.test", brand_name="New"))
    assert response.status_code == 302 and response["Location"] == "/account/domains/"
    domain.refresh_from_db()
    assert (domain.brand_name, domain.logo.name, domain.status) == ("New", old_logo, "verified")
    entry = AuditEntry.objects.get(event="domain.updated", target_id=str(domain.pk))
    assert entry.changes["brand_name"] == ["Alpha Customer Hub", "New"]
    client_admin_a.post(url, form_data(domain="portal.alpha.test", remove_logo="on"))
    domain.refresh_from_db()
    assert not domain.logo


def test_the_dialog_warns_of_a_colour_below_3_to_1_on_white_but_saves_it(world, client_admin_a):
    domain = world["portal_domain_a"]
    url = f"/account/domains/{domain.pk}/edit/"
    body = client_admin_a.get(url, headers={"X-Dialog": "1"}).content.decode()
    assert 'id="id_primary_color_warning" role="status"' in body
    assert "contrast of" not in body.split('data-message="')[0]  # #aa3300: 6.6:1, no warning

    # A refused save with a pale colour says so next to the colour, and keeps the colour.
    body = client_admin_a.post(url, form_data(domain="", primary_color="#ffe066")).content.decode()
    assert ">This colour has a contrast of 1.3:1 on white, below the 3:1" in body
    assert 'value="#ffe066"' in body

    # It is a warning, not an error: the colour is saved, and the portal stays readable.
    response = client_admin_a.post(
        url, form_data(domain="portal.alpha.test", primary_color="#ffe066")
    )
    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.primary_color == "#ffe066"
    body = client_admin_a.get(url).content.decode()
    assert ">This colour has a contrast of 1.3:1 on white" in body


def test_edit_with_a_new_name_starts_again_at_pending(world, client_admin_a):
    domain = world["portal_domain_a"]
    client_admin_a.post(f"/account/domains/{domain.pk}/edit/", form_data(domain="hub.alpha.test"))
    domain.refresh_from_db()
    assert (domain.domain, domain.status, domain.last_checked_at) == (
        "hub.alpha.test",
        DnsStatus.PENDING,
        None,
    )


def test_edit_bad_input_changes_nothing(world, client_admin_a):
    domain = world["portal_domain_a"]
    response = client_admin_a.post(
        f"/account/domains/{domain.pk}/edit/",
        form_data(domain="portal.alpha.test", brand_name="Changed", primary_color="blue"),
    )
    assert response.status_code == 200
    domain.refresh_from_db()
    assert domain.brand_name == "Alpha Customer Hub"


# --- check, refresh, delete --------------------------------------------------------------------


def test_check_verifies_against_the_dns(world, client_admin_a, dns_server):
    domain = PortalDomain.objects.create(account=world["a"], domain="new.alpha.test", currencies=[])
    dns_server.cname("new.alpha.test", TARGET)
    dns_server.txt("_portal-challenge.new.alpha.test", "someone-else", domain.verification_token)
    response = client_admin_a.post(
        f"/account/domains/{domain.pk}/check/", {"next": "/account/domains/"}, follow=True
    )
    body = response.content.decode()
    assert response.redirect_chain == [("/account/domains/", 302)]
    assert "new.alpha.test is Verified." in body
    domain.refresh_from_db()
    assert domain.status == DnsStatus.VERIFIED and domain.last_checked_at is not None
    check = domain.checks.get()
    assert (check.checked_by, check.status) == (world["admin_a"], DnsStatus.VERIFIED)
    entry = AuditEntry.objects.get(event="domain.checked", target_id=str(domain.pk))
    assert entry.changes["status"] == ["pending", "verified"]


def test_check_reports_what_was_found(world, client_admin_a, dns_server):
    domain = world["portal_domain_a"]
    dns_server.a("portal.alpha.test", "93.184.215.14")
    response = client_admin_a.post(f"/account/domains/{domain.pk}/check/", follow=True)
    body = response.content.decode()
    assert response.redirect_chain == [(f"/account/domains/{domain.pk}/", 302)]
    assert "portal.alpha.test failed the check." in body
    assert "An A record (93.184.215.14) was found instead of a CNAME." in body
    domain.refresh_from_db()
    assert domain.status == DnsStatus.FAILED


def test_no_dns_answer_says_still_verified_and_records_not_checked(
    world, client_admin_a, dns_server, settings
):
    """Reproduction: the flash said "failed the check" while the domain stayed Verified, and the
    history row said Failed."""
    settings.DNS_RESOLVER_LIFETIME = 0.5
    domain = world["portal_domain_a"]
    dns_server.silent("portal.alpha.test")
    response = client_admin_a.post(f"/account/domains/{domain.pk}/check/", follow=True)
    body = response.content.decode()
    assert "portal.alpha.test could not be checked now; still Verified." in body
    assert "failed the check" not in body
    domain.refresh_from_db()
    assert domain.status == DnsStatus.VERIFIED
    latest = domain.checks.first()
    assert (latest.status, latest.checked_by) == ("not_checked", world["admin_a"])
    assert ">Not checked</span>" in body  # the history row on the domain's page


def test_check_ignores_an_outside_next(world, client_admin_a, dns_server):
    domain = world["portal_domain_a"]
    response = client_admin_a.post(
        f"/account/domains/{domain.pk}/check/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/account/domains/{domain.pk}/"


def test_refresh_rechecks_the_selected_only(world, client_admin_a, dns_server):
    a = world["portal_domain_a"]
    other = PortalDomain.objects.create(account=world["a"], domain="two.alpha.test", currencies=[])
    untouched = PortalDomain.objects.create(
        account=world["a"], domain="three.alpha.test", currencies=[]
    )
    dns_server.cname("portal.alpha.test", "elsewhere.example")
    dns_server.cname("two.alpha.test", TARGET)
    dns_server.txt("_portal-challenge.two.alpha.test", other.verification_token)
    response = client_admin_a.post(
        "/account/domains/refresh/", {"selected": [a.pk, other.pk, world["portal_domain_b"].pk]}
    )
    assert response.status_code == 302
    statuses = dict(PortalDomain.objects.values_list("domain", "status"))
    assert statuses["portal.alpha.test"] == DnsStatus.FAILED
    assert statuses["two.alpha.test"] == DnsStatus.VERIFIED
    assert statuses["three.alpha.test"] == DnsStatus.PENDING
    assert statuses["portal.bravo.test"] == DnsStatus.VERIFIED  # B's id was ignored
    assert not world["portal_domain_b"].checks.exclude(checked_by=None).exists()
    assert untouched.checks.count() == 0


def test_refresh_with_nothing_selected_just_shows_the_list(world, client_admin_a):
    response = client_admin_a.post("/account/domains/refresh/")
    assert response["Location"] == "/account/domains/"
    assert DomainCheck.objects.filter(checked_by__isnull=False).count() == 0


def test_delete_selected(world, client_admin_a):
    extra = PortalDomain.objects.create(account=world["a"], domain="two.alpha.test", currencies=[])
    b = world["portal_domain_b"]
    response = client_admin_a.post(
        "/account/domains/delete/", {"selected": [extra.pk, b.pk]}, follow=True
    )
    assert "Deleted 1 domain: two.alpha.test." in response.content.decode()
    assert not PortalDomain.objects.filter(pk=extra.pk).exists()
    assert PortalDomain.objects.filter(pk=b.pk).exists()
    assert AuditEntry.objects.filter(event="domain.deleted", target_id=str(extra.pk)).exists()


def test_delete_with_nothing_selected_says_so(world, client_admin_a):
    response = client_admin_a.post("/account/domains/delete/", follow=True)
    assert "Select the domains to delete." in response.content.decode()
    assert PortalDomain.objects.count() == 2


def test_get_on_an_action_url_changes_nothing(world, client_admin_a):
    domain = world["portal_domain_a"]
    assert client_admin_a.get("/account/domains/delete/")["Location"] == "/account/domains/"
    assert client_admin_a.get(f"/account/domains/{domain.pk}/check/").status_code == 302
    assert PortalDomain.objects.count() == 2 and domain.checks.count() == 1


# --- permissions ---------------------------------------------------------------------------------


def test_read_only_users_see_but_cannot_change(world, admin_a):
    admin_a.read_only = True
    admin_a.save()
    client = signed_in_client(admin_a)
    domain = world["portal_domain_a"]
    body = client.get("/account/domains/").content.decode()
    assert "portal.alpha.test" in body
    assert ">Check</button>" not in body and ">Add domain</span>" not in body
    assert client.post("/account/domains/add/", form_data()).status_code == 403
    assert client.post(f"/account/domains/{domain.pk}/check/").status_code == 403
    assert client.post("/account/domains/delete/", {"selected": [domain.pk]}).status_code == 403
    assert PortalDomain.objects.filter(pk=domain.pk).exists()


def test_users_without_the_domains_module_are_refused(world, client_user_a):
    response = client_user_a.get("/account/domains/")
    assert response.status_code == 403
    assert "You need access to the Domains module" in response.content.decode()


def test_services_check_the_permission_too(world):
    from django.core.exceptions import PermissionDenied

    from domains import services

    with pytest.raises(PermissionDenied):
        services.delete_domains(Actor(world["user_a"]), [world["portal_domain_a"].pk])
