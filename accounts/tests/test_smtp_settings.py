"""The SMTP Details card and dialog: every field rule, the write-only password, who may use them,
and no probing of the platform's network (private hosts refused at save and at connect)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry, SmtpSettings
from accounts.smtp import describe, effective, parse_server
from tests.conftest import signed_in_client

from .smtp_helpers import (
    EDIT,
    SMTP_PASSWORD,
    TEST_EMAIL,
    TEST_MOBILE,
    VALID,
    errors_of,
    page,
    press_test_email,
    save,
    saved,
)

CONFIG = "/account/config/"


@pytest.fixture(autouse=True)
def dns(dns_server):
    """Host names resolve through a local DNS server; smtp.example.com is a public address."""
    dns_server.addresses(
        "smtp.example.com", "93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
    )
    return dns_server


def _row(account):
    return SmtpSettings.objects.for_account(account).first()


# --- the card ----------------------------------------------------------------------------------


def test_the_card_shows_the_settings_and_only_stars_for_the_password(client_admin_a, account_a):
    saved(
        client_admin_a,
        server="smtp.example.com:465",
        username="mailer",
        password=SMTP_PASSWORD,
    )
    html = page(client_admin_a.get(CONFIG))
    for shown in (
        "SMTP Details",
        "Alpha NOC &lt;noc@alpha-mail.test&gt;",
        "mailer",
        "*******",
        "smtp.example.com:465",
        "TLS (Auto: port 465)",
        "AlphaTel",
        'href="/account/config/smtp/test-email/"',
        'href="/account/config/smtp/test-mobile/"',
    ):
        assert shown in html
    assert SMTP_PASSWORD not in html


def test_an_empty_card_says_the_platform_sends(client_admin_a):
    html = page(client_admin_a.get(CONFIG))
    assert "(the platform's mail server)" in html
    assert "<dt>SMS From</dt><dd>sms</dd>" in html


def test_users_do_not_see_the_card_and_cannot_reach_the_dialogs(world):
    from accounts.permissions import ALLOW
    from users.models import GroupMembership, PermissionGroup

    group = PermissionGroup.objects.create(
        account=world["a"], name="Config", permissions={"config": ALLOW}
    )
    GroupMembership.objects.create(account=world["a"], user=world["user_a"], group=group)
    client = signed_in_client(world["user_a"])
    response = client.get(CONFIG)
    assert response.status_code == 200
    assert "SMTP Details" not in page(response)
    for url in (EDIT, TEST_EMAIL, TEST_MOBILE):
        assert client.get(url).status_code == 403
        assert client.post(url, VALID).status_code == 403


def test_a_read_only_administrator_sees_the_card_but_changes_and_tests_nothing(world):
    admin = world["admin_a"]
    admin.read_only = True
    admin.save(update_fields=["read_only"])
    client = signed_in_client(admin)
    html = page(client.get(CONFIG))
    assert "SMTP Details" in html
    assert "/account/config/smtp/test-email/" not in html
    assert client.post(EDIT, VALID).status_code == 403
    assert client.post(TEST_EMAIL).status_code == 403
    assert not AuditEntry.objects.filter(event="smtp.test_email").exists()


# --- saving and the password -------------------------------------------------------------------


def test_save_and_audit(client_admin_a, account_a):
    response = saved(
        client_admin_a, server="smtp.example.com", username="mailer", password=SMTP_PASSWORD
    )
    assert response["Location"] == CONFIG
    row = _row(account_a)
    assert (row.from_address, row.host, row.port, row.security, row.sms_from) == (
        "Alpha NOC <noc@alpha-mail.test>",
        "smtp.example.com",
        None,
        "auto",
        "AlphaTel",
    )
    assert row.password == SMTP_PASSWORD
    [entry] = AuditEntry.objects.filter(event="smtp.updated")
    assert entry.changes["password"] == ["********", "********"]  # set: masked both sides
    assert entry.changes["host"] == [None, "smtp.example.com"]
    assert SMTP_PASSWORD not in str(entry.changes)


def test_an_empty_password_keeps_the_saved_one(client_admin_a, account_a):
    saved(client_admin_a, server="smtp.example.com", username="mailer", password=SMTP_PASSWORD)
    form = page(client_admin_a.get(EDIT))
    assert SMTP_PASSWORD not in form
    assert "A password is saved: leave empty to keep it." in form
    saved(client_admin_a, server="smtp.example.com:587", username="mailer", password="")
    assert _row(account_a).password == SMTP_PASSWORD
    entry = AuditEntry.objects.filter(event="smtp.updated").first()
    assert "password" not in entry.changes
    assert entry.changes["port"] == [None, 587]


def test_a_new_password_replaces_and_remove_clears(client_admin_a, account_a):
    saved(client_admin_a, server="smtp.example.com", username="mailer", password=SMTP_PASSWORD)
    saved(client_admin_a, server="smtp.example.com", username="mailer", password="another-one")
    assert _row(account_a).password == "another-one"
    assert AuditEntry.objects.filter(event="smtp.updated").first().changes == {
        "password": ["********", "********"]
    }
    saved(client_admin_a, server="smtp.example.com", username="mailer", remove_password="on")
    assert _row(account_a).password == ""
    assert AuditEntry.objects.filter(event="smtp.updated").first().changes == {
        "password": ["********", "********"]
    }
    assert "No password is saved." in page(client_admin_a.get(EDIT))


def test_the_dialog_is_filled_with_the_saved_settings(client_admin_a):
    saved(client_admin_a, server="[2001:db8::25]:587", security="starttls")
    html = page(client_admin_a.get(EDIT))
    assert 'value="[2001:db8::25]:587"' in html
    assert '<option value="starttls" selected>' in html
    assert 'value="Alpha NOC &lt;noc@alpha-mail.test&gt;"' in html


# --- bad input: a message next to the field, nothing saved, no 500 -----------------------------

BAD_INPUT = [
    ("from_address", "not an address", "Enter an email address such as"),
    ("from_address", "noc@", "Enter an email address such as"),
    ("from_address", "Alpha <noc@alpha-mail.test", "Enter an email address such as"),
    ("from_address", "noc@alpha-mail.test\r\nBcc: x@evil.test", "Enter an email address"),
    ("from_address", "", "This field is required."),
    ("server", "smtp://smtp.example.com", "without a scheme"),
    ("server", "https://smtp.example.com:587", "without a scheme"),
    ("server", "smtp.example.com/mail", "without a path"),
    ("server", "smtp.example .com", "without spaces"),
    ("server", "user@smtp.example.com", "the username has a field of its own"),
    ("server", "smtp.example.com:0", "The port is a number from 1 to 65535."),
    ("server", "smtp.example.com:70000", "The port is a number from 1 to 65535."),
    ("server", "smtp.example.com:abc", "The port is a number from 1 to 65535."),
    ("server", "smtp.example.com:", "Put the port after the colon"),
    ("server", "smtp.example.com:8080", "Port 8080 is not allowed for mail here"),
    ("server", "2001:db8::25", "Write an IPv6 address in brackets"),
    ("server", "smtp_mail.example.com", "This is not a host name"),
    ("server", "mailhost", "Enter the server's full host name"),
    ("server", "a" * 400, "at most 253 characters"),
    ("sms_from", "AcmeTelecomX", "at most 11 characters (this one has 12)"),
    ("sms_from", "Acme-Tel!", "only letters, digits and spaces"),
    ("sms_from", "07700900123", "+ then the country code"),
    ("sms_from", "+999123", "This is not a valid international number"),
    ("password", "x" * 10_000, "A password has at most 256 characters."),
    ("security", "ssl", "Select a valid choice."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT)
def test_bad_input_is_refused_next_to_its_field(client_admin_a, account_a, field, value, message):
    saved(client_admin_a, server="smtp.example.com", sms_from="KeepMe")
    before = list(SmtpSettings.objects.for_account(account_a).values())
    values = {"server": "smtp.example.com", field: value}
    response = save(client_admin_a, **values)
    assert response.status_code == 200
    assert any(message in error for error in errors_of(response, field)), errors_of(response)
    assert list(SmtpSettings.objects.for_account(account_a).values()) == before
    assert "Nothing was saved." in page(response)


def test_the_typed_values_stay_in_the_form_but_not_the_password(client_admin_a):
    response = save(
        client_admin_a,
        server="smtp.example.com:8080",
        username="mailer",
        password=SMTP_PASSWORD,
        sms_from="AlphaTel",
    )
    html = page(response)
    assert 'value="smtp.example.com:8080"' in html
    assert 'value="mailer"' in html
    assert SMTP_PASSWORD not in html
    assert "type it again" in html


def test_a_username_needs_a_server(client_admin_a, account_a):
    response = save(client_admin_a, username="mailer", password="x")
    assert "need a server" in errors_of(response, "server")[0]
    assert _row(account_a) is None


def test_a_new_password_and_remove_together_are_refused(client_admin_a, account_a):
    saved(client_admin_a, server="smtp.example.com", password=SMTP_PASSWORD)
    response = save(client_admin_a, server="smtp.example.com", password="new", remove_password="on")
    assert errors_of(response, "password") == [
        "Either type a new password or remove the saved one, not both."
    ]
    assert _row(account_a).password == SMTP_PASSWORD


def test_the_default_port_of_the_security_must_be_allowed(client_admin_a, settings):
    settings.SMTP_ALLOWED_PORTS = [587]
    response = save(client_admin_a, server="smtp.example.com", security="tls")
    assert errors_of(response, "server") == [
        "Port 465 is not allowed for mail here; use one of 587."
    ]
    assert save(client_admin_a, server="smtp.example.com", security="starttls").status_code == 302


def test_allowed_ports_come_from_the_setting(client_admin_a, settings):
    settings.SMTP_ALLOWED_PORTS = [25, 465, 587, 2525, 8025]
    assert save(client_admin_a, server="smtp.example.com:8025").status_code == 302


# --- no probing of the platform's network ------------------------------------------------------

PRIVATE = [
    "10.1.2.3",
    "172.16.0.9:587",
    "192.168.1.1",
    "127.0.0.1",
    "localhost",
    "mail.localhost",
    "169.254.169.254",  # cloud metadata
    "[::1]:587",
    "[fe80::1]",
    "[fd00::25]",
    "[::ffff:10.0.0.1]",
    "224.0.0.251",
    "0.0.0.0",  # noqa: S104 (a value under test)
    "240.0.0.1",
    "100.64.0.1",
    "192.0.2.25",
]


@pytest.fixture
def production_hosts(settings, dns):
    """Production's rule (no private hosts), with DNS answered by the local server."""
    settings.SMTP_ALLOW_PRIVATE_HOSTS = False
    return dns


