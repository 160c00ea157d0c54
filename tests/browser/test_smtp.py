"""SMTP Details clicked through as the demo Administrator: fill the dialog, save, press Test Email
against a local SMTP server (aiosmtpd, STARTTLS with AUTH) and see the message arrive."""

import re

from playwright.sync_api import expect

from .conftest import screenshot
from .test_config_and_audit import _sign_in

LOGIN = ("mailer@acme.example", "Mailer-Pa55word!")


def test_fill_smtp_details_save_and_send_a_test_email(
    page, transactional_db, smtp_server, trusted_ca
):
    server = smtp_server(tls="starttls", cert=trusted_ca.issue(["127.0.0.1"]), auth=LOGIN)
    _sign_in(page)
    card = page.locator("#smtp-details")
    expect(card.get_by_role("heading", name="SMTP Details")).to_be_visible()
    expect(card).to_contain_text("AcmeTel")
    screenshot(page, "smtp-card-demo")

    page.get_by_role("link", name="Edit SMTP Details").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_have_attribute("open", "")
    dialog.get_by_label("From address").fill("Acme Telecom NOC <noc@acme.example>")
    dialog.get_by_label("Username").fill(LOGIN[0])
    dialog.get_by_label("Password", exact=True).fill(LOGIN[1])
    dialog.get_by_label("Server").fill(f"smtp://{server.server}")
    dialog.get_by_label("Security").select_option("starttls")
    dialog.get_by_label("SMS From").fill("AcmeTel")
    dialog.get_by_role("button", name="Save").click()
    # A scheme in the server is refused next to the field, inside the dialog; the typed values
    # stay, the password is asked for again.
    expect(dialog.locator("#id_server_errors")).to_contain_text("without a scheme such as smtp://")
    expect(dialog.get_by_label("Server")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Username")).to_have_value(LOGIN[0])
    expect(dialog.get_by_label("Password", exact=True)).to_have_value("")
    screenshot(page, "smtp-edit-dialog-error")

    dialog.get_by_label("Server").fill(server.server)
    dialog.get_by_label("Password", exact=True).fill(LOGIN[1])
    dialog.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/account/config/$"))
    expect(page.get_by_role("status")).to_contain_text("SMTP Details saved.")
    expect(card).to_contain_text(server.server)
    expect(card).to_contain_text("*******")
    expect(card).to_contain_text("STARTTLS")
    assert LOGIN[1] not in page.content()
    screenshot(page, "smtp-card-saved")

    card.get_by_role("link", name="Test Email").click()
    expect(dialog).to_have_attribute("open", "")
    expect(dialog).to_contain_text(f"through your server {server.server}")
    assert server.messages == []  # opening the dialog sends nothing
    dialog.get_by_role("button", name="Send test message").click()
    expect(dialog.get_by_role("status")).to_have_text(
        f"Test message sent to admin@acme.example through {server.server}."
    )
    screenshot(page, "smtp-test-email-sent")
    assert server.arrived.wait(5)
    [message] = server.messages
    assert message["To"] == "admin@acme.example"
    assert message["Subject"] == "Acme Telecom: test message"
    assert server.envelopes[0]["tls"] is True
    assert server.envelopes[0]["login"] == LOGIN[0]

    # A failure reads as what to fix, in the same dialog.
    server.refuse("550 5.7.1 Relaying denied", stage="rcpt")
    dialog.get_by_role("button", name="Send again").click()
    expect(dialog.get_by_role("alert")).to_contain_text(
        "The server refused the recipient admin@acme.example"
    )
    screenshot(page, "smtp-test-email-refused")
    dialog.get_by_role("link", name="Close").click()
    expect(dialog).not_to_have_attribute("open", "")

    # Test Mobile: the demo Administrator has no mobile on their profile.
    card.get_by_role("link", name="Test Mobile").click()
    expect(dialog).to_contain_text("Your personal profile has no mobile number")
    expect(dialog.get_by_role("link", name="Personal profile")).to_be_visible()
    screenshot(page, "smtp-test-mobile-no-number")
