from django.urls import path

from . import views

app_name = "domains"

# Mounted at the Domains tab's path (domains/panel.py).
urlpatterns = [
    path("", views.domain_list, name="list"),
    path("add/", views.domain_add, name="add"),
    path("refresh/", views.domain_refresh, name="refresh"),
    path("delete/", views.domain_delete, name="delete"),
    path("<int:pk>/", views.domain_detail, name="detail"),
    path("<int:pk>/edit/", views.domain_edit, name="edit"),
    path("<int:pk>/check/", views.domain_check, name="check"),
    path("<int:pk>/logo/", views.domain_logo, name="logo"),
]
