"""The portal's Payments: a contact pays the Account on the Account's own Verified gateways
(fake Stripe and fake PayPal, real HTTP, the real SDKs), back on the portal's own host; the
customer's balance is credited (never the account's) exactly once, whatever comes first and
however often; refusals are field errors with nothing written; a contact sees only their own
customer's payments; the Payments area gates it all."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.actors import PLATFORM, Actor
from accounts.errors import Refused
from accounts.models import Account, AuditEntry
from domains.models import PortalDomain
from domains.routing import forget_hosts
from payment_gateways.models import BalanceEntry, Gateway, Payment
from payment_gateways.payments import services as engine
from payment_gateways.tests.conftest import approve_on_paypal_page, pay_on_stripe_page
from payment_gateways.webhooks import webhook_path
from portal import services
from portal.models import Customer
from tests.fakes.paypal_api import FakePayPal
from tests.fakes.stripe_api import FakeStripe
from tests.fixtures import PASSWORD
from tests.querycount import assert_constant_queries

HOST = "portal.alpha.test"
NEW = "/payments/new/"


def on_portal(url: str) -> str:
    """The path and query of a URL on A's portal host (never the panel's, never another)."""
    parts = urlsplit(url)
    assert parts.netloc == HOST, url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _verify(*gateways):
    for gateway in gateways:
        Gateway.objects.for_account(gateway.account).filter(pk=gateway.pk).update(
            status=Gateway.Status.VERIFIED
        )
        gateway.status = Gateway.Status.VERIFIED


@pytest.fixture
def stripe_a(settings, world):
    """Account A's own Stripe gateway, Verified, registered at a fake Stripe."""
    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        gateway = world["gateway_a"]
        fake.add_account(secret_key=gateway.secret_key, publishable_key=gateway.public_key)
        _verify(gateway)
        yield fake


@pytest.fixture
def paypal_a(settings, world):
    """Account A's own PayPal gateway, Verified, at a fake PayPal (sandbox)."""
    with FakePayPal("sandbox") as fake:
        gateway = world["paypal_a"]
        fake.add_app(client_id=gateway.public_key, secret=gateway.secret_key)
        fake.merchants[gateway.public_key] = gateway.receiver_email
        settings.PAYPAL_SANDBOX_API_BASE = fake.url
        _verify(gateway)
        yield fake


