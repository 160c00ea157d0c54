"""Passkeys in a real browser: Chromium's DevTools virtual authenticator (CTAP2, resident keys,
user verification) stands in for a laptop's platform authenticator. A user adds a passkey from
the Two-factor login page (static/js/passkeys.js runs navigator.credentials.create under the
strict CSP), signs out, signs in with the passkey alone, signs out, and signs in again with their
password and the passkey as the second step. Every answer is verified by the server
(py_webauthn) for the live server's origin."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import AuditEntry
from tests.fixtures import PASSWORD
from users.models import Passkey

from .conftest import screenshot


@pytest.fixture
def webauthn_origin(settings, live_server):
    # http://localhost is a secure context; its host name is the RP ID.
    assert live_server.url.startswith("http://localhost:")
    settings.WEBAUTHN_RP_ID = "localhost"
    settings.WEBAUTHN_ORIGINS = [live_server.url]
    return live_server.url


def _virtual_authenticator(page) -> tuple:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def _sign_out(page):
    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()


def test_add_a_passkey_then_sign_in_with_it_alone_and_as_second_step(
    page, webauthn_origin, admin_a
):
    cdp, authenticator = _virtual_authenticator(page)
    page.goto("/login/")
    page.get_by_label("Email").fill(admin_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/config/$"))

    page.goto("/profile/two-factor/")
    # No name: the server says what is missing, and no ceremony runs.
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Give the passkey a name")).to_be_visible()
    page.get_by_label("Passkey name").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("The passkey “Work laptop” was added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Work laptop")).to_be_visible()
    screenshot(page, "passkeys-1-added")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    [credential] = credentials["credentials"]
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"
    passkey = Passkey.objects.get(user=admin_a)
    assert passkey.name == "Work laptop"

    # Passwordless: the discoverable credential answers the sign-in page's request.
    _sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(re.compile(r"/account/config/$"))
    screenshot(page, "passkeys-2-signed-in-passwordless")
    assert AuditEntry.objects.filter(
        event="login.succeeded", data={"method": "passkey, without a password"}
    ).exists()

    # The password, then the passkey offered first as the second step.
    _sign_out(page)
    page.get_by_label("Email").fill(admin_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Use your passkey")).to_be_visible()
    screenshot(page, "passkeys-3-second-step")
    page.get_by_role("button", name="Use your passkey").click()
    expect(page).to_have_url(re.compile(r"/account/config/$"))
    assert AuditEntry.objects.filter(
        event="login.succeeded", data={"second_factor": "passkey"}
    ).exists()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None

    # Removing it, confirmed with the passkey itself.
    page.goto("/profile/two-factor/")
    page.get_by_role("button", name="Confirm with a passkey and remove").click()
    expect(page.get_by_text("The passkey “Work laptop” was removed.")).to_be_visible()
    assert not Passkey.objects.filter(user=admin_a).exists()
