"""What the core app adds to the panel: the Config tab (with SMTP Details), the Settings tab (the
account's security policy), the Audit Log, the platform's own modules, and the help that is about
the whole panel."""

from accounts.registry import (
    ADMIN,
    MY_ACCOUNT,
    PUBLIC,
    SETUP,
    SIGNED_IN,
    AppPanel,
    AuditEvent,
    Module,
    Mount,
    Section,
    help_topic,
    view,
    write,
)

CONFIG = Section(
    "config",
    "Config",
    "account/config/",
    "config",
    "Company information, address, general settings, contact details and security add-ons.",
    menu=MY_ACCOUNT,
    order=10,
    url_name="accounts:config",
    help="config",
)
SETTINGS = Section(
    "settings",
    "Settings",
    "account/settings/",
    None,
    "Security policy: required two-factor login or passkeys, session timeout, allowed IP ranges.",
    menu=MY_ACCOUNT,
    order=80,
    admin_only=True,
    url_name="accounts:settings",
    help="settings",
)
AUDIT_LOG = Section(
    "audit_log",
    "Audit Log",
    "audit/",
    "audit_log",
    "Every change, sign-in and check made in your account.",
    menu=SETUP,
    order=30,
    url_name="accounts:audit_log",
    help="audit-log",
)

panel = AppPanel(
    modules=(
        # Modules of the carrier platform (the seed's group screen) that have no section here.
        Module("carrier", "Carrier", order=20),
        Module("card", "Card", order=30),
        Module("log", "Log", order=50),
        Module("report", "Report", order=60),
        Module("data", "Data", order=70),
        Module("pcap", "Pcap", order=80),
        Module("config", "Config", order=90),
        Module("audit_log", "Audit Log", order=170),
    ),
    sections=(CONFIG, SETTINGS, AUDIT_LOG),
    events=(
        AuditEvent(
            "encryption.rotated", "Platform", "Encrypted fields re-encrypted under the newest key"
        ),
        AuditEvent("account.created", "Config", "Account created"),
        AuditEvent("account.profile_updated", "Config", "Account profile changed"),
        AuditEvent("user.security_updated", "Config", "Security & Add-ons changed"),
        AuditEvent("device.added", "Config", "Signed in from a new browser"),
        AuditEvent("device.revoked", "Config", "Known device revoked; its sessions ended"),
        AuditEvent("smtp.updated", "SMTP", "SMTP Details changed"),
        AuditEvent("smtp.test_email", "SMTP", "Test Email sent"),
        AuditEvent("sms.test_sent", "SMTP", "Test Mobile sent"),
        AuditEvent("mail.not_delivered", "SMTP", "Mail not delivered"),
        AuditEvent("account.security_policy_updated", "Settings", "Security policy changed"),
        AuditEvent("logout.idle", "Login", "Signed out: idle longer than the timeout"),
    ),
    help=(
        help_topic(
            "my-account",
            "My Account",
            """
            My Account is where you run your company's account: Config holds the company and
            general settings, Users the staff and their permission groups, API your payment
            gateways, Domains the white-label portal addresses, Payments your top-ups, Usage and
            Packages the lookup services, and Settings the security policy.

            You see only the sections your permissions allow. An Administrator may use every
            section; other users get modules through their groups.
            """,
        ),
        help_topic(
            "config",
            "Config",
            """
            The account profile: company name, registration and VAT IDs, address, currency, date
            format, time zone, billing method and contact numbers.

            Press the pencil to edit. The company name is yours to choose: other companies on the
            platform may use the same one. The date format and time zone apply to every date the
            panel and your customer portal show. The currency is fixed once the account has
            payments; the billing method may change once every 30 days.

            Security & Add-ons are your own: a mail at every sign-in, a mail when a browser not
            seen before signs in as you, and the browsers you have used. Revoking one ends its
            sessions at once.
            """,
        ),
        help_topic(
            "smtp",
            "SMTP Details",
            """
            The mail server your account's mail goes out through: sign-in alerts, invitations,
            password notices, receipts and portal mail. Leave Server empty and the platform's
            mail server sends it, under your company's name, with replies to your From address.

            Server is host or host:port. Security Auto follows the port: 465 is TLS from the
            start, 587 is STARTTLS, 25 and others use STARTTLS when the server offers it. The
            certificate is always checked. The password is stored encrypted and never shown
            again; leave it empty to keep it.

            Test Email sends a message to you through exactly these settings and says what went
            wrong if it fails. A mail that cannot be delivered later is tried again a few times
            and then recorded in the Audit Log with the reason.

            SMS From is the sender of your text messages: up to 11 letters and digits, or a
            number in international form. Test Mobile sends a text to the mobile number of your
            personal profile.
            """,
        ),
        help_topic(
            "settings",
            "Settings: security policy",
            """
            The rules every staff user of the account signs in under. Only Administrators see and
            change them; every change is in the Audit Log with its before and after.

            Require two-factor login for Administrators or for everyone: whoever must and has
            not set it up is sent to the set-up page right after signing in and can do nothing
            else (signing out aside) until it is done. A passkey counts as two-factor login.

            Require a passkey for Administrators: they sign in with a passkey as their second
            factor (a code from an app or a backup code no longer does for them), which a
            look-alike site cannot phish. One without a passkey is sent to add one first.

            The idle timeout ends a session that has made no request for that many minutes. The
            allowed IP ranges (CIDR, IPv4 or IPv6) apply to every sign-in and every request of
            the account's users, on top of each user's own IP whitelist; your own address must
            be in them when you save. Login notifications for new users sets the starting value
            of each new user's "Email me when I log in".
            """,
        ),
        help_topic(
            "audit-log",
            "Audit log",
            """
            Every change, sign-in (successful or not) and gateway check, with who did it, from
            which address and what changed. Entries cannot be edited or deleted.
            """,
        ),
        help_topic(
            "keyboard",
            "Keyboard",
            """
            Tab moves between links, buttons and fields; Enter opens a link or a dialog; Escape
            closes a dialog and returns you to where you were.
            """,
        ),
    ),
    urls=(Mount("", "accounts.urls"),),
    api_routers={
        "account": "accounts.api:account_router",
        "audit-log": "accounts.api:audit_router",
    },
    permissions={
        "accounts:home": SIGNED_IN,
        # Load balancers and Prometheus (accounts/views/operations.py); /metrics checks the
        # caller's address and the host itself.
        "accounts:healthz": PUBLIC,
        "accounts:readyz": PUBLIC,
        "accounts:metrics": PUBLIC,
        "accounts:help_index": SIGNED_IN,
        "accounts:help": SIGNED_IN,
        "accounts:config": view("config"),
        "accounts:config_edit": write("config"),
        "accounts:config_security": SIGNED_IN,  # the user's own switches and devices
        "accounts:device_revoke": SIGNED_IN,  # own devices; an Administrator's: any (services)
        "accounts:audit_log": view("audit_log"),
        "accounts:audit_log_export": view("audit_log"),
        "accounts:smtp_edit": ADMIN,
        "accounts:smtp_test_email": ADMIN,
        "accounts:smtp_test_mobile": ADMIN,
        "accounts:settings": ADMIN,
        "accounts:settings_edit": ADMIN,
    },
)
