"""URL map of the web app; each feature keeps its routes in its own module."""

from django.urls import include, path

urlpatterns = [
    # First, so that the dashboard answers "/" rather than the start page of urls_auth.
    path("", include("rapport.analytics.urls")),
    path("", include("rapport.web.urls_auth")),
    path("", include("rapport.web.urls_records")),
    path("", include("rapport.web.urls_board")),
    path("", include("rapport.search.urls")),
]
