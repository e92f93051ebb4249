"""Routes for signing in and out, the workspace switcher, and the start page."""

from django.urls import path

from rapport.web.views import auth

urlpatterns = [
    path("login/", auth.sign_in, name="login"),
    path("logout/", auth.sign_out, name="logout"),
    path("workspace/switch/", auth.workspace_switch, name="workspace-switch"),
    path("no-workspace/", auth.no_workspace, name="no-workspace"),
    # The start page; the dashboard replaces this route when it exists.
    path("", auth.home, name="home"),
]
