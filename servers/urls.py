from django.urls import path

from . import views

app_name = "servers"

# Mounted at the My Servers section's path (servers/panel.py).
urlpatterns = [
    path("", views.server_list, name="list"),
    path("refresh/", views.server_refresh, name="refresh"),
    path("<int:pk>/", views.server_detail, name="detail"),
    path("<int:pk>/config/", views.server_config, name="config"),
    path("<int:pk>/operate/", views.server_operate, name="operate"),
    path("<int:pk>/check/", views.server_check, name="check"),
]
