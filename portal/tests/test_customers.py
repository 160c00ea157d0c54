"""The panel's Customers section: the list (balance, status, query count), add and edit with
every bad input, approve / suspend / reactivate, permissions and the audit trail."""

from decimal import Decimal

import pytest

from accounts.actors import PLATFORM
from accounts.models import AuditEntry
from portal import services
from portal.models import Cdr, Customer, CustomerStatus
from tests.conftest import signed_in_client
from tests.querycount import assert_constant_queries

LIST = "/customers/"


def _data(**changes):
    data = {
        "name": "Charlie Calls Inc",
        "currency": "USD",
        "debit_limit": "250.50",
        "rate_card": "",
        "portal_access": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _add(account, name, **fields):
    return services.create_customer(
        actor=PLATFORM,
        account=account,
        data={"name": name, "currency": account.currency, **fields},
    )


# --- list ------------------------------------------------------------------------------------


def test_the_list_shows_name_balance_limit_status_and_contacts(world, client_admin_a):
    customer = world["customer_a"]
    Customer.objects.for_account(world["a"]).filter(pk=customer.pk).update(balance=Decimal("-12.5"))
    response = client_admin_a.get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<h1") == 1
    for header in (">Name<", ">Balance<", ">Debit limit<", ">Status<", ">Contacts<"):
        assert header in body, header
    assert f'href="/customers/{customer.pk}/">Alpha Retail Ltd</a>' in body
    assert "-$12.50" in body  # the balance in the customer's currency
    assert "$100.00" in body  # the debit limit
    assert 'badge--ok">Active<' in body
    assert "<td>1</td>" in body  # one contact
    assert "Bravo Wholesale" not in body


def test_the_list_filters_by_status_and_searches_contacts_emails(world, client_admin_a):
    _add(world["a"], "Pending Pat", status=CustomerStatus.PENDING)
    body = client_admin_a.get(LIST, {"status": "pending"}).content.decode()
    assert "Pending Pat" in body and "Alpha Retail Ltd" not in body
    assert 'badge--warn">Pending approval<' in body
    body = client_admin_a.get(LIST, {"q": "carla@"}).content.decode()
    assert "Alpha Retail Ltd" in body and "Pending Pat" not in body
    bad = client_admin_a.get(LIST, {"status": "nonsense"})
    assert bad.status_code == 200
    assert "Choose a status from the list." in bad.content.decode()


def test_the_customers_menu_entry_opens_the_list(world, client_admin_a):
    body = client_admin_a.get("/account/config/").content.decode()
    assert 'href="/customers/"' in body and 'href="/cdr/"' in body
    assert "not available yet" not in client_admin_a.get(LIST).content.decode()


def test_list_query_count_does_not_grow_with_rows(world, client_admin_a):
    account = world["a"]

    def add_rows(n):
        have = Customer.objects.for_account(account).count()
        for i in range(have, n):
            customer = _add(account, f"Bulk customer {i:03d}")
            services.create_contact(
                actor=PLATFORM,
                customer=customer,
                data={"name": f"C {i}", "email": f"c{i}@bulk.test"},
                password="Bulk-Pass-2026!",
            )

    def render():
        response = client_admin_a.get(LIST)
        assert response.status_code == 200
        return response

    count = assert_constant_queries(render, add_rows, few=1, many=25)
    assert count == 4  # session, user, the page's count and its rows (contacts annotated)


# --- add and edit ----------------------------------------------------------------------------


def test_adding_a_customer_saves_it_and_audits(world, client_admin_a):
    response = client_admin_a.post("/customers/add/", _data(rate_card=world["ratecard_a"].pk))
    customer = Customer.objects.for_account(world["a"]).get(name="Charlie Calls Inc")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.debit_limit == Decimal("250.50")
    assert customer.balance == Decimal("0")
    assert customer.status == CustomerStatus.ACTIVE
    assert customer.rate_card == world["ratecard_a"]
    entry = AuditEntry.objects.for_account(world["a"]).get(
        event="customer.created", actor=world["admin_a"]
    )
    assert entry.actor == world["admin_a"]
    assert entry.changes["name"] == [None, "Charlie Calls Inc"]
    page = client_admin_a.get(response["Location"]).content.decode()
    assert "Charlie Calls Inc" in page and "Retail A" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "This field is required."),
        ({"name": "alpha retail ltd"}, "name", "already has a customer with this name"),
        ({"debit_limit": "-1"}, "debit_limit", "The debit limit cannot be negative."),
        ({"debit_limit": "lots"}, "debit_limit", "Enter a number."),
        ({"currency": "XYZ"}, "currency", "Select a valid choice."),
        ({"hidden_areas": "no_such_area"}, "hidden_areas", "no_such_area is not a portal area."),
        ({"currency": "EUR", "rate_card": "RC"}, "rate_card", "This rate card is in USD"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(world, client_admin_a, changes, field, message):
    if changes.get("rate_card") == "RC":
        changes["rate_card"] = world["ratecard_a"].pk
    before = Customer.objects.for_account(world["a"]).count()
    response = client_admin_a.post("/customers/add/", _data(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert Customer.objects.for_account(world["a"]).count() == before


def test_another_accounts_rate_card_cannot_be_chosen(world, client_admin_a):
    response = client_admin_a.post("/customers/add/", _data(rate_card=world["ratecard_b"].pk))
    assert response.status_code == 400
    assert "Choose one of your rate cards." in response.content.decode()


def test_editing_changes_the_fields_and_audits_before_and_after(world, client_admin_a):
    customer = world["customer_a"]
    form = client_admin_a.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'value="Alpha Retail Ltd"' in form and 'value="100"' in form
    response = client_admin_a.post(
        f"/customers/{customer.pk}/edit/",
        _data(name="Alpha Retail Group", currency="USD", portal_access=None, hidden_areas="cdr"),
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.portal_access, customer.hidden_areas) == (
        "Alpha Retail Group",
        False,
        ["cdr"],
    )
    entry = AuditEntry.objects.for_account(world["a"]).get(event="customer.updated")
    assert entry.changes["name"] == ["Alpha Retail Ltd", "Alpha Retail Group"]
    assert entry.changes["portal_access"] == [True, False]
    page = client_admin_a.get(f"/customers/{customer.pk}/").content.decode()
    assert "Hidden portal areas</dt><dd>CDR</dd>" in page


def test_the_currency_is_fixed_once_the_customer_has_calls(world, client_admin_a):
    customer = world["customer_a"]
    assert Cdr.objects.for_account(world["a"]).filter(customer=customer).exists()
    response = client_admin_a.post(f"/customers/{customer.pk}/edit/", _data(currency="GBP"))
    assert response.status_code == 400
    assert "The currency stays USD: this customer has calls priced in it." in (
        response.content.decode()
    )
    customer.refresh_from_db()
    assert customer.currency == "USD"


def test_the_balance_cannot_be_set_through_the_form(world, client_admin_a):
    customer = world["customer_a"]
    client_admin_a.post(f"/customers/{customer.pk}/edit/", _data(balance="999999"))
    customer.refresh_from_db()
    assert customer.balance == Decimal("0")


def test_the_dialog_is_a_fragment(world, client_admin_a):
    body = client_admin_a.get("/customers/add/", HTTP_X_DIALOG="1").content.decode()
    assert "<dialog" in body or 'class="dialog' in body
    assert 'class="topbar"' not in body


# --- status ----------------------------------------------------------------------------------


def test_approving_a_pending_signup(world, client_admin_a):
    pending = _add(world["a"], "Signup Sam", status=CustomerStatus.PENDING)
    page = client_admin_a.get(f"/customers/{pending.pk}/").content.decode()
    assert "waits for your approval" in page
    assert 'name="action" value="approve"' in page
    response = client_admin_a.post(f"/customers/{pending.pk}/status/", {"action": "approve"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == CustomerStatus.ACTIVE
    entry = AuditEntry.objects.for_account(world["a"]).get(event="customer.approved")
    assert entry.changes == {"status": ["Pending approval", "Active"]}
    page = client_admin_a.get(f"/customers/{pending.pk}/").content.decode()
    assert "Signup Sam is approved" in page


def test_suspend_then_reactivate(world, client_admin_a):
    customer = world["customer_a"]
    url = f"/customers/{customer.pk}/status/"
    client_admin_a.post(url, {"action": "suspend"})
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.SUSPENDED
    page = client_admin_a.get(f"/customers/{customer.pk}/").content.decode()
    assert "is suspended: its contacts cannot sign in" in page
    assert 'value="reactivate"' in page and 'value="suspend"' not in page
    client_admin_a.post(url, {"action": "reactivate"})
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE
    events = AuditEntry.objects.for_account(world["a"]).values_list("event", flat=True)
    assert {"customer.suspended", "customer.reactivated"} <= set(events)


@pytest.mark.parametrize("action", ["approve", "reactivate", "delete", ""])
def test_a_status_change_that_does_not_fit_changes_nothing(world, client_admin_a, action):
    customer = world["customer_a"]  # Active: neither approvable nor reactivatable
    response = client_admin_a.post(
        f"/customers/{customer.pk}/status/", {"action": action}, follow=True
    )
    assert response.status_code == 200
    assert "Nothing was changed." in response.content.decode()
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE


def test_a_read_only_user_sees_the_customer_but_no_actions(world, admin_a):
    admin_a.read_only = True
    admin_a.save()
    client = signed_in_client(admin_a)
    customer = world["customer_a"]
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Alpha Retail Ltd" in page
    assert 'name="action"' not in page and "/edit/" not in page
    assert client.post(f"/customers/{customer.pk}/status/", {"action": "suspend"}).status_code == (
        403
    )
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE


def test_a_forged_customer_id_is_a_404(world, client_admin_a):
    assert client_admin_a.get(f"/customers/{world['customer_b'].pk}/").status_code == 404
    assert client_admin_a.get("/customers/999999/").status_code == 404


def test_the_template_customer_select_offers_the_accounts_customers(world, client_admin_a):
    body = client_admin_a.get("/account/domains/add/").content.decode()
    assert f'<option value="{world["customer_a"].pk}">Alpha Retail Ltd</option>' in body
    assert "Bravo Wholesale" not in body
