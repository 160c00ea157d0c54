"""What the users app adds to the panel: the Users tab, the signed-in user's own menu, sign-in."""

from accounts.registry import (
    MY_ACCOUNT,
    PROFILE,
    PUBLIC,
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

USERS = Section(
    "users",
    "Users",
    "account/users/",
    "users",
    "Staff users, permission groups and who may use which module.",
    menu=MY_ACCOUNT,
    order=20,
    url_name="users:list",
    help="users",
)

panel = AppPanel(
    modules=(Module("users", "Users", order=100),),
    sections=(
        USERS,
        Section(
            "profile",
            "Personal profile",
            "profile/",
            None,
            "Your name, email, mobile and time zone.",
            menu=PROFILE,
            order=10,
        ),
        Section(
            "change_password",
            "Change password",
            "profile/password/",
            None,
            "Change your password; your other sessions end.",
            menu=PROFILE,
            order=20,
        ),
        Section(
            "two_factor",
            "Two-factor login",
            "profile/two-factor/",
            None,
            "Protect your sign-in with an authenticator app code.",
            menu=PROFILE,
            order=30,
        ),
    ),
    events=(
        AuditEvent("login.succeeded", "Login", "Signed in"),
        AuditEvent("login.failed", "Login", "Failed sign-in"),
        AuditEvent("login.locked", "Login", "Sign-in refused: too many failures"),
        AuditEvent("login.ip_refused", "Login", "Sign-in refused: address not in the IP whitelist"),
        AuditEvent("logout", "Login", "Signed out"),
        AuditEvent("password.reset_requested", "Login", "Password reset requested"),
        AuditEvent("password.reset_completed", "Login", "Password reset completed"),
        AuditEvent(
            "password.reset_throttled", "Login", "Password reset refused: too many requests"
        ),
        AuditEvent("user.created", "Users", "User created"),
        AuditEvent("user.updated", "Users", "User changed"),
        AuditEvent("user.deleted", "Users", "User deleted"),
        AuditEvent("user.invited", "Users", "Invitation sent"),
        AuditEvent("user.password_reset_sent", "Users", "Password-reset mail sent"),
        AuditEvent("user.invitation_accepted", "Users", "Invitation accepted, password set"),
        AuditEvent("group.created", "Users", "Group created"),
        AuditEvent("group.updated", "Users", "Group changed"),
        AuditEvent("group.deleted", "Users", "Group deleted"),
    ),
    help=(
        help_topic(
            "users",
            "Users and groups",
            """
            Add staff users and give them an Administrator or User role. Users get modules through
            groups: a module is usable when a group allows it and no group denies it.

            Tick Read only for someone who may look but change nothing.
            """,
        ),
    ),
    # Sign-in, password reset and invitations at the top; the Users tab under USERS.path.
    urls=(Mount("", "users.urls"),),
    permissions={
        "admin_sign_in": PUBLIC,  # config/urls.py: Django admin's sign-in goes through ours
        "users:login": PUBLIC,
        "users:logout": SIGNED_IN,
        "users:password_reset": PUBLIC,
        "users:password_reset_done": PUBLIC,
        "users:password_reset_confirm": PUBLIC,
        "users:password_reset_complete": PUBLIC,
        "users:invitation": PUBLIC,
        "users:list": view("users"),
        "users:add": write("users"),
        "users:edit": write("users"),
        "users:delete": write("users"),
        "users:group_add": write("users"),
        "users:group_edit": write("users"),
        "users:group_delete": write("users"),
    },
)
