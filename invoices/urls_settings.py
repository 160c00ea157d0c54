from django.urls import path

from . import views

app_name = "invoice_settings"

# Mounted at the Settings tab's path: the tab stays highlighted.
urlpatterns = [path("invoicing/", views.settings_edit, name="edit")]
