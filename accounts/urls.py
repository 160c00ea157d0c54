from django.urls import path

from .navigation import SECTIONS
from .views import sections

app_name = "accounts"

urlpatterns = [
    path("", sections.home, name="home"),
    path("help/", sections.help_index, name="help_index"),
    path("help/<slug:topic>/", sections.help_topic, name="help"),
]

# Sections whose issue has not landed: an honest page behind the section's own permission.
urlpatterns += [
    path(section.path, sections.not_available_view(section), name=section.key)
    for section in SECTIONS.values()
    if not section.url_name
]
