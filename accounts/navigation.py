"""The panel's menu: every section, where it lives and the permission that shows it.

A section whose issue has not landed yet has no ``url_name``: accounts/urls.py serves an honest
"not available yet" page at its ``path``. The issue that builds it sets ``url_name`` to its real
list view, whose URL must start with ``path`` (every page under it highlights the section).
"""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    path: str
    module: str | None  # permission module; None: Administrators only, or any staff user
    summary: str
    admin_only: bool = False
    url_name: str = ""  # the real view, once built; empty: the placeholder

    @property
    def route(self) -> str:
        return self.url_name or f"accounts:{self.key}"

    @property
    def help_topic(self) -> str:
        from .help import HELP_TOPICS

        slug = self.key.replace("_", "-")
        return slug if slug in HELP_TOPICS else "my-account"

    @property
    def url(self) -> str:
        return reverse(self.route)

    def is_active(self, request_path: str) -> bool:
        return request_path.startswith("/" + self.path)

    def visible_to(self, access) -> bool:
        if self.module:
            return access.can_view(self.module)
        return access.can_admin() if self.admin_only else access.is_staff_user


MY_ACCOUNT_TABS = [
    Section(
        "config",
        "Config",
        "account/config/",
        "config",
        "Company information, address, general settings, contact details and security add-ons.",
        url_name="accounts:config",
    ),
    Section(
        "users",
        "Users",
        "account/users/",
        "users",
        "Staff users, permission groups and who may use which module.",
        url_name="users:list",
    ),
    Section(
        "api",
        "API",
        "account/api/",
        "api",
        "Your PayPal and Stripe gateways, verified against the gateway.",
        url_name="payment_gateways:list",
    ),
    Section(
        "domains",
        "Domains",
        "account/domains/",
        "domains",
        "White-label portal domains for your customers, with DNS verification.",
        url_name="domains:list",
    ),
    Section(
        "payments",
        "Payments",
        "account/payments/",
        "payments",
        "Top up your balance and see every payment with its receipt.",
    ),
    Section(
        "usage",
        "Usage",
        "account/usage/",
        "usage",
        "Lookup-service usage and charges, today and month to date.",
    ),
    Section(
        "packages",
        "Packages",
        "account/packages/",
        "packages",
        "Lookup services the platform offers; enable the ones you use.",
    ),
    Section(
        "settings",
        "Settings",
        "account/settings/",
        None,
        "Security policy: required two-factor login, session timeout, allowed IP ranges.",
        admin_only=True,
    ),
]

SETUP_LINKS = [
    Section(
        "servers",
        "My Servers",
        "servers/",
        "servers",
        "Your switch, dispatcher and RTP servers, their config and health.",
    ),
    Section(
        "customers",
        "Customers",
        "customers/",
        "customer",
        "Your customers, their portal contacts and their calls.",
    ),
    Section(
        "audit_log",
        "Audit Log",
        "audit/",
        "audit_log",
        "Every change, sign-in and check made in your account.",
        url_name="accounts:audit_log",
    ),
]

PROFILE_LINKS = [
    Section(
        "profile", "Personal profile", "profile/", None, "Your name, email, mobile and time zone."
    ),
    Section(
        "change_password",
        "Change password",
        "profile/password/",
        None,
        "Change your password; your other sessions end.",
    ),
    Section(
        "two_factor",
        "Two-factor login",
        "profile/two-factor/",
        None,
        "Protect your sign-in with an authenticator app code.",
    ),
]

SECTIONS = {section.key: section for section in [*MY_ACCOUNT_TABS, *SETUP_LINKS, *PROFILE_LINKS]}
