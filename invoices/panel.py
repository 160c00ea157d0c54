"""What the invoices app adds to the panel: a customer's invoices under the Customers section
(module Customer: billing a customer is part of managing it, and whoever may change customers
may invoice them; a read-only user sees the invoices), the account's invoice list, and the
invoicing preferences on the Settings tab (Administrators, like the rest of that tab)."""

from accounts.registry import ADMIN, PUBLIC, AppPanel, AuditEvent, Mount, help_topic, view, write

panel = AppPanel(
    events=(
        AuditEvent("invoice.settings_updated", "Invoices", "Invoicing preferences changed"),
        AuditEvent("invoice.generated", "Invoices", "Invoice generated"),
        AuditEvent("invoice.draft_updated", "Invoices", "Draft invoice changed"),
        AuditEvent("invoice.issued", "Invoices", "Invoice issued"),
        AuditEvent("invoice.voided", "Invoices", "Invoice voided"),
        AuditEvent("invoice.payment_allocated", "Invoices", "Payment allocated to an invoice"),
        AuditEvent("invoice.paid", "Invoices", "Invoice paid"),
    ),
    help=(
        help_topic(
            "invoices",
            "Invoices",
            """
            An invoice bills one customer for its calls in a period (whole days in your
            account's time zone), in the customer's currency. Its lines sum the calls' costs
            per destination, per day, or as one line, as the Settings tab says; each line is
            rounded once to the cent (half up), the tax is the subtotal times the tax rate,
            rounded once, and the total is their sum.

            Generate makes a Draft. Issue gives it the next number (numbers have no gaps) and
            mails it with its PDF to the customer's contacts. An issued invoice never changes:
            to correct one, Void it with the reason and generate a new one. Every month the
            platform issues last month's invoice to every customer with calls, once.
            """,
        ),
    ),
    urls=(
        Mount("customers/", "invoices.urls"),
        Mount("account/settings/", "invoices.urls_settings"),
    ),
    hooks={
        "settings_tab_cards": "invoices.views.settings_card",
        "customer_payment_credited": "invoices.services.allocate_customer_payment",
        "customer_payment_outcome": "invoices.services.payment_outcome",
        "portal_url_patterns": "invoices.urls_portal.patterns",
    },
    permissions={
        "invoices:list": view("customer"),
        "invoices:customer": view("customer"),
        "invoices:generate": write("customer"),
        "invoices:detail": view("customer"),
        "invoices:issue": write("customer"),
        "invoices:void": write("customer"),
        "invoices:edit": write("customer"),
        "invoices:allocate": write("customer"),
        "invoices:pdf": view("customer"),
        "invoice_settings:edit": ADMIN,
        # The portal's Invoice area (invoices/urls_portal.py, in portal.urls): a contact's own
        # customer's invoices; no staff user (portal/sessions.py signs the contact in and checks
        # the domain's Invoice access area).
        "portal:invoices": PUBLIC,
        "portal:invoice_pdf": PUBLIC,
        "portal:invoice_pay": PUBLIC,
    },
)
