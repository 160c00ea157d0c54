"""What the portal app adds to the panel: the Customers link (still to be built) and the
customer modules; the portal itself has its own URLconf (portal/urls.py), served on portal
hosts by the tenant middleware."""

from accounts.registry import PUBLIC, SETUP, AppPanel, Module, Section

panel = AppPanel(
    modules=(Module("customer", "Customer", order=10), Module("cdr", "Cdr", order=40)),
    sections=(
        Section(
            "customers",
            "Customers",
            "customers/",
            "customer",
            "Your customers, their portal contacts and their calls.",
            menu=SETUP,
            order=20,
        ),
    ),
    hooks={"template_customer_choices": "portal.services.customer_choices"},
    # The portal's own URLconf (portal/urls.py), served on portal hosts.
    permissions={
        "portal:home": PUBLIC,
        "portal:login": PUBLIC,
        "portal:stylesheet": PUBLIC,
        "portal:logo": PUBLIC,
    },
)
