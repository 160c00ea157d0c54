from django.urls import include, path

from . import views, views_manage, views_passkeys, views_profile, views_two_factor
from .panel import CHANGE_PASSWORD, PROFILE, TWO_FACTOR, USERS

app_name = "users"

# The Users tab (module Users), under the tab's path.
users_tab = [
    path("", views_manage.users_page, name="list"),
    path("add/", views_manage.user_add, name="add"),
    path("<int:pk>/", views_manage.user_edit, name="edit"),
    path("delete/", views_manage.users_delete, name="delete"),
    path("groups/add/", views_manage.group_add, name="group_add"),
    path("groups/<int:pk>/", views_manage.group_edit, name="group_edit"),
    path("groups/delete/", views_manage.groups_delete, name="group_delete"),
    path("<int:pk>/two-factor/reset/", views_two_factor.two_factor_reset, name="two_factor_reset"),
]

# The signed-in user's own menu: Personal profile (its e-mail and mobile confirmations under it),
# Change password, Two-factor login.
profile = [
    path("", views_profile.profile, name="profile"),
    path("edit/", views_profile.profile_edit, name="profile_edit"),
    path("email/cancel/", views_profile.email_cancel, name="email_cancel"),
    path("email/confirm/<str:token>/", views_profile.email_confirm, name="email_confirm"),
    path("mobile/send/", views_profile.mobile_send, name="mobile_send"),
    path("mobile/confirm/", views_profile.mobile_confirm, name="mobile_confirm"),
]
two_factor = [
    path("", views_two_factor.two_factor_page, name="two_factor"),
    path("set-up/", views_two_factor.two_factor_setup, name="two_factor_setup"),
    path("backup-codes/", views_two_factor.backup_codes_page, name="two_factor_backup_codes"),
    path(
        "backup-codes/download/",
        views_two_factor.backup_codes_download,
        name="two_factor_backup_codes_download",
    ),
    path(
        "backup-codes/new/", views_two_factor.backup_codes_new, name="two_factor_backup_codes_new"
    ),
    path("turn-off/", views_two_factor.two_factor_disable, name="two_factor_disable"),
    path(
        "passkeys/options/",
        views_passkeys.register_options,
        name="passkey_register_options",
    ),
    path("passkeys/add/", views_passkeys.passkey_add, name="passkey_add"),
    path("passkeys/rename/", views_passkeys.passkey_rename, name="passkey_rename"),
    path(
        "passkeys/confirm-options/",
        views_passkeys.confirm_options,
        name="passkey_confirm_options",
    ),
    path("passkeys/remove/", views_passkeys.passkey_remove, name="passkey_remove"),
]

urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("login/code/", views.sign_in_code, name="login_code"),
    path("login/passkey/", views_passkeys.login_passkey, name="login_passkey"),
    path("login/passkey/options/", views_passkeys.login_options, name="login_passkey_options"),
    path("logout/", views.sign_out, name="logout"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path(USERS.path, include(users_tab)),
    # Longer prefixes first: profile/password/ and profile/two-factor/ sit under profile/.
    path(CHANGE_PASSWORD.path, views_profile.change_password, name="change_password"),
    path(TWO_FACTOR.path, include(two_factor)),
    path(PROFILE.path, include(profile)),
]
