"""URL map: the REST API under /api/v1/, the web app at the root."""

from django.urls import include, path, re_path

from rapport.api.errors import unknown_endpoint
from rapport.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    # An /api/ path no endpoint matches answers in the API's error format, not with an HTML page.
    re_path(r"^api/", unknown_endpoint),
    path("", include("rapport.web.urls")),
]
