"""What the domains app adds to the panel: the Domains tab (white-label portal domains), and the
host resolver the tenant middleware asks for every host that is not a panel host."""

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

DOMAINS = Section(
    "domains",
    "Domains",
    "account/domains/",
    "domains",
    "White-label portal domains for your customers, with DNS verification.",
    menu=MY_ACCOUNT,
    order=40,
    url_name="domains:list",
    help="domains",
)

panel = AppPanel(
    modules=(Module("domains", "Domains", order=120),),
    sections=(DOMAINS,),
    events=(
        AuditEvent("domain.created", "Domains", "Portal domain added"),
        AuditEvent("domain.updated", "Domains", "Portal domain changed"),
        AuditEvent("domain.deleted", "Domains", "Portal domain deleted"),
        AuditEvent("domain.checked", "Domains", "Portal domain DNS checked"),
    ),
    help=(
        help_topic(
            "domains",
            "Domains",
            """
            Serve the customer portal on your own domain: add it, create the two DNS records
            shown, then press Check. The CNAME points the domain at the platform (an A record does
            not work); the TXT record at _portal-challenge.<your domain> holds a token of your
            account's own and proves the domain is yours. The portal is served once a Check finds
            both.

            Another account may have added the same domain; whoever proves it with the TXT record
            first gets it, and the other claims show "Verified by another account" and are never
            served. Verified domains are re-checked regularly: a domain whose CNAME stops pointing
            at the platform goes back to Failed and its portal is no longer served until a Check
            finds it again. A missing TXT record is reported but does not stop a Verified portal.
            When DNS does not answer, the domain keeps its status and the history says Not
            checked.

            Refresh re-checks the domains you selected. Open takes you to the portal's sign-in
            page, branded with its brand name, logo, colour and footer.
            """,
        ),
    ),
    urls=(Mount(DOMAINS.path, "domains.urls"),),
    permissions={
        "domains:list": view("domains"),
        "domains:add": write("domains"),
        "domains:refresh": write("domains"),
        "domains:delete": write("domains"),
        "domains:detail": view("domains"),
        "domains:edit": write("domains"),
        "domains:check": write("domains"),
        "domains:logo": view("domains"),
    },
    api_routers={"domains": "domains.api:domains_router"},
    hooks={"portal_host_resolver": "domains.routing.resolve_portal_host"},
)
