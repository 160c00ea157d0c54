"""The portal's Invoice area (included in portal.urls' patterns)."""

from django.urls import path

from . import views_portal as views

invoice_patterns = [
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/pay/", views.invoice_pay, name="invoice_pay"),
]
