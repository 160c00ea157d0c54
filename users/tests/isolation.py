"""Isolation-crawler entries for sign-in, password reset, invitations and the Users tab."""

from tests.isolation import exempt, page, tenant_object

ENTRIES = {
    "admin_sign_in": exempt("redirects to the panel's sign-in; shows nothing"),
    "users:login": exempt("the public sign-in form; shows no account data"),
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
}
