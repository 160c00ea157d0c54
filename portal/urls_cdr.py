from django.urls import path

from . import views_cdr as views

app_name = "cdr"

# Mounted at the CDR section's path (portal/panel.py).
urlpatterns = [
    path("", views.cdr_list, name="list"),
    path("export.csv", views.cdr_export, name="export"),
]
