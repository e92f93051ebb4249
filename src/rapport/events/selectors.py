"""Reads of the event log, limited to what the actor may see (SPEC E2, P5)."""

from django.db.models import Q, QuerySet

from rapport.records.models import Account, Activity, Contact, Deal, Lead
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import scope_q, sees_all_of, visible_to

from .models import Event

RECORD_MODELS = (Account, Contact, Lead, Deal, Activity)


def events_visible_to(actor: Member) -> QuerySet[Event]:
    """Events about records the actor may see now, events about settings, and their own actions.

    Where the role sees every record of a type, the filter is on the type alone, so the events
    page of an administrator does not join against every record table.
    """
    if not actor.is_active:
        return Event.objects.none()  # like visible_to: an inactive member sees nothing
    q = Q(actor_id=actor.pk) | ~Q(object_type__in=[m.RECORD_TYPE for m in RECORD_MODELS])
    for model in RECORD_MODELS:
        sees_all = sees_all_of(actor, model)
        if sees_all and not getattr(model, "HAS_PRIVATE_FLAG", False):
            q |= Q(object_type=model.RECORD_TYPE)
        elif sees_all:
            hidden = model._default_manager.filter(workspace_id=actor.workspace_id, is_private=True).exclude(created_by_id=actor.pk)
            q |= Q(object_type=model.RECORD_TYPE) & ~Q(object_id__in=hidden.values("id"))
        elif scope_q(actor, model, Action.VIEW) is not None:
            q |= Q(object_type=model.RECORD_TYPE, object_id__in=visible_to(actor, model).values("id"))
    return Event.objects.filter(workspace_id=actor.workspace_id).filter(q)
