"""Routes of the search pages (included at the site root)."""

from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/suggest/", views.search_suggest, name="search-suggest"),
]
