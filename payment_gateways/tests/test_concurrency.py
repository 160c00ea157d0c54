"""Exactly once under concurrency: 20 threads deliver the same confirmation at the same moment,
each through its own database connection, and the balance is credited once.

PostgreSQL only: SQLite serialises every write behind one database lock, so threads there prove
nothing about row locks (and its in-memory test database is shared by one connection)."""

import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.actors import PLATFORM, Actor
from accounts.models import Account, AuditEntry
from accounts.services import create_account
from payment_gateways.models import BalanceEntry, Payment
from payment_gateways.payments import services
from payment_gateways.payments.channels import platform_channel

pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL: SQLite has one write lock, so concurrent confirmations are "
    "serialised before they reach the payment's row (run with DATABASE_URL=postgres://…)",
)
THREADS = 20


def _in_threads(work) -> list:
    barrier = threading.Barrier(THREADS)
    results, errors = [None] * THREADS, []

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture
def payment(transactional_db, platform_stripe):
    account = create_account(
        name="Concurrent Telecom",
        email="ops@concurrent.test",
        currency="USD",
        balance=Decimal("100.00"),
        time_zone="UTC",
    )
    started = services.start_payment(
        actor=PLATFORM,
        account=account,
        channel=platform_channel("stripe"),
        target_kind="account",
        amount=Decimal("25.00"),
        currency="USD",
        description=services.TOP_UP,
        urls=lambda payment: ("http://testserver/r/", "http://testserver/c/"),
    )
    return started.payment


def _balance(payment) -> Decimal:
    return Account.objects.get(pk=payment.account_id).balance


def test_twenty_concurrent_webhooks_credit_once(payment, platform_stripe):
    event = platform_stripe.pay(payment.checkout_id)
    body, headers = platform_stripe.signed(event, platform_stripe.webhook_secret)

    def deliver(_):
        response = Client(HTTP_HOST="testserver").post(
            "/webhooks/platform/stripe/",
            body,
            content_type="application/json",
            headers={"Stripe-Signature": headers["Stripe-Signature"]},
        )
        return response.status_code

    assert _in_threads(deliver) == [200] * THREADS
    assert _balance(payment) == Decimal("125.00")
    assert BalanceEntry.objects.for_account(payment.account).count() == 1
    completed = AuditEntry.objects.for_account(payment.account).filter(event="payment.completed")
    assert completed.count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED


def test_webhooks_and_returns_racing_credit_once(payment, platform_stripe):
    event = platform_stripe.pay(payment.checkout_id)
    body, headers = platform_stripe.signed(event, platform_stripe.webhook_secret)

    def confirm(index):
        if index % 2:
            return services.handle_webhook(platform_channel("stripe"), body=body, headers=headers)
        fresh = Payment.objects.for_account(payment.account).get(pk=payment.pk)
        services.confirm_return(actor=Actor(), payment=fresh, query={})
        return 200

    assert _in_threads(confirm) == [200] * THREADS
    assert _balance(payment) == Decimal("125.00")
    assert BalanceEntry.objects.for_account(payment.account).count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
