"""The REST API's URLs (mounted at /api/v1/ by api/panel.py), namespace "api"."""

from .rest import api

urlpatterns = api.urls[0]
app_name = "api"
