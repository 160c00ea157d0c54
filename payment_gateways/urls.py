from django.urls import path

from . import views

app_name = "payment_gateways"

# Mounted at the API tab's path (payment_gateways/panel.py).
urlpatterns = [
    path("", views.gateway_list, name="list"),
    path("add/<slug:gateway_type>/", views.gateway_add, name="add"),
    path("<int:pk>/", views.gateway_edit, name="edit"),
    path("refresh/", views.gateway_refresh, name="refresh"),
    path("delete/", views.gateway_delete, name="delete"),
]
