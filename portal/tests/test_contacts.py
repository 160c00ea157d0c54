"""A customer's portal contacts: add with a password or an invitation mailed through the
account's mail path with a link on its Verified portal domain, edit, delete, and every bad input."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import AuditEntry
from domains.models import DnsStatus, PortalDomain
from portal.invitations import make_token
from portal.models import Contact
from tests.fixtures import PASSWORD

NEW_PASSWORD = "Portal-Pass-2026!"


def _url(world, suffix=""):
    return f"/customers/{world['customer_a'].pk}/contacts/{suffix}"


def _data(**changes):
    data = {"name": "Dora Dialler", "email": "Dora@Example.TEST", "phone": "+44 20 7946 0000"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _contacts(world):
    return Contact.objects.for_account(world["a"])


def test_the_customer_page_lists_its_contacts(world, client_admin_a):
    page = client_admin_a.get(f"/customers/{world['customer_a'].pk}/").content.decode()
    assert "Portal contacts" in page
    assert "carla@alpha-retail.test" in page and "Carla Contact" in page
    assert page.count("<h1") == 1


def test_adding_a_contact_with_a_password(world, client_admin_a):
    response = client_admin_a.post(_url(world, "add/"), _data(password=NEW_PASSWORD))
    assert response.status_code == 302
    contact = _contacts(world).get(email="dora@example.test")  # stored normalised
    assert contact.customer == world["customer_a"]
    assert contact.phone == "+442079460000"
    assert contact.check_password(NEW_PASSWORD)
    assert NEW_PASSWORD not in contact.password  # hashed
    entry = AuditEntry.objects.for_account(world["a"]).get(
        event="contact.created", actor=world["admin_a"]
    )
    assert entry.changes["password"] == ["********", "********"]
    assert mail.outbox == []


def test_adding_a_contact_with_an_invitation_mails_a_link_on_the_portal_host(
    world, client_admin_a, settings, django_capture_on_commit_callbacks
):
    settings.PANEL_BASE_URL = "https://panel.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(
            _url(world, "add/"), _data(send_invitation="on"), HTTP_HOST="testserver"
        )
    assert response.status_code == 302
    contact = _contacts(world).get(email="dora@example.test")
    assert not contact.has_usable_password() and contact.invited_at is not None
    (message,) = mail.outbox
    assert message.to == ["dora@example.test"]
    assert "Alpha Customer Hub" in message.subject
    link = re.search(r"^https://portal\.alpha\.test(/invitation/\S+/)$", message.body, re.M)
    assert link, message.body
    assert AuditEntry.objects.for_account(world["a"]).filter(event="contact.invited").exists()

    visitor = Client(HTTP_HOST="portal.alpha.test")
    page = visitor.get(link.group(1))
    assert "Choose the password for <strong>dora@example.test</strong>" in page.content.decode()
    weak = visitor.post(link.group(1), {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 400 and "The password must" in weak.content.decode()
    done = visitor.post(
        link.group(1), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert "Your password is set" in done.content.decode()
    contact.refresh_from_db()
    assert contact.check_password(NEW_PASSWORD) and contact.email_verified
    again = visitor.get(link.group(1)).content.decode()
    assert "has been used already" in again  # single use


def test_an_invitation_link_works_only_on_its_own_accounts_portal(world):
    token = make_token(world["contact_a"])
    other = Client(HTTP_HOST="portal.bravo.test").get(f"/invitation/{token}/").content.decode()
    assert "has been used already" in other or "not valid" in other
    assert "carla@alpha-retail.test" not in other
    forged = Client(HTTP_HOST="portal.alpha.test").get("/invitation/forged/").content.decode()
    assert "This invitation link is not valid" in forged


def test_an_invitation_needs_a_verified_portal_domain(world, client_admin_a):
    PortalDomain.objects.for_account(world["a"]).update(status=DnsStatus.PENDING)
    response = client_admin_a.post(_url(world, "add/"), _data(send_invitation="on"))
    assert response.status_code == 400
    assert "no Verified portal domain yet" in response.content.decode()
    assert not _contacts(world).filter(email="dora@example.test").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": ""}, "password", "Enter a password, or tick"),
        ({"password": "short"}, "password", "The password must"),
        ({"email": "not-an-email", "password": NEW_PASSWORD}, "email", "valid email"),
        (
            {"email": "CARLA@alpha-retail.test", "password": NEW_PASSWORD},
            "email",
            "already uses this e-mail address",
        ),
        ({"phone": "12", "password": NEW_PASSWORD}, "phone", ""),
        ({"name": " ", "password": NEW_PASSWORD}, "name", "This field is required."),
        (
            {"password": NEW_PASSWORD, "send_invitation": "on"},
            "send_invitation",
            "not both",
        ),
    ],
)
def test_bad_contact_input_is_refused_next_to_its_field(
    world, client_admin_a, changes, field, message
):
    before = _contacts(world).count()
    response = client_admin_a.post(_url(world, "add/"), _data(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert _contacts(world).count() == before


def test_editing_a_contact_keeps_the_password_when_blank(world, client_admin_a):
    contact = world["contact_a"]
    url = _url(world, f"{contact.pk}/")
    assert 'value="carla@alpha-retail.test"' in client_admin_a.get(url).content.decode()
    response = client_admin_a.post(
        url, {"name": "Carla C.", "email": contact.email, "phone": "", "is_active": "on"}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Carla C." and contact.check_password(PASSWORD)
    entry = AuditEntry.objects.for_account(world["a"]).get(event="contact.updated")
    assert entry.changes == {"name": ["Carla Contact", "Carla C."]}


def test_a_contact_of_another_customer_or_account_is_a_404(world, client_admin_a):
    assert client_admin_a.get(_url(world, f"{world['contact_b'].pk}/")).status_code == 404
    other = f"/customers/{world['customer_b'].pk}/contacts/{world['contact_b'].pk}/"
    assert client_admin_a.get(other).status_code == 404


def test_deleting_contacts_ignores_other_accounts_ids(world, client_admin_a):
    response = client_admin_a.post(
        _url(world, "delete/"),
        {"selected": [str(world["contact_a"].pk), str(world["contact_b"].pk)]},
        follow=True,
    )
    assert "Deleted 1 contact: carla@alpha-retail.test." in response.content.decode()
    assert not _contacts(world).exists()
    assert Contact.objects.for_account(world["b"]).count() == 1
    assert client_admin_a.get(_url(world, "delete/")).status_code == 405
