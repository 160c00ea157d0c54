"""What the users app adds to the panel: the Users tab, the signed-in user's own menu, sign-in."""

from accounts.registry import (
    ADMIN,
    MY_ACCOUNT,
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
from accounts.registry import PROFILE as PROFILE_MENU

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

PROFILE = Section(
    "profile",
    "Personal profile",
    "profile/",
    None,
    "Your name, email, mobile and time zone.",
    menu=PROFILE_MENU,
    order=10,
    url_name="users:profile",
    help="profile",
)
CHANGE_PASSWORD = Section(
    "change_password",
    "Change password",
    "profile/password/",
    None,
    "Change your password; your other sessions end.",
    menu=PROFILE_MENU,
    order=20,
    url_name="users:change_password",
    help="profile",
)
TWO_FACTOR = Section(
    "two_factor",
    "Two-factor login",
    "profile/two-factor/",
    None,
    "Protect your sign-in with an authenticator app code or a passkey.",
    menu=PROFILE_MENU,
    order=30,
    url_name="users:two_factor",
    help="two-factor",
)

panel = AppPanel(
    modules=(Module("users", "Users", order=100),),
    sections=(USERS, PROFILE, CHANGE_PASSWORD, TWO_FACTOR),
    events=(
        AuditEvent("login.succeeded", "Login", "Signed in"),
        AuditEvent("login.failed", "Login", "Failed sign-in"),
        AuditEvent("login.locked", "Login", "Sign-in refused: too many failures"),
        AuditEvent("login.ip_refused", "Login", "Sign-in refused: address not in the IP whitelist"),
        AuditEvent(
            "login.account_ip_refused",
            "Login",
            "Sign-in refused: address outside the account's allowed IP ranges",
        ),
        AuditEvent("login.code_failed", "Login", "Sign-in refused: wrong two-factor code"),
        AuditEvent("login.code_locked", "Login", "Sign-in refused: too many wrong codes"),
        AuditEvent(
            "login.passkey_failed", "Login", "Passkey sign-in refused: the passkey did not verify"
        ),
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
        AuditEvent("profile.updated", "Profile", "Personal profile changed"),
        AuditEvent(
            "profile.email_change_requested", "Profile", "Email change asked; link sent to confirm"
        ),
        AuditEvent("profile.email_change_cancelled", "Profile", "Email change cancelled"),
        AuditEvent("profile.email_changed", "Profile", "New email address confirmed"),
        AuditEvent("profile.mobile_code_sent", "Profile", "Mobile confirmation code sent by SMS"),
        AuditEvent("profile.mobile_confirmed", "Profile", "Mobile number confirmed"),
        AuditEvent("password.changed", "Profile", "Password changed; other sessions ended"),
        AuditEvent(
            "password.change_failed", "Profile", "Password change refused: wrong current password"
        ),
        AuditEvent("two_factor.enabled", "Two-factor", "Two-factor login turned on"),
        AuditEvent("two_factor.disabled", "Two-factor", "Two-factor login turned off"),
        AuditEvent("two_factor.backup_codes_regenerated", "Two-factor", "New backup codes made"),
        AuditEvent("two_factor.reset", "Two-factor", "Two-factor login reset by an Administrator"),
        AuditEvent(
            "two_factor.code_failed",
            "Two-factor",
            "Wrong code when turning two-factor login off or making backup codes",
        ),
        AuditEvent("passkey.added", "Two-factor", "Passkey added"),
        AuditEvent("passkey.renamed", "Two-factor", "Passkey renamed"),
        AuditEvent("passkey.removed", "Two-factor", "Passkey removed"),
        AuditEvent(
            "passkey.sign_count_regressed",
            "Two-factor",
            "Passkey refused: its counter went backwards (a copied authenticator?)",
        ),
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

            When someone has lost the phone with their authenticator app, an Administrator can
            reset their two-factor login from their user dialog; their sessions end and they set
            it up again.
            """,
        ),
        help_topic(
            "profile",
            "Personal profile",
            """
            Your own name, email, mobile number and time zone, from the menu under your name.

            A new email address is used only once you open the link we send to it; until then
            you sign in with the old one, which is told of the change. Confirm your mobile
            number with the 6-digit code we send to it by SMS.

            Change password asks for your current password. Your other sessions are signed out
            and you get a mail about it.
            """,
        ),
        help_topic(
            "two-factor",
            "Two-factor login",
            """
            With two-factor login, signing in asks for your password and then a 6-digit code
            from an authenticator app on your phone (any app that reads a QR code, for example
            FreeOTP, Aegis or Google Authenticator). Each code works once.

            When you set it up you get ten backup codes: each signs you in once without the
            phone. Keep them somewhere safe; making new ones replaces them all. Turning
            two-factor login off, or making new backup codes, asks for a current code.

            A passkey (your computer's or phone's screen lock, or a security key) is a second
            factor too, and the strongest: it works only on this panel, so a look-alike site
            cannot use it. Add one under Passkeys and give it a name; after your password you
            are offered it first, and "Sign in with a passkey" on the sign-in page signs you in
            with it alone. Removing a passkey asks for a current code or one of your passkeys.

            Lost your phone and your backup codes? An Administrator of your account can reset
            your two-factor login (that removes your passkeys too).
            """,
        ),
    ),
    # Sign-in, password reset and invitations at the top; the Users tab under USERS.path.
    urls=(Mount("", "users.urls"),),
    api_routers={"users": "users.api:users_router", "groups": "users.api:groups_router"},
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
        "users:two_factor_reset": ADMIN,  # for a user who lost their phone
        # Sign-in's code step, and the signed link confirming a new e-mail address.
        "users:login_code": PUBLIC,
        "users:email_confirm": PUBLIC,
        # The signed-in user's own profile, password and two-factor login.
        "users:profile": SIGNED_IN,
        "users:profile_edit": SIGNED_IN,
        "users:email_cancel": SIGNED_IN,
        "users:mobile_send": SIGNED_IN,
        "users:mobile_confirm": SIGNED_IN,
        "users:change_password": SIGNED_IN,
        "users:two_factor": SIGNED_IN,
        "users:two_factor_setup": SIGNED_IN,
        "users:two_factor_backup_codes": SIGNED_IN,
        "users:two_factor_backup_codes_download": SIGNED_IN,
        "users:two_factor_backup_codes_new": SIGNED_IN,
        "users:two_factor_disable": SIGNED_IN,
        "users:passkey_register_options": SIGNED_IN,
        "users:passkey_add": SIGNED_IN,
        "users:passkey_rename": SIGNED_IN,
        "users:passkey_confirm_options": SIGNED_IN,
        "users:passkey_remove": SIGNED_IN,
        # Passkey sign-in: the options (a challenge in this session) and the passwordless step.
        "users:login_passkey_options": PUBLIC,
        "users:login_passkey": PUBLIC,
    },
)
