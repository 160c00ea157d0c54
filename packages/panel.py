"""What the packages app adds to the panel: the Usage tab (metered lookups and their charges)
and the Packages tab (the platform's lookup services, enabled or disabled per account)."""

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

USAGE = Section(
    "usage",
    "Usage",
    "account/usage/",
    "usage",
    "Lookup-service usage and charges, today and month to date.",
    menu=MY_ACCOUNT,
    order=60,
    url_name="usage:overview",
    help="usage",
)
PACKAGES = Section(
    "packages",
    "Packages",
    "account/packages/",
    "packages",
    "Lookup services the platform offers; enable the ones you use.",
    menu=MY_ACCOUNT,
    order=70,
    url_name="packages:list",
    help="packages",
)

panel = AppPanel(
    modules=(Module("usage", "Usage", order=140), Module("packages", "Packages", order=150)),
    sections=(USAGE, PACKAGES),
    events=(
        AuditEvent("package.enabled", "Packages", "Lookup package enabled"),
        AuditEvent("package.disabled", "Packages", "Lookup package disabled"),
    ),
    help=(
        help_topic(
            "packages",
            "Packages: lookup services",
            """
            The lookup services the platform offers: ASR+, HLR per country, LRN, DNO, CNAM, IP
            and spam-reputation lookups. Each matches numbers by its destination pattern (^44:
            numbers starting 44) and costs its retail price per lookup.

            Enable a package to use it and be charged for it; disable it to stop. The change
            takes effect at once and is recorded in the Audit Log. Prices are in the platform's
            currency; an account in another currency is charged at the platform's exchange rate
            at the time of each lookup.
            """,
        ),
        help_topic(
            "usage",
            "Usage: lookups and charges",
            """
            Per package you have enabled (or used this month): the lookups and charges of today
            and of the month so far, in your time zone and your account's currency. Each lookup
            is charged the price of the moment it was made.

            The chart shows the lookups of each day, a colour per package; hover a bar for its
            value, or read the table below it. Choose another period (up to a year) with From
            and To, and export the daily rows as CSV.
            """,
        ),
    ),
    urls=(
        Mount(USAGE.path, "packages.urls_usage"),
        Mount(PACKAGES.path, "packages.urls_packages"),
    ),
    api_routers={"usage": "packages.api:usage_router"},
    permissions={
        "usage:overview": view("usage"),
        "usage:export": view("usage"),
        "packages:list": view("packages"),
        "packages:enable": write("packages"),
        "packages:disable": write("packages"),
    },
)
