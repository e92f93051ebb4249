"""Reading the past (SPEC D19): the state of deals, leads and owners at a chosen moment.

Current columns say how things are now; the stage-change table and the event log say how they
were. Each helper answers "as of moment T" from those tables, always inside SQL:

- a deal's stage, status and amount at T: its latest StageChange row at or before T;
- any field's value at T (the owner, say): the `before` value of the first event that changed
  it after T, or, when nothing changed it since, its current value;
- a lead was open at T when it existed, had not been qualified or disqualified, and was not
  archived (its latest archive/unarchive event before T was not an archive).

Records deleted since T are gone from `visible_to`, so they are left out of past figures too.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from rapport.events.models import Event, EventType
from rapport.records.models import Deal, DealStatus, Lead, StageChange
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import sees_all_of, visible_to


def deal_changes(actor: Member) -> QuerySet[StageChange]:
    """The stage history of the deals the member may see."""
    changes = visible_to(actor, StageChange)
    if sees_all_of(actor, Deal):
        # Every deal of the workspace is visible (deals have no private flag), so the join
        # with the deal table, dearer than the figure itself on a large workspace, is skipped.
        return changes
    return changes.filter(deal__in=visible_to(actor, Deal).values("id"))


def deal_states_at(actor: Member, moment: dt.datetime) -> QuerySet[StageChange]:
    """One row per visible deal that existed at `moment`: its latest stage change by then."""
    later = StageChange.objects.filter(deal_id=OuterRef("deal_id"), changed_at__lte=moment).filter(
        Q(changed_at__gt=OuterRef("changed_at")) | Q(changed_at=OuterRef("changed_at"), pk__gt=OuterRef("pk"))
    )
    return deal_changes(actor).filter(changed_at__lte=moment).filter(~Exists(later))


def open_deals_at(actor: Member, moment: dt.datetime | None) -> QuerySet:
    """Open deals now (the deal table) or at a past moment (their stage history).

    Both answers have `stage_id`, `pipeline_id`, `amount`, `currency` and `deal_id` columns, so
    callers aggregate them the same way.
    """
    if moment is None:
        return visible_to(actor, Deal).filter(status=DealStatus.OPEN).annotate(deal_id=F("pk"))
    return deal_states_at(actor, moment).filter(to_status=DealStatus.OPEN).annotate(stage_id=F("to_stage_id"))


def field_at(object_type: str, field: str, moment: dt.datetime | None, current: str, *, pk: str = "pk") -> object:
    """An expression: the foreign key `field` of each row's record (`pk`) as it was at `moment` (now if None)."""
    if moment is None:
        return F(current)
    later = Event.objects.filter(
        workspace_id=OuterRef("workspace_id"), object_type=object_type, object_id=OuterRef(pk), field=field, occurred_at__gt=moment
    ).order_by("occurred_at", "id")
    before_id = Cast(KT("before__id"), BigIntegerField())
    return Case(
        When(Exists(later), then=Subquery(later.annotate(_before=before_id).values("_before")[:1])),
        default=F(current),
        output_field=BigIntegerField(),
    )


def open_leads_at(actor: Member, moment: dt.datetime | None) -> QuerySet[Lead]:
    """Leads open (new, working, nurturing and not archived) now or at a past moment."""
    leads = visible_to(actor, Lead)
    if moment is None:
        return leads.filter(status__in=Lead.OPEN_STATUSES, archived_at__isnull=True)
    events = Event.objects.filter(workspace_id=OuterRef("workspace_id"), object_type=Lead.RECORD_TYPE, object_id=OuterRef("pk"), occurred_at__lte=moment)
    closed = events.filter(event_type__in=[EventType.QUALIFIED, EventType.DISQUALIFIED])
    last_archive = events.filter(event_type__in=[EventType.ARCHIVED, EventType.UNARCHIVED]).order_by("-occurred_at", "-id").values("event_type")[:1]
    return (
        leads.filter(created_at__lte=moment)
        .annotate(_archive_state=Subquery(last_archive))
        .filter(~Exists(closed))
        .filter(Q(_archive_state__isnull=True) | ~Q(_archive_state=EventType.ARCHIVED))
    )
