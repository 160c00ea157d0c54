"""Isolation-crawler entries for sign-in, password reset, invitations, the Users tab and the
signed-in user's own pages (profile, password, two-factor)."""

from tests.isolation import exempt, page, tenant_object

ENTRIES = {
    "admin_sign_in": exempt("redirects to the panel's sign-in; shows nothing"),
    "users:login": exempt("the public sign-in form; shows no account data"),
    "users:login_code": exempt(
        "the code step of sign-in: only a half sign-in begun in this very browser gets further "
        "(users/tests/test_two_factor_login.py)"
    ),
    "users:logout": exempt("ends the caller's own session; names no object"),
    "users:password_reset": exempt("public; answers the same whether or not the email exists"),
    "users:password_reset_done": exempt("public confirmation text"),
    "users:password_reset_confirm": exempt(
        "public; a signed token for one user, checked by Django", {"uidb64": "MQ", "token": "x-y"}
    ),
    "users:password_reset_complete": exempt("public confirmation text"),
    "users:invitation": exempt(
        "public; the signed single-use token names the user (users/tests/test_users.py)",
        {"token": "not-a-token"},
    ),
    "users:list": page(),
    "users:add": page(),
    "users:delete": page(),
    "users:edit": tenant_object(lambda world, side: {"pk": world[f"user_{side}"].pk}),
    "users:group_add": page(),
    "users:group_edit": tenant_object(lambda world, side: {"pk": world[f"group_{side}"].pk}),
    "users:group_delete": page(),
    # An Administrator's reset of a user's two-factor login (world: user_b has it on).
    "users:two_factor_reset": tenant_object(lambda world, side: {"pk": world[f"user_{side}"].pk}),
    # The signed-in user's own pages: they only ever read or change the caller themselves.
    "users:profile": page(),
    "users:profile_edit": page(),
    "users:email_cancel": page(),
    "users:email_confirm": exempt(
        "public; the signed, expiring token names the user (users/tests/test_profile.py)",
        {"token": "not-a-token"},
    ),
    "users:mobile_send": page(),
    "users:mobile_confirm": page(),
    "users:change_password": page(),
    "users:two_factor": page(),
    "users:two_factor_setup": page(),
    "users:two_factor_backup_codes": page(),
    "users:two_factor_backup_codes_download": page(),
    "users:two_factor_backup_codes_new": page(),
    "users:two_factor_disable": page(),
    # Passkeys: POST-only, about the caller's own passkeys only (the passkey is a form field;
    # another user's or account's is refused: users/tests/test_passkeys.py).
    "users:passkey_register_options": page(),
    "users:passkey_add": page(),
    "users:passkey_rename": page(),
    "users:passkey_confirm_options": page(),
    "users:passkey_remove": page(),
    "users:login_passkey_options": exempt(
        "public; gives a fresh challenge kept in the caller's session and names no account"
    ),
    "users:login_passkey": exempt(
        "public passwordless sign-in: only a passkey answering this session's challenge gets "
        "further (users/tests/test_passkeys.py)"
    ),
}
