"""Reads of analytics settings, limited to what the member may see (SPEC P5)."""

from __future__ import annotations

from django.db.models import QuerySet

from rapport.core.errors import NotFound
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import MAX_ID, team_ids, visible_to

from .models import Goal


def goals_visible_to(actor: Member) -> QuerySet[Goal]:
    """An administrator sees every goal; others the goals of themselves and the people below them.

    Achievement counts deals the asker may see, and a member sees the deals of everyone below
    them (P2), so a visible goal's figure is never computed from deals hidden from the asker.
    """
    qs = visible_to(actor, Goal).select_related("member__user")
    if not actor.is_active:
        return qs.none()
    return qs if actor.is_admin else qs.filter(member_id__in=team_ids(actor))


def get_goal(actor: Member, pk: object) -> Goal:
    try:
        if not 0 < int(pk) <= MAX_ID:  # type: ignore[call-overload]
            raise ValueError(pk)
        return goals_visible_to(actor).get(pk=pk)
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise NotFound("goal not found") from None
