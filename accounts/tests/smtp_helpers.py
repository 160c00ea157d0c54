"""Shared steps of the SMTP tests: save SMTP Details through the dialog, press Test Email."""

import re
from html import unescape

EDIT = "/account/config/smtp/"
TEST_EMAIL = "/account/config/smtp/test-email/"
TEST_MOBILE = "/account/config/smtp/test-mobile/"
SMTP_PASSWORD = "Sm7p-pa55word-0f-Alpha!"

VALID = {
    "from_address": "Alpha NOC <noc@alpha-mail.test>",
    "username": "",
    "password": "",
    "server": "",
    "security": "auto",
    "sms_from": "AlphaTel",
}


def save(client, **fields):
    """POST the SMTP Details dialog; returns the response (302 when saved)."""
    return client.post(EDIT, {**VALID, **fields})


def saved(client, **fields):
    response = save(client, **fields)
    assert response.status_code == 302, errors_of(response)
    return response


def press_test_email(client) -> str:
    """Press Send in the Test Email dialog; the outcome's words."""
    response = client.post(TEST_EMAIL)
    assert response.status_code == 200
    return outcome_of(response)


def outcome_of(response) -> str:
    found = re.search(
        r'<div class="alert[^"]*" role="(?:status|alert)"><p>(.*?)</p>', page(response), re.S
    )
    return unescape(re.sub(r"<[^>]+>", "", found[1])).strip() if found else ""


def page(response) -> str:
    return response.content.decode()


def errors_of(response, field: str | None = None) -> list[str]:
    """The messages shown next to ``field`` (every field's when None)."""
    html = page(response)
    pattern = rf'id="id_{field}_errors">(.*?)</ul>' if field else r'_errors">(.*?)</ul>'
    found = []
    for block in re.findall(pattern, html, re.S):
        found += [unescape(m).strip() for m in re.findall(r"<li>(.*?)</li>", block, re.S)]
    return found
