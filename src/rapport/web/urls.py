"""URL map of the web app; each feature keeps its routes in its own module."""

from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page says; the icon is an SVG among the static files.
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("web/favicon.svg"), permanent=True))),
    # First, so that the dashboard answers "/" rather than the start page of urls_auth.
    path("", include("rapport.analytics.urls")),
    path("", include("rapport.web.urls_auth")),
    path("", include("rapport.web.urls_records")),
    path("", include("rapport.web.urls_board")),
    path("", include("rapport.search.urls")),
]
