"""The API tab end to end: forms, services and views, checked against the local fake servers."""

import io
import re
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.urls.resolvers import RoutePattern

from accounts.actors import PLATFORM
from accounts.metrics import GATEWAY_CHECKS
from accounts.models import Account, AuditEntry
from payment_gateways.models import Gateway
from payment_gateways.services import create_gateway
from payment_gateways.webhooks import WEBHOOK_ROUTE
from tests.conftest import signed_in_client
from tests.querycount import assert_constant_queries

LIST = reverse("payment_gateways:list")
ADD_STRIPE = reverse("payment_gateways:add", args=["stripe"])
ADD_PAYPAL = reverse("payment_gateways:add", args=["paypal"])
WHSEC = "whsec_" + "w" * 28 + "HOOK"


def edit_url(gateway):
    return reverse("payment_gateways:edit", args=[gateway.pk])


def stripe_form(account, **changes):
    data = {
        "name": "Main Stripe",
        "mode": "test",
        "public_key": account.publishable_key,
        "secret_key": account.secret_key,
        "webhook_secret": WHSEC,
        "currencies": ["USD", "EUR"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def paypal_form(client_id, secret, **changes):
    data = {
        "name": "PayPal",
        "mode": "sandbox",
        "public_key": client_id,
        "secret_key": secret,
        "receiver_email": "billing@alpha.test",
        "webhook_id": "8PT597110X687430LKGECATA",
        "currencies": ["USD"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def page_text(response) -> str:
    return response.content.decode()


def gateway_audit_text(account) -> str:
    entries = AuditEntry.objects.filter(account=account, event__startswith="gateway.")
    return " ".join(f"{e.changes} {e.data}" for e in entries)


# Adding and checking


def test_adding_a_stripe_gateway_verifies_it_and_lists_it(fake_stripe, client_admin_a, account_a):
    stripe_account = fake_stripe.add_account()
    verified = GATEWAY_CHECKS.value(provider="stripe", result="verified")
    response = client_admin_a.post(ADD_STRIPE, stripe_form(stripe_account), follow=True)
    body = page_text(response)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Main Stripe added: Verified by Stripe." in body
    assert GATEWAY_CHECKS.value(provider="stripe", result="verified") == verified + 1
    gateway = Gateway.objects.get(account=account_a)
    assert (gateway.type, gateway.mode, gateway.status) == ("stripe", "test", "verified")
    assert gateway.currencies == ["EUR", "USD"]
    assert gateway.checked_at is not None
    row = re.search(r"<tr>.*?Main Stripe.*?</tr>", body, re.S).group(0)
    for text in ("Stripe", "Test", "••••" + stripe_account.publishable_key[-4:], "EUR, USD"):
        assert text in row
    assert "Verified" in row
    assert stripe_account.secret_key not in body
    assert stripe_account.publishable_key not in body  # the list masks it to the last 4
    assert [r.path for r in fake_stripe.requests] == ["/v1/balance"]
    events = list(
        AuditEntry.objects.filter(account=account_a).values_list("event", flat=True).reverse()
    )
    assert events[-2:] == ["gateway.created", "gateway.checked"]


def test_adding_a_paypal_gateway_verifies_it(fake_paypal, client_admin_a, account_a):
    client_id, secret = fake_paypal.add_app()
    response = client_admin_a.post(ADD_PAYPAL, paypal_form(client_id, secret), follow=True)
    assert "PayPal added: Verified by PayPal." in page_text(response)
    gateway = Gateway.objects.get(account=account_a)
    assert (gateway.type, gateway.mode, gateway.status) == ("paypal", "sandbox", "verified")
    assert gateway.receiver_email == "billing@alpha.test"
    assert secret not in page_text(response)


def test_wrong_credentials_are_saved_as_failed_with_the_gateways_message(
    fake_stripe, client_admin_a, account_a
):
    stripe_account = fake_stripe.add_account()
    wrong = "sk_test_" + "n" * 20 + "NOPE"
    response = client_admin_a.post(
        ADD_STRIPE, stripe_form(stripe_account, secret_key=wrong), follow=True
    )
    body = page_text(response)
    expected = "Invalid API Key provided: sk_test_" + "*" * 20 + "NOPE"
    assert f"Main Stripe added, but the check failed: {expected}" in body
    row = re.search(r"<tr>.*?Main Stripe.*?</tr>", body, re.S).group(0)
    assert "Failed" in row and expected in row
    assert wrong not in body
    gateway = Gateway.objects.get(account=account_a)
    assert (gateway.status, gateway.status_reason) == ("failed", expected)


def test_paypal_sandbox_credentials_in_live_mode_fail(
    fake_paypal, fake_paypal_live, client_admin_a, account_a
):
    client_id, secret = fake_paypal.add_app()
    client_admin_a.post(ADD_PAYPAL, paypal_form(client_id, secret, mode="live"))
    gateway = Gateway.objects.get(account=account_a)
    assert gateway.status == "failed"
    assert gateway.status_reason == "Client Authentication failed (invalid_client)"


def test_a_gateway_that_does_not_answer_fails_with_the_timeout_message(
    fake_stripe, short_timeout, client_admin_a, account_a
):
    stripe_account = fake_stripe.add_account()
    fake_stripe.silent = True
    started = time.monotonic()
    response = client_admin_a.post(ADD_STRIPE, stripe_form(stripe_account), follow=True)
    assert time.monotonic() - started < 4
    assert "the check failed: The gateway did not answer in 1 second." in page_text(response)
    assert Gateway.objects.get(account=account_a).status == "failed"


def test_a_stripe_balance_of_another_shape_keeps_good_keys_verified(
    fake_stripe, client_admin_a, account_a
):
    """Reproduction: ``available`` as an object made good keys Failed with the SDK's words."""
    stripe_account = fake_stripe.add_account()
    stripe_account.balance_changes = {"available": {"usd": 0}}
    response = client_admin_a.post(ADD_STRIPE, stripe_form(stripe_account), follow=True)
    assert "Main Stripe added: Verified by Stripe." in page_text(response)
    gateway = Gateway.objects.get(account=account_a)
    assert (gateway.status, gateway.status_reason) == (
        "verified",
        "Stripe accepted the secret key (test mode).",
    )


def test_an_answer_the_panel_does_not_understand_is_said_plainly_and_logged(
    fake_paypal, client_admin_a, account_a, caplog
):
    client_id, secret = fake_paypal.add_app()
    fake_paypal.token_body = b"<html><body>Service temporarily unavailable</body></html>"
    response = client_admin_a.post(ADD_PAYPAL, paypal_form(client_id, secret), follow=True)
    body = page_text(response)
    plain = "The gateway answered in a way the panel did not understand."
    assert f"PayPal added, but the check failed: {plain}" in body
    assert "JSONDecodeError" not in body and "Expecting value" not in body
    gateway = Gateway.objects.get(account=account_a)
    assert (gateway.status, gateway.status_reason) == ("failed", plain)
    (record,) = [r for r in caplog.records if r.name == "payment_gateways.services"]
    assert "PayPal check failed unexpectedly" in record.getMessage()
    assert "JSONDecodeError" in record.getMessage()
    assert secret not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_gateway_is_called(fake_stripe, admin_a):
    stripe_account = fake_stripe.add_account()
    request_connection = connections["default"]  # the test client runs views in this thread
    seen = []
    fake_stripe.on_request = lambda handler: seen.append(request_connection.in_atomic_block)
    client = signed_in_client(admin_a)
    client.post(ADD_STRIPE, stripe_form(stripe_account))
    gateway = Gateway.objects.get(account=admin_a.account)
    client.post(reverse("payment_gateways:refresh"), {"selected": [gateway.pk]})
    assert seen == [False, False]
    assert Gateway.objects.get(pk=gateway.pk).status == "verified"


# Bad input: a clear message next to the field, nothing saved, no call to the gateway


STRIPE_BAD_INPUT = [
    ({"public_key": ""}, "public_key", "This field is required."),
    ({"secret_key": ""}, "secret_key", "This field is required."),
    (
        {"public_key": "pk_live_" + "l" * 24},
        "public_key",
        "is not a test key, but the mode is Test",
    ),
    (
        {"secret_key": "sk_live_" + "l" * 24},
        "secret_key",
        "is not a test key, but the mode is Test",
    ),
    ({"public_key": "sk_test_" + "p" * 24}, "public_key", "That is a secret, not the publishable"),
    ({"secret_key": "pk_test_" + "p" * 24}, "secret_key", "That is the publishable key"),
    ({"secret_key": "sk_test_abc def" + "x" * 20}, "secret_key", "contains spaces or line breaks"),
    ({"webhook_secret": "hook_" + "w" * 20}, "webhook_secret", "starts with whsec_"),
    ({"currencies": ["USD", "XYZ"]}, "currencies", "XYZ is not an ISO 4217 currency code."),
    ({"currencies": None}, "currencies", "Choose at least one currency."),
    ({"mode": "sandbox"}, "mode", "Select a valid choice."),
    ({"name": "   "}, "name", "This field is required."),
]


@pytest.mark.parametrize(("changes", "field", "message"), STRIPE_BAD_INPUT)
def test_bad_stripe_input_is_refused_next_to_the_field(
    fake_stripe, client_admin_a, account_a, changes, field, message
):
    stripe_account = fake_stripe.add_account()
    data = stripe_form(stripe_account, **changes)
    response = client_admin_a.post(ADD_STRIPE, data)
    assert response.status_code == 200
    body = page_text(response)
    errors = re.search(
        rf'<ul class="form-row__errors" id="id_{field}_errors">(.*?)</ul>', body, re.S
    )
    assert errors and message in errors.group(1), body
    assert f'aria-describedby="id_{field}_errors' in body
    assert not Gateway.objects.filter(account=account_a).exists()
    assert fake_stripe.requests == []
    for secret in (stripe_account.secret_key, WHSEC, data.get("secret_key")):
        assert not secret or secret not in body


def test_a_secret_pasted_into_the_publishable_field_is_not_shown_back(fake_stripe, client_admin_a):
    secret = "sk_test_" + "v" * 24
    response = client_admin_a.post(
        ADD_STRIPE, stripe_form(fake_stripe.add_account(), public_key=secret)
    )
    assert "That is a secret" in page_text(response)
    assert secret not in page_text(response)


def test_bad_paypal_input_is_refused(fake_paypal, client_admin_a, account_a):
    cases = [
        ({"public_key": ""}, "public_key", "This field is required."),
        ({"secret_key": ""}, "secret_key", "This field is required."),
        ({"receiver_email": "not-an-email"}, "receiver_email", "Enter a valid email address."),
        ({"webhook_id": "8PT-5971"}, "webhook_id", "only letters and digits"),
        ({"mode": "test"}, "mode", "Select a valid choice."),
    ]
    for changes, field, message in cases:
        response = client_admin_a.post(ADD_PAYPAL, paypal_form("A" * 40, "E" * 40, **changes))
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors[field]), changes
        assert "E" * 40 not in page_text(response)
    assert not Gateway.objects.filter(account=account_a).exists()
    assert fake_paypal.requests == []


def test_a_duplicate_name_is_refused_whatever_its_case(world, fake_stripe, client_admin_a):
    response = client_admin_a.post(
        ADD_STRIPE, stripe_form(fake_stripe.add_account(), name="STRIPE OF A")
    )
    assert "You already have a gateway with this name." in response.context["form"].errors["name"]
    assert Gateway.objects.filter(account=world["a"]).count() == 2
    # Another account's name is no clash.
    response = client_admin_a.post(
        ADD_STRIPE, stripe_form(fake_stripe.add_account(), name="Stripe of b")
    )
    assert response.status_code == 302


def test_keys_pasted_with_whitespace_and_newlines_are_trimmed(
    fake_stripe, client_admin_a, account_a
):
    stripe_account = fake_stripe.add_account()
    data = stripe_form(
        stripe_account,
        public_key=f"  {stripe_account.publishable_key}\n",
        secret_key=f"\n\t{stripe_account.secret_key}  \r\n",
    )
    client_admin_a.post(ADD_STRIPE, data)
    gateway = Gateway.objects.get(account=account_a)
    assert gateway.public_key == stripe_account.publishable_key
    assert gateway.secret_key == stripe_account.secret_key
    assert gateway.status == "verified"  # the fake knows only the exact key


def test_a_forged_type_is_not_found_and_the_type_cannot_change(world, client_admin_a):
    before = Gateway.objects.count()
    assert (
        client_admin_a.post(reverse("payment_gateways:add", args=["bitcoin"]), {}).status_code
        == 404
    )
    assert (
        client_admin_a.get(reverse("payment_gateways:add", args=["paypal-ipn"])).status_code == 404
    )
    assert Gateway.objects.count() == before
    gateway = world["gateway_a"]
    client_admin_a.post(
        edit_url(gateway),
        {
            "name": "Renamed",
            "type": "paypal",
            "mode": "test",
            "public_key": gateway.public_key,
            "currencies": ["USD"],
        },
    )
    gateway.refresh_from_db()
    assert (gateway.name, gateway.type) == ("Renamed", "stripe")


# Secrets


def test_secrets_are_not_in_the_list_or_the_edit_page(world, client_admin_a):
    gateway, paypal = world["gateway_a"], world["paypal_a"]
    pages = [
        client_admin_a.get(LIST),
        client_admin_a.get(edit_url(gateway)),
        client_admin_a.get(edit_url(paypal)),
        client_admin_a.get(edit_url(gateway), HTTP_X_DIALOG="1"),
    ]
    for response in pages:
        assert response.status_code == 200
        body = page_text(response)
        for secret in (gateway.secret_key, gateway.webhook_secret, paypal.secret_key):
            assert secret not in body
    edit = page_text(pages[1])
    assert f"Stored: ••••{gateway.secret_key[-4:]}. Leave blank to keep it." in edit
    assert f"Stored: ••••{gateway.webhook_secret[-4:]}. Leave blank to keep it." in edit
    assert re.search(r'<input type="password" name="secret_key"[^>]*>', edit)
    assert 'name="secret_key" value' not in edit


def test_the_database_column_holds_no_secret(world):
    gateway = world["gateway_a"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_key, webhook_secret FROM payment_gateways_gateway WHERE id = %s",
            [gateway.pk],
        )
        raw_secret, raw_hook = cursor.fetchone()
    assert raw_secret.startswith("fernet:") and raw_hook.startswith("fernet:")
    assert gateway.secret_key not in raw_secret and gateway.webhook_secret not in raw_hook
    assert gateway.secret_key[-4:] not in raw_secret.split(":")[1]


def test_audit_entries_hold_no_secret(fake_stripe, client_admin_a, account_a):
    stripe_account = fake_stripe.add_account()
    client_admin_a.post(ADD_STRIPE, stripe_form(stripe_account))
    gateway = Gateway.objects.get(account=account_a)
    new_secret = "sk_test_" + "k" * 24
    client_admin_a.post(
        edit_url(gateway), stripe_form(stripe_account, secret_key=new_secret, webhook_secret="")
    )
    client_admin_a.post(reverse("payment_gateways:delete"), {"selected": [gateway.pk]})
    text = gateway_audit_text(account_a)
    events = AuditEntry.objects.filter(account=account_a, event__startswith="gateway.")
    assert {e.event for e in events} == {
        "gateway.created",
        "gateway.checked",
        "gateway.updated",
        "gateway.deleted",
    }
    for secret in (stripe_account.secret_key, new_secret, WHSEC, stripe_account.publishable_key):
        assert secret not in text
    updated = events.get(event="gateway.updated")
    assert updated.changes == {"secret_key": ["********", "********"]}


def test_edit_with_blank_secrets_keeps_them(world, fake_stripe, client_admin_a):
    gateway = world["gateway_a"]
    stripe_account = fake_stripe.add_account(
        publishable_key=gateway.public_key, secret_key=gateway.secret_key
    )
    response = client_admin_a.post(
        edit_url(gateway),
        stripe_form(stripe_account, name="Renamed", secret_key="", webhook_secret=""),
    )
    assert response.status_code == 302
    gateway.refresh_from_db()
    assert gateway.name == "Renamed"
    assert gateway.secret_key == stripe_account.secret_key
    assert gateway.webhook_secret == world["gateway_a"].webhook_secret
    assert gateway.status == "verified"  # checked with the kept secret


def test_changing_the_mode_needs_a_secret_of_that_mode(world, client_admin_a):
    gateway = world["gateway_a"]
    data = {
        "name": gateway.name,
        "mode": "live",
        "public_key": "pk_live_" + "x" * 24,
        "currencies": ["USD"],
    }
    response = client_admin_a.post(edit_url(gateway), data)
    assert (
        "The stored secret key is not a live key, but the mode is Live"
        in response.context["form"].errors["secret_key"][0]
    )
    gateway.refresh_from_db()
    assert gateway.mode == "test"


# Toolbar: refresh and delete the selected gateways


def test_refresh_checks_the_selected_gateways(world, fake_stripe, fake_paypal, client_admin_a):
    stripe, paypal = world["gateway_a"], world["paypal_a"]
    fake_stripe.add_account(publishable_key=stripe.public_key, secret_key=stripe.secret_key)
    response = client_admin_a.post(
        reverse("payment_gateways:refresh"), {"selected": [stripe.pk, paypal.pk]}, follow=True
    )
    body = page_text(response)
    stripe.refresh_from_db()
    paypal.refresh_from_db()
    assert stripe.status == "verified"
    assert (paypal.status, paypal.status_reason) == (
        "failed",
        "Client Authentication failed (invalid_client)",
    )
    assert "Stripe of a checked: Verified by Stripe." in body
    assert "PayPal of a checked, but the check failed: Client Authentication failed" in body


def test_refresh_checks_in_parallel(world, fake_stripe, short_timeout, client_admin_a):
    fake_stripe.silent = True
    for n in range(3):
        create_gateway(
            actor=PLATFORM,
            account=world["a"],
            gateway_type="stripe",
            data={
                "name": f"Slow {n}",
                "mode": "test",
                "currencies": ["USD"],
                "public_key": "pk_test_" + "s" * 20,
                "secret_key": f"sk_test_{n}" + "s" * 20,
            },
        )
    ids = list(
        Gateway.objects.for_account(world["a"]).filter(type="stripe").values_list("pk", flat=True)
    )
    assert len(ids) == 4
    started = time.monotonic()
    client_admin_a.post(reverse("payment_gateways:refresh"), {"selected": ids})
    assert time.monotonic() - started < 3.5  # one after the other would take 4 seconds
    assert set(Gateway.objects.filter(pk__in=ids).values_list("status_reason", flat=True)) == {
        "The gateway did not answer in 1 second."
    }


def test_refresh_without_a_selection_says_so(client_admin_a):
    response = client_admin_a.post(reverse("payment_gateways:refresh"), follow=True)
    assert "Select the gateways to check." in page_text(response)


def test_delete_selected(world, client_admin_a):
    response = client_admin_a.post(
        reverse("payment_gateways:delete"), {"selected": [world["gateway_a"].pk]}, follow=True
    )
    assert f"Deleted 1 gateway: {world['gateway_a'].name}." in page_text(response)
    assert list(Gateway.objects.for_account(world["a"]).values_list("name", flat=True)) == [
        "PayPal of a"
    ]


def test_another_accounts_gateways_cannot_be_checked_or_deleted(world, fake_stripe, client_admin_a):
    theirs = [world["gateway_b"].pk, world["paypal_b"].pk]
    before = list(Gateway.objects.filter(account=world["b"]).values())
    client_admin_a.post(reverse("payment_gateways:refresh"), {"selected": theirs})
    client_admin_a.post(reverse("payment_gateways:delete"), {"selected": theirs})
    assert list(Gateway.objects.filter(account=world["b"]).values()) == before
    assert fake_stripe.requests == []
    assert (
        not AuditEntry.objects.filter(account=world["b"], event__startswith="gateway.")
        .exclude(event="gateway.created")
        .exists()
    )


# Permissions, the list, the webhook URL, the demo


def test_read_only_users_see_the_list_but_change_nothing(world, admin_a):
    admin_a.read_only = True
    admin_a.save()
    client = signed_in_client(admin_a)
    body = page_text(client.get(LIST))
    assert "Stripe of a" in body
    assert ADD_STRIPE not in body and 'name="selected"' not in body
    assert client.post(ADD_STRIPE, {}).status_code == 403
    assert (
        client.post(
            reverse("payment_gateways:delete"), {"selected": [world["gateway_a"].pk]}
        ).status_code
        == 403
    )
    assert Gateway.objects.filter(pk=world["gateway_a"].pk).exists()


def test_the_list_shows_the_add_menu_and_sorts(world, client_admin_a):
    body = page_text(client_admin_a.get(LIST))
    assert f'href="{ADD_PAYPAL}" data-dialog>PayPal</a>' in body
    assert f'href="{ADD_STRIPE}" data-dialog>Stripe</a>' in body
    names = re.findall(
        r"data-dialog>(\w+ of a)</a>", page_text(client_admin_a.get(LIST + "?sort=-name"))
    )
    assert names == ["Stripe of a", "PayPal of a"]
    names = re.findall(
        r"data-dialog>(\w+ of a)</a>", page_text(client_admin_a.get(LIST + "?sort=bogus"))
    )
    assert names == ["PayPal of a", "Stripe of a"]


def test_list_queries_do_not_grow_with_rows(account_a, client_admin_a):
    def add_rows(n):
        for i in range(Gateway.objects.for_account(account_a).count(), n):
            create_gateway(
                actor=PLATFORM,
                account=account_a,
                gateway_type="paypal",
                data={
                    "name": f"Gateway {i:03}",
                    "mode": "sandbox",
                    "currencies": ["USD", "EUR"],
                    "public_key": f"AZclient{i:03}" + "c" * 20,
                    "secret_key": "E" + "s" * 30,
                },
            )

    def render():
        response = client_admin_a.get(LIST)
        assert response.status_code == 200
        return response

    assert_constant_queries(render, add_rows, few=1, many=25)


def test_each_gateway_shows_its_webhook_url(world, client_admin_a):
    gateway = world["gateway_a"]
    body = page_text(client_admin_a.get(edit_url(gateway)))
    url = f"http://testserver/webhooks/stripe/{gateway.uuid}/"
    assert f'value="{url}"' in body
    assert 'data-copy="webhook-url"' in body
    match = RoutePattern(WEBHOOK_ROUTE).match(url.removeprefix("http://testserver/"))
    assert match[2] == {"gateway_type": "stripe", "gateway_uuid": gateway.uuid}


def test_demo_adds_one_paypal_and_one_stripe_gateway_per_account_unchecked(db):
    for _ in range(2):
        call_command("demo", stdout=io.StringIO())
    for account in Account.objects.all():
        gateways = Gateway.objects.for_account(account)
        assert sorted(gateways.values_list("type", "status")) == [
            ("paypal", "not_checked"),
            ("stripe", "not_checked"),
        ]
