"""Reads of intake data, limited to what the member may see (SPEC P5).

Conversations follow their owner the way activities do: a member sees a conversation when
their role would let them see an activity owned by its owner (`scope_q` for activities, the one
gate), so a seller sees their own chats, a manager their team's, an administrator all of them.
An unowned conversation (nobody has answered yet) is seen by those who see every activity.
Usage intervals are seen by the member themselves, the managers above them, and administrators.
"""

from __future__ import annotations

from django.db.models import QuerySet

from rapport.core.errors import NotFound
from rapport.records.models import Activity
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import MAX_ID, scope_q, team_ids, visible_to

from .models import Conversation, Message, UsageInterval


def conversations_visible_to(actor: Member, action: str = Action.VIEW) -> QuerySet[Conversation]:
    qs = visible_to(actor, Conversation)
    q = scope_q(actor, Activity, action) if actor.is_active else None
    if q is None:
        return qs.none()
    return qs.filter(q) if q else qs


def messages_visible_to(actor: Member) -> QuerySet[Message]:
    return visible_to(actor, Message).filter(conversation__in=conversations_visible_to(actor).values("id"))


def usage_visible_to(actor: Member) -> QuerySet[UsageInterval]:
    qs = visible_to(actor, UsageInterval)
    if not actor.is_active:
        return qs.none()
    return qs if actor.is_admin else qs.filter(member_id__in=team_ids(actor))


def members_visible_to(actor: Member) -> QuerySet[Member]:
    """Whose per-person figures (usage, replies) the member may see: themselves and their team."""
    qs = Member.objects.filter(workspace_id=actor.workspace_id)
    return qs if actor.is_admin else qs.filter(pk__in=team_ids(actor))


def get_conversation(actor: Member, pk: object) -> Conversation:
    """One conversation the member may see, or NotFound (the same answer for hidden and missing)."""
    try:
        if not 0 < int(pk) <= MAX_ID:  # type: ignore[call-overload]
            raise ValueError(pk)
        return conversations_visible_to(actor).get(pk=pk)
    except (Conversation.DoesNotExist, ValueError, TypeError):
        raise NotFound("conversation not found") from None
