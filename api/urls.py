from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("account/api-tokens/", views.tokens_page, name="list"),
    path("account/api-tokens/add/", views.token_add, name="add"),
    path("account/api-tokens/<int:pk>/revoke/", views.token_revoke, name="revoke"),
]
