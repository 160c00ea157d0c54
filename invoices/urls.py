from django.urls import path

from . import views

app_name = "invoices"

# Mounted at the Customers section's path (invoices/panel.py), beside portal.urls_customers.
urlpatterns = [
    path("invoices/", views.invoice_list, name="list"),
    path("<int:pk>/invoices/", views.customer_invoices, name="customer"),
    path("<int:pk>/invoices/generate/", views.generate, name="generate"),
    path("invoices/<int:pk>/", views.invoice_detail, name="detail"),
    path("invoices/<int:pk>/issue/", views.issue, name="issue"),
    path("invoices/<int:pk>/void/", views.void, name="void"),
    path("invoices/<int:pk>/edit/", views.edit, name="edit"),
    path("invoices/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("invoices/<int:pk>/pdf/", views.pdf, name="pdf"),
]
