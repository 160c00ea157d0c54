from django.urls import path

from . import views

app_name = "packages"

# Mounted at the Packages tab's path (packages/panel.py).
urlpatterns = [
    path("", views.package_list, name="list"),
    path("enable/", views.package_enable, name="enable"),
    path("disable/", views.package_disable, name="disable"),
]