@pytest.mark.parametrize("server", PRIVATE)
def test_a_private_or_reserved_address_is_refused_at_save(
    client_admin_a, account_a, production_hosts, server
):
    response = save(client_admin_a, server=server)
    assert response.status_code == 200
    [error] = errors_of(response, "server")
    assert "private or reserved address, which the platform does not connect to" in error
    assert _row(account_a) is None


def test_a_name_resolving_to_any_private_address_is_refused(
    client_admin_a, account_a, production_hosts
):
    production_hosts.addresses("smtp.alpha-mail.test", "8.8.8.8", "10.0.0.25")
    response = save(client_admin_a, server="smtp.alpha-mail.test:587")
    assert (
        "smtp.alpha-mail.test resolves to a private or reserved address"
        in (errors_of(response, "server")[0])
    )
    production_hosts.addresses("smtp.alpha-mail.test", "8.8.8.8", "fd00::25")
    assert save(client_admin_a, server="smtp.alpha-mail.test:587").status_code == 200
    assert _row(account_a) is None


def test_a_public_name_is_saved_and_checked_again_at_connect(
    client_admin_a, account_a, production_hosts
):
    production_hosts.addresses("smtp.alpha-mail.test", "8.8.8.8", "2001:4860:4860::8888")
    saved(client_admin_a, server="smtp.alpha-mail.test:587")
    # The DNS answer changes after the save (DNS rebinding): Test Email must not connect.
    production_hosts.addresses("smtp.alpha-mail.test", "127.0.0.1")
    assert press_test_email(client_admin_a) == (
        "smtp.alpha-mail.test resolves to a private or reserved address, which the platform "
        "does not connect to. Use your mail provider's public host name."
    )


