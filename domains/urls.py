from django.urls import path

from . import views

app_name = "domains"

urlpatterns = [
    path("account/domains/", views.domain_list, name="list"),
    path("account/domains/add/", views.domain_add, name="add"),
    path("account/domains/refresh/", views.domain_refresh, name="refresh"),
    path("account/domains/delete/", views.domain_delete, name="delete"),
    path("account/domains/<int:pk>/", views.domain_detail, name="detail"),
    path("account/domains/<int:pk>/edit/", views.domain_edit, name="edit"),
    path("account/domains/<int:pk>/check/", views.domain_check, name="check"),
    path("account/domains/<int:pk>/logo/", views.domain_logo, name="logo"),
]
