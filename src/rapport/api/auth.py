"""Who is calling: a bearer token bound to one member, or the signed-in web session."""

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from rapport.events.log import set_actor_kind
from rapport.events.models import ActorKind
from rapport.workspaces.models import ApiToken, Member

SESSION_WORKSPACE_KEY = "rapport_workspace_id"


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        if not token.startswith(ApiToken.PREFIX):
            return None
        api_token = (
            ApiToken.objects.select_related("member__user", "member__role", "member__workspace")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not api_token.member.is_active or not api_token.member.user.is_active:
            return None
        now = timezone.now()
        # Touch at most once a minute: a write per request would serialise reads on SQLite.
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        set_actor_kind(ActorKind.API)
        return api_token.member


class SessionMember(APIKeyCookie):
    """The web app's own calls: the signed-in user in the workspace chosen in their session."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Member | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return member_for_session(request)


def member_for_session(request: HttpRequest) -> Member | None:
    """The membership of the workspace chosen in the session, else the user's first one.

    One query for all of the user's memberships (a person belongs to a few workspaces): they
    are kept on the request, where the layout's workspace switcher reads them (web/context.py).
    """
    memberships = list(
        Member.objects.select_related("user", "role", "workspace").filter(user=request.user, is_active=True).order_by("workspace_id")
    )
    request.rapport_memberships = memberships  # type: ignore[attr-defined]
    workspace_id = request.session.get(SESSION_WORKSPACE_KEY)
    chosen = next((m for m in memberships if m.workspace_id == workspace_id), None) if workspace_id else None
    return chosen or (memberships[0] if memberships else None)