def contact_client(email="carla@alpha-retail.test"):
    client = Client(HTTP_HOST=HOST)
    assert client.post("/login/", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def pay(client, amount="25", currency="USD", pay_via="stripe"):
    return client.post(NEW, {"amount": amount, "currency": currency, "pay_via": pay_via})


def customer_balance(world, side="a") -> Decimal:
    return Customer.objects.for_account(world[side]).get(pk=world[f"customer_{side}"].pk).balance


def account_balance(world, side="a") -> Decimal:
    return Account.objects.get(pk=world[side].pk).balance


def ledger(world):
    return BalanceEntry.objects.for_account(world["a"]).filter(target_kind="customer")


def stripe_webhook(client, gateway, fake, event):
    body, headers = fake.signed(event, gateway.webhook_secret)
    return client.post(
        webhook_path(gateway),
        body,
        content_type="application/json",
        headers={"Stripe-Signature": headers["Stripe-Signature"]},
    )


def paypal_webhook(client, gateway, fake, event):
    body, signed = fake.signed(event, gateway.webhook_id)
    signed.pop("Content-Type")
    return client.post(webhook_path(gateway), body, content_type="application/json", headers=signed)


def _text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def test_a_card_payment_on_stripe_credits_the_customer_once(
    world, stripe_a, anonymous_client, django_capture_on_commit_callbacks, mailoutbox
):
    client = contact_client()
    opening, account_opening = customer_balance(world), account_balance(world)
    response = pay(client)
    assert response.status_code == 302
    payment = Payment.objects.for_account(world["a"]).get(target_kind="customer", status="pending")
    assert response["Location"] == f"{stripe_a.url}/pay/{payment.checkout_id}"
    assert payment.target_id == str(world["customer_a"].pk)
    assert payment.channel == f"gateway:{world['gateway_a'].uuid}"
    session = stripe_a.sessions[payment.checkout_id]
    back_url = f"http://{HOST}/payments/{payment.pk}/return/"
    assert session["success_url"] == back_url + "?session_id={CHECKOUT_SESSION_ID}"
    assert session["cancel_url"] == f"http://{HOST}/payments/{payment.pk}/cancel/"

    back = pay_on_stripe_page(response["Location"])
    assert back.status_code == 303
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(on_portal(back.headers["Location"]), follow=True)
    body = _text(page)
    assert page.redirect_chain[-1][0] == f"/payments/{payment.pk}/"
    assert "Payment received: $25.00 USD was added to your balance." in body
    assert "Completed." in body
    assert customer_balance(world) == opening + 25
    assert account_balance(world) == account_opening  # the customer's, never the account's
    (entry,) = ledger(world)
    assert (entry.payment, entry.amount, entry.balance_after) == (payment, 25, opening + 25)
    assert entry.target_id == str(world["customer_a"].pk)
    assert not mailoutbox  # no Account receipt for a customer's payment

    # The same return again, and Stripe's webhook after it: nothing more is credited.
    client.get(on_portal(back.headers["Location"]))
    (event,) = stripe_a.events
    assert stripe_webhook(anonymous_client, world["gateway_a"], stripe_a, event).status_code == 200
    assert customer_balance(world) == opening + 25
    assert ledger(world).count() == 1
    completed = AuditEntry.objects.for_account(world["a"]).get(event="payment.completed")
    assert completed.target_label == f"Balance top-up for Alpha Retail Ltd {payment.reference}"
    assert completed.data["source"] == "return"


def test_the_webhook_first_credits_the_customer_and_the_return_adds_nothing(
    world, stripe_a, anonymous_client
):
    client = contact_client()
    opening = customer_balance(world)
    pay(client, amount="40.50")
    payment = Payment.objects.for_account(world["a"]).get(target_kind="customer", status="pending")
    event = stripe_a.pay(payment.checkout_id)
    for _ in range(3):
        response = stripe_webhook(anonymous_client, world["gateway_a"], stripe_a, event)
        assert response.status_code == 200
    assert customer_balance(world) == opening + Decimal("40.50")
    page = client.get(f"/payments/{payment.pk}/return/?session_id=forged", follow=True)
    assert "Completed." in _text(page) and "Payment received" not in _text(page)
    assert customer_balance(world) == opening + Decimal("40.50")
    assert ledger(world).count() == 1
    assert (
        AuditEntry.objects.for_account(world["a"]).get(event="payment.completed").data["source"]
        == "webhook"
    )


def test_a_paypal_payment_credits_the_customer_once_with_its_webhooks(
    world, paypal_a, anonymous_client
):
    client = contact_client()
    opening, account_opening = customer_balance(world), account_balance(world)
    response = pay(client, amount="50", pay_via="paypal")
    assert response.status_code == 302
    payment = Payment.objects.for_account(world["a"]).get(target_kind="customer", status="pending")
    assert payment.provider == "paypal" and payment.checkout_id.startswith("PAYID-")
    back = approve_on_paypal_page(response["Location"])
    assert back.startswith(f"http://{HOST}/payments/{payment.pk}/return/?paymentId=")
    page = client.get(on_portal(back), follow=True)
    assert "Payment received: $50.00 USD was added to your balance." in _text(page)
    (event,) = paypal_a.events
    for _ in range(3):
        response = paypal_webhook(anonymous_client, world["paypal_a"], paypal_a, event)
        assert response.status_code == 200
    assert customer_balance(world) == opening + 50
    assert account_balance(world) == account_opening
    assert ledger(world).count() == 1


def test_cancel_on_stripes_page_cancels_and_credits_nothing(world, stripe_a):
    client = contact_client()
    opening = customer_balance(world)
    pay(client)
    payment = Payment.objects.for_account(world["a"]).get(target_kind="customer", status="pending")
    cancel = stripe_a.sessions[payment.checkout_id]["cancel_url"]
    page = client.get(on_portal(cancel), follow=True)
    assert "Cancelled." in _text(page)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert customer_balance(world) == opening


def _domain_currencies(world, currencies):
    PortalDomain.objects.for_account(world["a"]).update(currencies=currencies)
    forget_hosts(HOST)


@pytest.mark.parametrize(
    ("data", "field", "message", "currencies"),
    [
        ({"currency": "EUR"}, "currency", "Choose one of the currencies listed.", ["USD"]),
        (
            {"currency": "EUR"},
            "currency",
            "Payments are made in your balance's currency, USD.",
            ["USD", "EUR"],
        ),
        ({"amount": "5"}, "amount", "Enter an amount from $10.00 USD to $10,000.00 USD.", None),
        ({"amount": "10000.01"}, "amount", "Enter an amount from $10.00 USD", None),
        ({"amount": "12.345"}, "amount", "USD amounts have at most 2 decimals.", None),
        ({"amount": "lots"}, "amount", "Enter an amount, e.g. 25 or 25.50.", None),
        ({"pay_via": "paypal"}, "pay_via", "That payment method is not offered.", None),
        ({"pay_via": "bitcoin"}, "pay_via", "That payment method is not offered.", None),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_written(
    world, stripe_a, data, field, message, currencies
):
    if currencies:
        _domain_currencies(world, currencies)
    client = contact_client()
    before = Payment.objects.for_account(world["a"]).count()
    response = pay(client, **data)
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert Payment.objects.for_account(world["a"]).count() == before
    assert not stripe_a.sessions
    assert not ledger(world).exists()


def test_the_engine_refuses_another_accounts_or_an_unverified_gateway(world, stripe_a):
    customer, domain = world["customer_a"], world["portal_domain_a"]
    _verify(world["gateway_b"])

    def start(gateway, **overrides):
        arguments = {"amount": Decimal("25"), "currency": "USD", **overrides}
        return engine.pay_customer_balance(
            actor=Actor(),
            customer=customer,
            domain=domain,
            gateway=gateway,
            urls=lambda payment: ("http://x/back", "http://x/cancel"),
            **arguments,
        )

    before = Payment.objects.for_account(world["a"]).count()
    for gateway, field in (
        (world["gateway_b"], "pay_via"),  # account B's, Verified
        (world["paypal_a"], "pay_via"),  # A's own, not Verified
        (None, "pay_via"),
    ):
        with pytest.raises(Refused) as refused:
            start(gateway)
        assert field in refused.value.errors
    with pytest.raises(Refused) as refused:
        start(world["gateway_a"], currency="EUR")
    assert "currency" in refused.value.errors
    with pytest.raises(Refused) as refused:
        start(world["gateway_a"], amount=Decimal("10000.01"))
    assert "amount" in refused.value.errors
    assert Payment.objects.for_account(world["a"]).count() == before
    assert not stripe_a.sessions


def test_without_a_verified_gateway_no_payment_can_be_made(world):
    client = contact_client()
    assert "Make payment" not in _text(client.get("/payments/"))
    assert "No payment method is available yet." in _text(client.get(NEW))
    before = Payment.objects.for_account(world["a"]).count()
    assert pay(client).status_code == 400
    assert Payment.objects.for_account(world["a"]).count() == before


@pytest.fixture
def neighbour(world):
    """Another customer of account A with a contact of its own."""
    customer = services.create_customer(
        actor=PLATFORM, account=world["a"], data={"name": "Neighbour Co", "currency": "USD"}
    )
    services.create_contact(
        actor=PLATFORM,
        customer=customer,
        data={"name": "Nina", "email": "nina@neighbour.test", "phone": ""},
        password=PASSWORD,
    )
    return customer


def test_a_contact_sees_only_their_own_customers_payments(world, neighbour):
    own = world["customer_payment_a"]
    carla = contact_client()
    assert own.reference in _text(carla.get("/payments/"))
    assert carla.get(f"/payments/{own.pk}/").status_code == 200
    nina = contact_client("nina@neighbour.test")
    assert own.reference not in _text(nina.get("/payments/"))
    other = world["customer_payment_b"]
    for client, payment in ((nina, own), (carla, other)):
        for suffix in ("", "return/", "cancel/"):
            assert client.get(f"/payments/{payment.pk}/{suffix}").status_code == 404


def _areas(world, areas, hidden=None):
    PortalDomain.objects.for_account(world["a"]).update(access_areas=areas)
    forget_hosts(HOST)
    if hidden is not None:
        Customer.objects.for_account(world["a"]).filter(pk=world["customer_a"].pk).update(
            hidden_areas=hidden
        )


@pytest.mark.parametrize(
    ("areas", "hidden"), [(["cdr", "balance"], None), (["cdr", "payments"], ["payments"])]
)
def test_the_payments_area_off_or_hidden_hides_the_link_and_404s(world, stripe_a, areas, hidden):
    _areas(world, areas, hidden)
    client = contact_client()
    assert 'href="/payments/"' not in _text(client.get("/"))
    pk = world["customer_payment_a"].pk
    for url in ("/payments/", NEW, f"/payments/{pk}/", f"/payments/{pk}/return/"):
        assert client.get(url).status_code == 404, url
    assert pay(client).status_code == 404
    assert not stripe_a.sessions


def test_the_payments_link_is_in_the_menu_when_the_area_is_on(world):
    assert 'href="/payments/"' in _text(contact_client().get("/"))


def test_portal_payments_query_count_does_not_grow(world):
    client = contact_client()
    customer = world["customer_a"]

    def render():
        response = client.get("/payments/")
        assert response.status_code == 200

    def add_rows(n):
        have = Payment.objects.for_account(world["a"]).filter(target_id=str(customer.pk)).count()
        Payment.objects.bulk_create(
            Payment(
                account=world["a"],
                target_kind="customer",
                target_id=str(customer.pk),
                provider="stripe",
                channel="gateway:test",
                amount=Decimal("10.00") + i,
                currency="USD",
                description="Balance top-up",
                status=Payment.Status.COMPLETED,
            )
            for i in range(have, n)
        )

    assert_constant_queries(render, add_rows, few=3, many=60)


def test_the_panel_customer_page_shows_its_payments_and_balance(world, stripe_a, client_admin_a):
    client = contact_client()
    pay(client, amount="30")
    payment = Payment.objects.for_account(world["a"]).get(target_kind="customer", status="pending")
    stripe_a.pay(payment.checkout_id)
    client.get(f"/payments/{payment.pk}/return/")
    page = _text(client_admin_a.get(f"/customers/{world['customer_a'].pk}/"))
    assert payment.reference in page and world["customer_payment_a"].reference in page
    assert f"{customer_balance(world):,.2f}" in page
    assert "Completed" in page
    # The Payments tab lists it by the customer's name; it has no platform receipt, and it does
    # not lock the account's currency (it credited the customer's balance, not the account's).
    from accounts.services import account_has_payments

    tab = _text(client_admin_a.get("/account/payments/"))
    assert "Balance top-up for Alpha Retail Ltd" in tab
    assert f"/account/payments/{payment.pk}/receipt/" not in tab
    assert client_admin_a.get(f"/account/payments/{payment.pk}/receipt/").status_code == 404
    detail = _text(client_admin_a.get(f"/account/payments/{payment.pk}/"))
    assert "$30.00 USD was added to the customer's balance" in detail
    assert not account_has_payments(world["a"])


def test_a_paypal_webhook_credits_the_customer_when_the_answer_to_the_return_was_lost(
    world, paypal_a, anonymous_client
):
    from payment_gateways.payments.channels import gateway_channel

    client = contact_client()
    opening = customer_balance(world)
    response = pay(client, amount="60", pay_via="paypal")
    payment = Payment.objects.for_account(world["a"]).get(target_kind="customer", status="pending")
    back = approve_on_paypal_page(response["Location"])
    query = dict(part.split("=") for part in back.split("?")[1].split("&"))
    gateway_channel(world["paypal_a"]).client().confirm_return(payment.checkout_id, query)
    (event,) = paypal_a.events
    assert paypal_webhook(anonymous_client, world["paypal_a"], paypal_a, event).status_code == 200
    assert customer_balance(world) == opening + 60
    page = client.get(on_portal(back), follow=True)
    assert "Completed." in _text(page) and "Payment received" not in _text(page)
    assert customer_balance(world) == opening + 60
    assert ledger(world).count() == 1
