"""What the payment-gateways app adds to the panel: the API tab (the account's own PayPal and
Stripe gateways), the Payments tab (the account tops up its balance through the platform's
gateways), the webhook endpoints of both, and the "has payments" answer for the Config tab."""

from accounts.registry import (
    MY_ACCOUNT,
    PUBLIC,
    AppPanel,
    AuditEvent,
    Module,
    Mount,
    Section,
    help_topic,
    view,
    write,
)

API = Section(
    "api",
    "API",
    "account/api/",
    "api",
    "Your PayPal and Stripe gateways, verified against the gateway.",
    menu=MY_ACCOUNT,
    order=30,
    url_name="payment_gateways:list",
    help="api",
)
PAYMENTS = Section(
    "payments",
    "Payments",
    "account/payments/",
    "payments",
    "Top up your balance and see every payment with its receipt.",
    menu=MY_ACCOUNT,
    order=50,
    url_name="payments:list",
    help="payments",
)

panel = AppPanel(
    modules=(Module("api", "API", order=110), Module("payments", "Payments", order=130)),
    sections=(API, PAYMENTS),
    events=(
        AuditEvent("gateway.created", "API", "Payment gateway added"),
        AuditEvent("gateway.updated", "API", "Payment gateway changed"),
        AuditEvent("gateway.deleted", "API", "Payment gateway deleted"),
        AuditEvent("gateway.checked", "API", "Payment gateway credentials checked"),
        AuditEvent("payment.started", "Payments", "Payment started"),
        AuditEvent("payment.completed", "Payments", "Payment completed; balance credited"),
        AuditEvent("payment.failed", "Payments", "Payment failed"),
        AuditEvent("payment.cancelled", "Payments", "Payment cancelled"),
        AuditEvent("payment.expired", "Payments", "Pending payment expired (not paid in time)"),
        AuditEvent(
            "payment.refused",
            "Payments",
            "Gateway confirmation refused: amount, currency or receiver differ; nothing credited",
        ),
        AuditEvent(
            "payment.late_confirmation",
            "Payments",
            "Gateway reports money for a closed payment; nothing credited (refund or credit it)",
        ),
        AuditEvent(
            "payment.webhook_refused",
            "Payments",
            "Webhook refused: unsigned, badly signed, stale or too large",
        ),
    ),
    help=(
        help_topic(
            "api",
            "API: payment gateways",
            """
            Add your PayPal or Stripe credentials so your customers can pay you in the portal.
            Keys are stored encrypted and never shown again; the panel checks them with the gateway
            and shows whether they work.
            """,
        ),
        help_topic(
            "payments",
            "Payments",
            """
            Top up your account balance: press Make Payment, choose PayPal or Credit card and an
            amount, and approve the payment on PayPal's or Stripe's page. You come back here and
            see the outcome; the balance in the top bar grows as soon as the gateway confirms.

            The balance is credited once, when the gateway confirms the payment. A payment that
            is still Pending waits for the gateway (press Check again); one that is not paid
            within a day is Cancelled. Cancelled and failed payments credit nothing.

            Each completed payment has a receipt you can print; it is also mailed to the
            account's email. Export CSV downloads the payments the filters show.
            """,
        ),
    ),
    urls=(
        Mount(API.path, "payment_gateways.urls"),
        Mount(PAYMENTS.path, "payment_gateways.payments.urls"),
        Mount("", "payment_gateways.payments.webhook_urls"),
    ),
    api_routers={
        "payments": "payment_gateways.api:payments_router",
        "gateways": "payment_gateways.api:gateways_router",
    },
    hooks={"account_has_payments": "payment_gateways.payments.queries.account_has_payments"},
    permissions={
        "payment_gateways:list": view("api"),
        "payment_gateways:add": write("api"),
        "payment_gateways:edit": view("api"),  # a read-only user sees the settings, saves nothing
        "payment_gateways:refresh": write("api"),
        "payment_gateways:delete": write("api"),
        "payments:list": view("payments"),
        "payments:new": write("payments"),
        "payments:export": view("payments"),
        "payments:detail": view("payments"),
        "payments:return": view("payments"),  # applies the gateway's own answer, nothing else
        "payments:cancel": write("payments"),
        "payments:receipt": view("payments"),
        # Gateways call these; each verifies the gateway's signature (payments/webhooks).
        "webhooks:platform": PUBLIC,
        "webhooks:gateway": PUBLIC,
    },
)
