"""What the api app adds to the panel: the API tokens tab (beside Config, module Config), its
audit events and help, and the REST API itself at /api/v1/ (api/urls.py), whose routers every
app declares in its own panel.py (``api_routers``)."""

from accounts.registry import (
    MY_ACCOUNT,
    AppPanel,
    AuditEvent,
    Mount,
    Section,
    help_topic,
    view,
    write,
)

API_TOKENS = Section(
    "api_tokens",
    "API tokens",
    "account/api-tokens/",
    "config",
    "Tokens for the REST API: scoped, expiring, limited to addresses, shown once.",
    menu=MY_ACCOUNT,
    order=35,
    url_name="api_tokens:list",
    help="api-tokens",
)

panel = AppPanel(
    sections=(API_TOKENS,),
    events=(
        AuditEvent("api_token.created", "API", "API token created"),
        AuditEvent("api_token.revoked", "API", "API token revoked"),
    ),
    help=(
        help_topic(
            "api-tokens",
            "API tokens",
            """
            Scripts reach your account through the REST API at /api/v1/ with a token sent as
            "Authorization: Bearer <token>". The API's reference is at /api/v1/docs once you are
            signed in.

            A token acts as you, narrowed to the scopes you give it (each module read or write,
            never more than you may do yourself). When your permissions shrink, or your user is
            made read only, deactivated or deleted, the token loses the same at once. A token is
            never an Administrator: Administrator-only settings need the panel.

            The token is shown once, when you create it; only its first characters are kept
            to recognise it. Give it an expiry and the addresses it may be used from, and revoke
            it as soon as it is not needed. Every change made with it is in the Audit Log with
            the token's name.
            """,
        ),
    ),
    urls=(Mount("", "api.urls"), Mount("api/v1/", "api.rest_urls")),
    permissions={
        "api_tokens:list": view("config"),
        "api_tokens:add": write("config"),
        "api_tokens:revoke": write("config"),
    },
)