def test_a_name_that_does_not_resolve(client_admin_a, account_a, production_hosts):
    response = save(client_admin_a, server="nowhere.alpha-mail.test")
    assert errors_of(response, "server") == [
        "Cannot resolve the host nowhere.alpha-mail.test: no such name in DNS."
    ]
    production_hosts.silent("slow.alpha-mail.test")
    response = save(client_admin_a, server="slow.alpha-mail.test")
    assert errors_of(response, "server")[0].endswith("Try again in a moment.")


def test_dev_and_test_settings_allow_private_hosts(client_admin_a, settings):
    assert settings.SMTP_ALLOW_PRIVATE_HOSTS is True
    assert save(client_admin_a, server="127.0.0.1:2525").status_code == 302


def test_production_refuses_private_hosts_by_default():
    from config.settings import base

    assert base.SMTP_ALLOW_PRIVATE_HOSTS is False
    assert base.SMTP_ALLOWED_PORTS == [25, 465, 587, 2525]


# --- the Server field and the security mode -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("smtp.example.com", ("smtp.example.com", None)),
        ("  SMTP.Example.COM:587 ", ("smtp.example.com", 587)),
        ("smtp.example.com.", ("smtp.example.com", None)),
        ("mail.bücher.example:465", ("mail.xn--bcher-kva.example", 465)),
        ("192.0.2.25:25", ("192.0.2.25", 25)),
        ("[2001:DB8::25]:2525", ("2001:db8::25", 2525)),
        ("[2001:db8::25]", ("2001:db8::25", None)),
        ("localhost:2525", ("localhost", 2525)),
        ("", ("", None)),
    ],
)
def test_parse_server(text, parsed):
    assert parse_server(text) == parsed


