from django.urls import path

from . import views, views_manage

app_name = "users"

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
    # The Users tab (module Users)
    path("account/users/", views_manage.users_page, name="list"),
    path("account/users/add/", views_manage.user_add, name="add"),
    path("account/users/<int:pk>/", views_manage.user_edit, name="edit"),
    path("account/users/delete/", views_manage.users_delete, name="delete"),
    path("account/users/groups/add/", views_manage.group_add, name="group_add"),
    path("account/users/groups/<int:pk>/", views_manage.group_edit, name="group_edit"),
    path("account/users/groups/delete/", views_manage.groups_delete, name="group_delete"),
]
