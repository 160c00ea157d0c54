from django.urls import include, path

from . import views

urlpatterns = [
    path("notes/<int:pk>/", views.note, name="note"),
    path("leaky-notes/<int:pk>/", views.leaky_note, name="leaky_note"),
    path("undeclared/", views.undeclared, name="undeclared"),
    path("", include("config.urls")),
]
