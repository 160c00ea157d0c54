"""What the portal app adds to the panel: the Customers section (customers, their portal
contacts, approval and suspension) and the CDR section (the account's calls), with the Customer
and Cdr modules. The portal itself has its own URLconf (portal/urls.py), served on portal hosts
by the tenant middleware."""

from accounts.registry import (
    PUBLIC,
    SETUP,
    AppPanel,
    AuditEvent,
    Module,
    Mount,
    Section,
    help_topic,
    view,
    write,
)

CUSTOMERS = Section(
    "customers",
    "Customers",
    "customers/",
    "customer",
    "Your customers, their portal contacts and their calls.",
    menu=SETUP,
    order=20,
    url_name="customers:list",
    help="customers",
)
RATE_CARDS = Section(
    "rate_cards",
    "Rate Cards",
    "rate-cards/",
    "customer",
    "Your price lists: per destination prefix, a rate per minute from an effective date.",
    menu=SETUP,
    order=22,
    url_name="ratecards:list",
    help="rate-cards",
)
CDR = Section(
    "cdr",
    "CDR",
    "cdr/",
    "cdr",
    "Every call of your customers: date, numbers, duration, rate and cost.",
    menu=SETUP,
    order=25,
    url_name="cdr:list",
    help="cdr",
)

panel = AppPanel(
    modules=(Module("customer", "Customer", order=10), Module("cdr", "Cdr", order=40)),
    sections=(CUSTOMERS, RATE_CARDS, CDR),
    events=(
        AuditEvent("customer.created", "Customers", "Customer added"),
        AuditEvent("customer.updated", "Customers", "Customer changed"),
        AuditEvent("customer.approved", "Customers", "Customer signup approved"),
        AuditEvent("customer.suspended", "Customers", "Customer suspended"),
        AuditEvent("customer.reactivated", "Customers", "Customer reactivated"),
        AuditEvent("contact.created", "Customers", "Portal contact added"),
        AuditEvent("contact.updated", "Customers", "Portal contact changed"),
        AuditEvent("contact.deleted", "Customers", "Portal contact deleted"),
        AuditEvent("contact.invited", "Customers", "Portal invitation sent"),
        AuditEvent(
            "contact.invitation_accepted", "Customers", "Portal invitation accepted, password set"
        ),
        AuditEvent("ratecard.created", "Rate Cards", "Rate card added"),
        AuditEvent("ratecard.updated", "Rate Cards", "Rate card changed"),
        AuditEvent("ratecard.deleted", "Rate Cards", "Rate card deleted"),
        AuditEvent("rate.created", "Rate Cards", "Rate added"),
        AuditEvent("rate.updated", "Rate Cards", "Rate changed"),
        AuditEvent("rate.deleted", "Rate Cards", "Rates deleted"),
        AuditEvent("rate.imported", "Rate Cards", "Rates imported from CSV"),
        AuditEvent("portal.login_succeeded", "Portal", "Contact signed in to the portal"),
        AuditEvent("portal.login_failed", "Portal", "Failed portal sign-in"),
        AuditEvent("portal.login_locked", "Portal", "Portal sign-in refused: too many failures"),
        AuditEvent(
            "portal.login_refused",
            "Portal",
            "Portal sign-in refused: customer suspended, pending or without portal access",
        ),
        AuditEvent("portal.code_failed", "Portal", "Portal sign-in refused: wrong code"),
        AuditEvent("portal.code_locked", "Portal", "Portal sign-in refused: too many wrong codes"),
        AuditEvent("portal.logout", "Portal", "Contact signed out of the portal"),
        AuditEvent("portal.password_reset_requested", "Portal", "Portal password reset requested"),
        AuditEvent("portal.password_reset_completed", "Portal", "Portal password reset completed"),
        AuditEvent("customer.signed_up", "Portal", "Customer signed up on the portal"),
        AuditEvent(
            "portal.signup_existing_email",
            "Portal",
            "Portal signup with an address that already has a login (the contact was mailed)",
        ),
        AuditEvent("portal.signup_throttled", "Portal", "Portal signup refused: too many"),
        AuditEvent("portal.profile_updated", "Portal", "Contact changed their profile"),
        AuditEvent("portal.password_changed", "Portal", "Contact changed their password"),
        AuditEvent("portal.two_factor_enabled", "Portal", "Contact turned on two-factor sign-in"),
        AuditEvent("portal.two_factor_disabled", "Portal", "Contact turned off two-factor sign-in"),
        AuditEvent(
            "portal.password_reset_throttled",
            "Portal",
            "Portal password reset refused: too many requests",
        ),
    ),
    help=(
        help_topic(
            "customers",
            "Customers",
            """
            Your customers: each has a currency (its balance, rates and calls are in it), a
            debit limit (how far the balance may go below zero), a status and portal access.
            The balance changes with its payments and calls, never by hand: where the portal
            domain turns the Payments area on, the customer's contacts pay on your portal with
            your Verified payment gateways (API tab), and the customer's page lists its latest
            payments; the Payments tab lists them too, as "Balance top-up for" the customer.

            Contacts are a customer's logins to your white-label portal. Give a contact a
            password, or send an invitation: the mail holds a link on your Verified portal
            domain where the contact chooses their own password (the link works once).

            A customer who signed up on your portal waits in Pending approval until you press
            Approve. It starts with the portal domain's New customer debit limit and its
            Template customer's currency, rate card, hidden areas and portal access. Suspend
            stops its contacts signing in; Reactivate lets them in again.
            Under "Hide from this customer" you take portal areas away from one customer even
            where the portal domain turns them on.
            """,
        ),
        help_topic(
            "rate-cards",
            "Rate Cards",
            """
            A rate card is a price list in one currency: per destination prefix (digits, e.g.
            447 for UK mobiles), a rate per minute from an effective date. A call is priced by
            the longest prefix of the dialled number that has a rate in effect on the day, and
            of that prefix by its newest rate. Give a customer a rate card in the customer's
            dialog; the card's currency must be the customer's.

            Import CSV adds many rates at once: a header line prefix,destination,rate,
            effective_from (a date as YYYY-MM-DD), then one rate per line. A line with the
            prefix and effective date of an existing rate replaces that rate. When any line is
            wrong nothing is imported, and every wrong line is listed with its line number.
            Export CSV downloads the card's rates in the same columns, ready to import again.

            A rate card that customers use cannot be deleted: give them another card first.
            """,
        ),
        help_topic(
            "cdr",
            "CDR",
            """
            Every call of your customers, newest first: start time, caller and callee, the
            destination, the duration, the rate per minute and the cost in the customer's
            currency, the carrier, the disposition with its SIP code, and whether DTMF was sent.

            Choose dates (at most a year at a time; the last 30 days unless you choose) and a
            customer. Export CSV downloads exactly the calls the filters select.
            """,
        ),
    ),
    urls=(
        Mount(CUSTOMERS.path, "portal.urls_customers"),
        Mount(CDR.path, "portal.urls_cdr"),
        Mount(RATE_CARDS.path, "portal.urls_rates"),
    ),
    api_routers={"customers": "portal.api:customers_router", "cdr": "portal.api:cdr_router"},
    hooks={"template_customer_choices": "portal.services.customer_choices"},
    permissions={
        "customers:list": view("customer"),
        "customers:add": write("customer"),
        "customers:detail": view("customer"),
        "customers:edit": write("customer"),
        "customers:status": write("customer"),
        "customers:contact_add": write("customer"),
        "customers:contact_edit": write("customer"),
        "customers:contact_delete": write("customer"),
        "ratecards:list": view("customer"),
        "ratecards:add": write("customer"),
        "ratecards:delete": write("customer"),
        "ratecards:detail": view("customer"),
        "ratecards:edit": write("customer"),
        "ratecards:rate_add": write("customer"),
        "ratecards:rate_edit": write("customer"),
        "ratecards:rate_delete": write("customer"),
        "ratecards:import": write("customer"),
        "ratecards:export": view("customer"),
        "cdr:list": view("cdr"),
        "cdr:export": view("cdr"),
        # The portal's own URLconf (portal/urls.py), served on portal hosts.
        "portal:home": PUBLIC,
        "portal:login": PUBLIC,
        "portal:stylesheet": PUBLIC,
        "portal:logo": PUBLIC,
        "portal:invitation": PUBLIC,
        # A contact's sign-in steps and sections: no staff user (portal/sessions.py signs the
        # contact in and checks the domain's access areas).
        "portal:login_code": PUBLIC,
        "portal:logout": PUBLIC,
        "portal:password_reset": PUBLIC,
        "portal:password_reset_confirm": PUBLIC,
        "portal:cdr": PUBLIC,
        "portal:cdr_export": PUBLIC,
        "portal:rates": PUBLIC,
        "portal:rates_export": PUBLIC,
        "portal:payments": PUBLIC,
        "portal:payment_new": PUBLIC,
        "portal:payment_detail": PUBLIC,
        "portal:payment_return": PUBLIC,
        "portal:payment_cancel": PUBLIC,
        # Signup (only while the domain has Customer signup on) and the contact's own Profile.
        "portal:signup": PUBLIC,
        "portal:profile": PUBLIC,
        "portal:profile_password": PUBLIC,
        "portal:profile_two_factor": PUBLIC,
        "portal:profile_two_factor_disable": PUBLIC,
    },
)
