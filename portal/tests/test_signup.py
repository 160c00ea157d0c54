"""Customer signup on a portal domain: only while Customer signup is on (else 404 and no link);
a pending customer with the domain's debit limit and the template customer's settings, and its
first contact; approved in the panel, then the contact signs in. The same answer for an address
that already has a login (that contact is mailed instead); rate-limited per caller and per
domain; bad input refused next to its field with nothing created; audited; CSRF enforced."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from accounts.models import AuditEntry
from portal.models import Contact, Customer, CustomerStatus
from tests.fixtures import PASSWORD

HOST_A = "portal.alpha.test"
NEW_EMAIL = "nina@newco.test"
EXISTING_EMAIL = "carla@alpha-retail.test"


def _data(**changes):
    data = {
        "company": "NewCo Telecom",
        "name": "Nina New",
        "email": NEW_EMAIL,
        "phone": "+44 20 7946 0000",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(changes)
    return data


def _visitor(ip="198.51.100.7"):
    return Client(HTTP_HOST=HOST_A, REMOTE_ADDR=ip)


@pytest.fixture
def signup_on(world):
    """A's domain with Customer signup on, a debit limit for newcomers and A's customer as the
    template (its rate card, a hidden area, its currency)."""
    domain = world["portal_domain_a"]
    template = world["customer_a"]
    Customer.objects.for_account(world["a"]).filter(pk=template.pk).update(hidden_areas=["cdr"])
    domain.customer_signup = True
    domain.new_customer_debit_limit = Decimal("25.5")
    domain.template_customer = template
    domain.save()
    return domain


def _counts(world):
    return (
        Customer.objects.for_account(world["a"]).count(),
        Contact.objects.for_account(world["a"]).count(),
    )


def _events(world, prefix=""):
    return list(
        AuditEntry.objects.for_account(world["a"])
        .filter(event__startswith=prefix)
        .order_by("pk")
        .values_list("event", flat=True)
    )


def test_signup_off_answers_404_and_the_link_is_gone(world):
    domain = world["portal_domain_a"]
    domain.customer_signup = False
    domain.save()
    client = _visitor()
    assert client.get("/signup/").status_code == 404
    assert client.post("/signup/", _data()).status_code == 404
    assert "/signup/" not in client.get("/login/").content.decode()
    assert _counts(world) == (1, 1)


def test_signup_creates_a_pending_customer_which_signs_in_once_approved(
    world, signup_on, client_admin_a, django_capture_on_commit_callbacks
):
    client = _visitor()
    assert 'href="/signup/"' in client.get("/login/").content.decode()
    form = client.get("/signup/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in form and 'name="currency"' not in form  # one offered
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", _data())
    assert response.status_code == 200
    assert "your request is waiting for approval; we have sent you an e-mail" in (
        response.content.decode()
    )

    customer = Customer.objects.for_account(world["a"]).get(name="NewCo Telecom")
    template = world["customer_a"]
    assert customer.status == CustomerStatus.PENDING
    assert customer.debit_limit == Decimal("25.5")  # the domain's, not the template's 100
    assert customer.balance == Decimal("0")
    assert customer.currency == template.currency
    assert customer.rate_card_id == template.rate_card_id
    assert customer.hidden_areas == ["cdr"]
    contact = customer.contacts.get()
    assert (contact.name, contact.email, contact.phone) == ("Nina New", NEW_EMAIL, "+442079460000")
    assert contact.check_password(PASSWORD) and not contact.totp_enabled
    (message,) = mail.outbox
    assert message.to == [NEW_EMAIL] and "waiting for approval" in message.subject
    entry = AuditEntry.objects.for_account(world["a"]).get(event="customer.signed_up")
    assert entry.target_id == str(customer.pk) and entry.ip == "198.51.100.7"
    assert entry.changes["status"][1] == "Pending approval"

    # Pending: the right password, and a clear answer.
    refused = client.post("/login/", {"email": NEW_EMAIL, "password": PASSWORD})
    assert "Your account is waiting for approval" in refused.content.decode()
    assert client.get("/")["Location"] == "/login/"

    # The operator approves it in the panel; now the contact gets in.
    assert "Pending approval" in client_admin_a.get("/customers/").content.decode()
    approved = client_admin_a.post(f"/customers/{customer.pk}/status/", {"action": "approve"})
    assert approved.status_code == 302
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE
    signed_in = client.post("/login/", {"email": NEW_EMAIL, "password": PASSWORD})
    assert signed_in["Location"] == "/"
    assert "NewCo Telecom" in client.get("/").content.decode()


def test_an_existing_email_gets_the_same_answer_and_its_contact_a_mail(
    world, signup_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = _visitor().post("/signup/", _data())
    before = _counts(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        existing = _visitor("198.51.100.8").post(
            "/signup/", _data(company="Sneaky Ltd", email=EXISTING_EMAIL.upper())
        )
    assert existing.status_code == new.status_code == 200
    assert existing.content == new.content  # the very same page
    assert _counts(world) == before  # no duplicate, no new customer
    assert not Customer.objects.for_account(world["a"]).filter(name="Sneaky Ltd").exists()
    (message,) = mail.outbox
    assert message.to == [EXISTING_EMAIL] and "already has a login" in message.body
    assert "/reset-password/" in message.body
    assert _events(world, "portal.signup") == ["portal.signup_existing_email"]
    # The existing contact's password is untouched.
    assert (
        Contact.objects.for_account(world["a"]).get(email=EXISTING_EMAIL).check_password(PASSWORD)
    )


def test_a_taken_company_name_still_gets_the_same_answer(world, signup_on):
    response = _visitor().post("/signup/", _data(company="alpha retail ltd"))
    assert "waiting for approval" in response.content.decode()
    created = Customer.objects.for_account(world["a"]).get(status=CustomerStatus.PENDING)
    assert created.name == f"alpha retail ltd ({NEW_EMAIL})"  # the operator sorts it out


def test_signups_are_limited_per_caller(world, signup_on, settings):
    settings.PORTAL_SIGNUPS_PER_IP = 2
    client = _visitor()
    for n in range(2):
        assert (
            client.post("/signup/", _data(email=f"n{n}@newco.test", company=f"C{n}")).status_code
            == 200
        )
    before = _counts(world)
    response = client.post("/signup/", _data(email="n9@newco.test", company="C9"))
    assert response.status_code == 429
    assert "Too many signups were sent from here" in response.content.decode()
    assert _counts(world) == before
    assert "portal.signup_throttled" in _events(world)
    # Another caller is not limited by this one.
    other = _visitor("203.0.113.5").post("/signup/", _data(email="n9@newco.test", company="C9"))
    assert other.status_code == 200 and _counts(world) != before


def test_signups_are_limited_per_domain(world, signup_on, settings):
    settings.PORTAL_SIGNUPS_PER_DOMAIN = 2
    for n in range(2):
        _visitor(f"203.0.113.{n}").post(
            "/signup/", _data(email=f"d{n}@newco.test", company=f"D{n}")
        )
    response = _visitor("203.0.113.99").post("/signup/", _data(email="d9@x.test", company="D9"))
    assert response.status_code == 429
    assert not Contact.objects.for_account(world["a"]).filter(email="d9@x.test").exists()


HUGE = "x" * 5000


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password2": "Other-Pass-2026!"}, "password2", "The two passwords do not match."),
        ({"password1": "weak", "password2": "weak"}, "password1", "The password must"),
        ({"password1": "", "password2": ""}, "password1", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"company": ""}, "company", "This field is required."),
        ({"company": " \t "}, "company", "This field is required."),
        ({"company": HUGE}, "company", "at most 120 characters"),
        ({"name": HUGE}, "name", "at most 120 characters"),
        ({"email": HUGE + "@x.test"}, "email", "Enter a valid email address."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"phone": "12345678901234567890123456789012345"}, "phone", "at most 32 characters"),
        ({"phone": "call me"}, "phone", ""),
        ({"password1": HUGE, "password2": HUGE}, "password1", "at most 128 characters"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_created(
    world, signup_on, changes, field, message
):
    before, events = _counts(world), _events(world)
    response = _visitor().post("/signup/", _data(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert _counts(world) == before and _events(world) == events
    assert len(mail.outbox) == 0


def test_a_domain_offering_several_currencies_lets_the_visitor_choose(world, signup_on):
    signup_on.currencies = ["USD", "EUR"]
    signup_on.save()
    form = _visitor().get("/signup/").content.decode()
    assert 'name="currency"' in form and '<option value="EUR"' in form
    refused = _visitor().post("/signup/", _data(currency="GBP"))
    assert refused.status_code == 400 and "currency" in refused.context["form"].errors
    _visitor().post("/signup/", _data(currency="EUR"))
    customer = Customer.objects.for_account(world["a"]).get(name="NewCo Telecom")
    assert customer.currency == "EUR"
    assert customer.rate_card_id is None  # the template's card prices in USD


def test_without_a_template_the_customer_gets_plain_settings(world, signup_on):
    signup_on.template_customer = None
    signup_on.save()
    _visitor().post("/signup/", _data())
    customer = Customer.objects.for_account(world["a"]).get(name="NewCo Telecom")
    assert (customer.currency, customer.rate_card_id, customer.hidden_areas) == ("USD", None, [])
    assert customer.portal_access and customer.status == CustomerStatus.PENDING


def test_another_accounts_customer_is_never_the_template(world, signup_on):
    """Even a template id that names B's customer (set behind the form's back) copies nothing."""
    type(signup_on).objects.for_account(world["a"]).filter(pk=signup_on.pk).update(
        template_customer=world["customer_b"]
    )
    _visitor().post("/signup/", _data())
    customer = Customer.objects.for_account(world["a"]).get(name="NewCo Telecom")
    assert customer.rate_card_id is None and customer.hidden_areas == []


def test_the_form_needs_its_csrf_token(world, signup_on):
    client = Client(HTTP_HOST=HOST_A, enforce_csrf_checks=True)
    assert client.post("/signup/", _data()).status_code == 403
    assert _counts(world) == (1, 1)
    page = client.get("/signup/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post("/signup/", {**_data(), "csrfmiddlewaretoken": token}).status_code == 200
    assert _counts(world) == (2, 2)


def test_a_signed_in_contact_is_sent_home(world, signup_on):
    client = world["portal_sign_in"]("a")
    assert client.get("/signup/")["Location"] == "/"
