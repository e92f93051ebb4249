"""Who may open a page: signed-in users everywhere except the sign-in pages, members everywhere
except the page that tells a user they belong to no workspace.

The API authenticates each call itself (bearer token or session) and answers 401 in
problem+json, so it is left alone here; so is any view marked with Django's
`@login_not_required`.
"""

from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from rapport.api.middleware import API_PREFIX

NO_WORKSPACE_URL = "/no-workspace/"


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    """Redirect signed-out visitors to /login/?next=..., and users without a membership to the
    page that explains it."""

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if request.path.startswith(API_PREFIX) or not getattr(view_func, "login_required", True):
            return None
        if not request.user.is_authenticated:
            return self.handle_no_permission(request, view_func)
        # request.member is a lazy object: test its truth, not its identity with None.
        if getattr(view_func, "membership_required", True) and not getattr(request, "member", None):
            return redirect(NO_WORKSPACE_URL)
        return None


def membership_not_required(view_func):
    """Mark a view that a signed-in user without any workspace may open."""
    view_func.membership_required = False
    return view_func
