"""The portal's Invoice area: portal.urls includes these through the hook
``portal_url_patterns`` (invoices/panel.py)."""

from django.urls import path

from . import views_portal as views

invoice_patterns = [
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/pay/", views.invoice_pay, name="invoice_pay"),
]


def patterns() -> list:
    return invoice_patterns