@pytest.mark.parametrize(
    "text", ["[2001:db8::25", "[2001:db8::25]587", "[192.0.2.1]:25", "1.2.3.4.5", "-a.example"]
)
def test_parse_server_refuses(text):
    with pytest.raises(ValidationError):
        parse_server(text)


@pytest.mark.parametrize(
    ("security", "port", "mode", "words"),
    [
        ("auto", 465, ("tls", 465), "TLS (Auto: port 465)"),
        ("auto", 587, ("starttls", 587), "STARTTLS (Auto: port 587)"),
        ("auto", 25, ("opportunistic", 25), "STARTTLS when offered (Auto: port 25)"),
        ("auto", 2525, ("opportunistic", 2525), "STARTTLS when offered (Auto: port 2525)"),
        ("auto", None, ("starttls", 587), "STARTTLS (Auto: port 587)"),
        ("tls", None, ("tls", 465), "TLS"),
        ("starttls", 25, ("starttls", 25), "STARTTLS"),
        ("none", None, ("none", 25), "none (plain text)"),
    ],
)
def test_security_from_the_port(security, port, mode, words):
    assert effective(security, port) == mode
    assert describe(security, port) == words


# --- the encrypted password ------------------------------------------------------------------


def test_rotate_encryption_keys_covers_the_smtp_password(client_admin_a, account_a, settings):
    import io

    from django.core.management import call_command
    from django.db import connection

    from accounts.fields import key_id
    from tests.test_encryption import KEY_ONE, KEY_TWO

    saved(client_admin_a, server="smtp.example.com", password=SMTP_PASSWORD)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_TWO, KEY_ONE]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    table = SmtpSettings._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT password FROM {table} WHERE account_id = %s", [account_a.pk])  # noqa: S608
        raw = cursor.fetchone()[0]
    assert raw.startswith(f"fernet:{key_id(KEY_TWO)}:")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_TWO]
    assert _row(account_a).password == SMTP_PASSWORD


def test_a_password_under_a_lost_key_breaks_neither_the_card_nor_a_new_save(
    client_admin_a, account_a, settings
):
    from tests.test_encryption import KEY_TWO

    saved(client_admin_a, server="smtp.example.com", password=SMTP_PASSWORD)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_TWO]  # the key that wrote it is gone
    assert "*******" in page(client_admin_a.get(CONFIG))
    assert client_admin_a.get(EDIT).status_code == 200
    assert press_test_email(client_admin_a).startswith(
        "The saved SMTP password cannot be decrypted"
    )
    saved(client_admin_a, server="smtp.example.com", password="typed-again")
    assert _row(account_a).password == "typed-again"
