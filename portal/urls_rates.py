from django.urls import path

from . import views_rates as views

app_name = "ratecards"

# Mounted at the Rate Cards section's path (portal/panel.py).
urlpatterns = [
    path("", views.card_list, name="list"),
    path("add/", views.card_add, name="add"),
    path("delete/", views.card_delete, name="delete"),
    path("<int:pk>/", views.card_detail, name="detail"),
    path("<int:pk>/edit/", views.card_edit, name="edit"),
    path("<int:pk>/rates/add/", views.rate_add, name="rate_add"),
    path("<int:pk>/rates/<int:rate_pk>/", views.rate_edit, name="rate_edit"),
    path("<int:pk>/rates/delete/", views.rate_delete, name="rate_delete"),
    path("<int:pk>/import/", views.rate_import, name="import"),
    path("<int:pk>/export.csv", views.card_export, name="export"),
]
