"""The portal's Payments section (included in portal.urls' patterns)."""

from django.urls import path

from . import views_payments as views

payment_patterns = [
    path("payments/", views.payments, name="payments"),
    path("payments/new/", views.payment_new, name="payment_new"),
    path("payments/<int:pk>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:pk>/return/", views.payment_return, name="payment_return"),
    path("payments/<int:pk>/cancel/", views.payment_cancel, name="payment_cancel"),
]
