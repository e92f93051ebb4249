"""Signing in and out, switching workspace, and the page for users without a workspace."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from rapport.api.auth import SESSION_WORKSPACE_KEY, member_for_session
from rapport.web import throttle
from rapport.web.access import membership_not_required
from rapport.workspaces.models import Member

HOME_URL = "/"


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=4096, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by whoever sends the request, so trusting it
    # would let an attacker pick a fresh address for every guess.
    return request.META.get("REMOTE_ADDR") or "unknown"


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """The page to go to after signing in: only a path on this site, never another host."""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return HOME_URL


def _lockout_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many failed sign-ins. For your security, signing in is paused; try again in %(minutes)d minute.",
        "Too many failed sign-ins. For your security, signing in is paused; try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request, next_url))
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            address = client_address(request)
            if throttle.locked_for(email, address):
                # Refused before the password is even checked, so guessing stays blocked.
                status = 429
            else:
                user = authenticate(request, username=email, password=form.cleaned_data["password"])
                if user is not None:
                    throttle.clear(email, address)
                    login(request, user)
                    member = member_for_session(request)
                    if member is not None:
                        request.session[SESSION_WORKSPACE_KEY] = member.workspace_id
                    return redirect(safe_next(request, next_url))
                throttle.record_failure(email, address)
            wait = throttle.locked_for(email, address)
            if wait:
                status = 429
                form.add_error(None, _lockout_message(wait))
            else:
                form.add_error(None, _("That e-mail and password do not match an account."))
    response = render(request, "web/auth/login.html", {"form": form, "next": next_url}, status=status)
    if status == 429:
        response["Retry-After"] = str(throttle.locked_for(form.cleaned_data["email"].strip().lower(), client_address(request)))
    return response


@login_not_required
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@membership_not_required
@require_POST
def workspace_switch(request: HttpRequest) -> HttpResponse:
    """Act in another workspace the user belongs to; any other id is "not found"."""
    try:
        workspace_id = int(request.POST.get("workspace", ""))
    except ValueError:
        raise Http404("No such workspace.") from None
    member = Member.objects.filter(user=request.user, workspace_id=workspace_id, is_active=True).first()
    if member is None:
        raise Http404("No such workspace.")
    request.session[SESSION_WORKSPACE_KEY] = member.workspace_id
    # The page just left may show a record of the old workspace, which would now be a 404.
    return HttpResponseRedirect(safe_next(request, request.POST.get("next")))


@membership_not_required
def no_workspace(request: HttpRequest) -> HttpResponse:
    if request.member:
        return redirect(HOME_URL)
    return render(request, "web/auth/no_workspace.html", {"user_email": request.user.email or request.user.get_username()})


def home(request: HttpRequest) -> HttpResponse:
    """The start page: the deals board until the dashboard exists."""
    return redirect("board")
