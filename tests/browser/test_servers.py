"""Open a server, run its Health check against a local SIP responder, fix its config in the
dialog, restart it, and see the operation in the history."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from servers.models import Operation, Server, ServerStatus, ServerType, Zone
from tests.fakes.sip_server import answer, sip_server  # noqa: F401  (fixture)
from tests.fixtures import PASSWORD

from .conftest import screenshot

SERVER_HEADER = "kamailio (5.7.4 (x86_64/linux))"


def test_health_check_config_and_restart(transactional_db, page, admin_a, sip_server):  # noqa: F811
    sip_server.behave(answer(200, "OK", server=SERVER_HEADER))
    server = Server.objects.create(
        account=admin_a.account,
        ip_address="127.0.0.1",
        signalling_port=sip_server.port,
        type=ServerType.SWITCH,
        cluster="lon-core",
        alias="sip-lon-1",
        zone=Zone.LONDON,
        fqdn="sip-lon-1.alpha-voip.test",
        cps=20,
        channels=200,
        status=ServerStatus.ACTIVE,
        cost_per_month=Decimal("49"),
        udp_ports=[5060],
    )
    Server.objects.create(
        account=admin_a.account,
        ip_address="192.0.2.7",
        type=ServerType.DISPATCHER,
        alias="disp-lon-1",
        status=ServerStatus.EXPIRED,
    )

    page.goto("/login/")
    page.get_by_label("Email").fill(admin_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="My Servers").click()
    expect(page).to_have_url(re.compile(r"/servers/$"))
    row = page.locator("tr", has_text="sip-lon-1")
    expect(row.locator(".badge--type-switch")).to_have_text("Switch")
    expect(row).to_contain_text("not checked")
    expect(page.locator("tr", has_text="disp-lon-1")).to_contain_text("Expired")
    screenshot(page, "servers-list")

    # The server's page: Health check against the local responder.
    row.get_by_role("link", name="127.0.0.1").click()
    expect(page).to_have_url(re.compile(rf"/servers/{server.pk}/$"))
    expect(page.get_by_role("heading", name="sip-lon-1")).to_be_visible()
    page.get_by_role("button", name="Health check").click()
    expect(page.get_by_text(re.compile(r"200 OK, Server: kamailio .* ms\."))).to_be_visible()
    last = page.locator("#last-check")
    expect(last).to_contain_text("200 OK")
    expect(last).to_contain_text(SERVER_HEADER)
    expect(last).to_contain_text(re.compile(r"\d+(\.\d)? ms"))
    screenshot(page, "servers-health-check")

    # The config dialog: a bad port is refused next to the field, then a good list is saved.
    page.get_by_role("link", name="Edit Server config").click()
    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Server config · sip-lon-1")).to_be_visible()
    dialog.get_by_label("UDP ports").fill("5060, 70000")
    dialog.get_by_label("WebRTC").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("70000 is out of range: a port is from 1 to 65535.")).to_be_visible()
    expect(dialog.get_by_label("WebRTC")).to_be_checked()
    screenshot(page, "servers-config-error")
    dialog.get_by_label("UDP ports").fill("5060, 5080")
    dialog.get_by_role("button", name="Save").click()
    saved = page.get_by_text("The config of sip-lon-1 was saved. Restart the server")
    expect(saved).to_be_visible()
    expect(page.locator("#server-config")).to_contain_text("5080")

    # Actions ▾ → Restart (after confirming): done, and in the history.
    page.locator("summary", has_text="Actions").click()
    expect(page.get_by_role("button", name="Start Server", exact=True)).to_be_disabled()
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.accept()))
    page.get_by_role("button", name="Restart Server").click()
    expect(page.get_by_text("Restart: done. Recorded: the server is Active.")).to_be_visible()
    assert questions == ["Restart sip-lon-1? Calls on it are cut off."]
    history = page.get_by_role("region", name="Operations")
    first = history.locator("tbody tr").first
    expect(first).to_contain_text("Restart")
    expect(first.locator(".badge")).to_have_text("Done")
    expect(first).to_contain_text(admin_a.name)
    expect(page.get_by_text("Restart the server to apply it.")).to_have_count(0)
    screenshot(page, "servers-detail-after-restart")
    operation = Operation.objects.for_account(admin_a.account).get(server=server)
    assert (operation.action, operation.status) == ("restart", "done")

    # The list shows the health result with its round-trip time.
    page.get_by_role("link", name="‹ Servers").click()
    health = page.locator("tr", has_text="sip-lon-1").locator(".health")
    expect(health).to_have_class(re.compile("health--ok"))
    expect(health).to_contain_text("200 OK")
