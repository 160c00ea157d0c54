from django.urls import path

from . import views

app_name = "usage"

# Mounted at the Usage tab's path (packages/panel.py).
urlpatterns = [
    path("", views.usage_overview, name="overview"),
    path("export.csv", views.usage_export, name="export"),
]
