"""Routes of the dashboard page: the start page of the web app."""

from django.urls import path

from rapport.dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/", views.dashboard, name="dashboard-page"),
]
