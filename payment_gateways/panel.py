"""What the payment-gateways app adds to the panel: the API tab (the account's own PayPal and
Stripe gateways) and the Payments tab (still to be built)."""

from accounts.registry import (
    MY_ACCOUNT,
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
)

panel = AppPanel(
    modules=(Module("api", "API", order=110), Module("payments", "Payments", order=130)),
    sections=(API, PAYMENTS),
    events=(
        AuditEvent("gateway.created", "API", "Payment gateway added"),
        AuditEvent("gateway.updated", "API", "Payment gateway changed"),
        AuditEvent("gateway.deleted", "API", "Payment gateway deleted"),
        AuditEvent("gateway.checked", "API", "Payment gateway credentials checked"),
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
    ),
    urls=(Mount(API.path, "payment_gateways.urls"),),
    permissions={
        "payment_gateways:list": view("api"),
        "payment_gateways:add": write("api"),
        "payment_gateways:edit": view("api"),  # a read-only user sees the settings, saves nothing
        "payment_gateways:refresh": write("api"),
        "payment_gateways:delete": write("api"),
    },
)
