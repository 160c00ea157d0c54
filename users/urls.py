from django.urls import include, path

from . import views, views_manage
from .panel import USERS

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
]

urlpatterns = [
    path("login/", views.sign_in, name="login"),
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
]
