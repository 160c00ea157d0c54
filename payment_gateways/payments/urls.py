from django.urls import path

from . import views

app_name = "payments"

# Mounted at the Payments tab's path (payment_gateways/panel.py).
urlpatterns = [
    path("", views.payment_list, name="list"),
    path("new/", views.payment_new, name="new"),
    path("export.csv", views.payment_export, name="export"),
    path("<int:pk>/", views.payment_detail, name="detail"),
    path("<int:pk>/return/", views.payment_return, name="return"),
    path("<int:pk>/cancel/", views.payment_cancel, name="cancel"),
    path("<int:pk>/receipt/", views.payment_receipt, name="receipt"),
]
