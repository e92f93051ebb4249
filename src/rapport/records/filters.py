"""List filters for every record type: one definition serves the API's list endpoints and the
web app's list pages (query parameters with the same names)."""

import datetime as dt
from collections.abc import Collection
from typing import Annotated, Literal

from django.db.models import Exists, F, OuterRef, Q
from ninja import FilterLookup, FilterSchema

from rapport.api import schemas as s
from rapport.core import clock
from rapport.records.models import Activity, DealStatus, Lead, StageChange
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import team_ids

Search = Annotated[s.Text(100) | None, FilterLookup("name__icontains")]

# --- Filters shared with the dashboard's figures (analytics/widgets) ---------------------------------
# A figure and the list its link opens count with these same definitions, so they agree.

HistoryKind = Literal["new", "entered", "left", "won", "lost"]


def stage_change_q(kind: str | None, *, stage: int | None = None, pipeline: int | None = None, pipeline_stages: Collection[int] | None = None) -> Q:
    """Rows of records.StageChange of one kind: a deal created (new), moved into a stage (entered),
    moved out of one (left), won or lost; `stage`/`pipeline` is the stage entered, left or closed in.

    `pipeline_stages`, the ids of every stage of `pipeline` when the caller has them, lets
    PostgreSQL read a period's rows from the (workspace, changed_at) index: with a join, or a
    subquery, on the stage table it intersects the period with every row of each stage instead,
    ten times slower on a large history.
    """
    move = Q(from_stage__isnull=False) & ~Q(from_stage=F("to_stage"))
    kinds = {
        None: Q(),
        "new": Q(from_stage__isnull=True),
        "entered": move,
        "left": move,
        "won": Q(from_status=DealStatus.OPEN, to_status=DealStatus.WON),
        "lost": Q(from_status=DealStatus.OPEN, to_status=DealStatus.LOST),
    }
    q = kinds[kind]
    side = "from_stage" if kind == "left" else "to_stage"
    if stage is not None:
        q &= Q(**{side: stage})
    if pipeline_stages is not None:
        q &= Q(**{f"{side}__in": sorted(pipeline_stages)})
    elif pipeline is not None:
        q &= Q(**{f"{side}__pipeline": pipeline})
    return q


def open_task_q(prefix: str = "") -> Q:
    """An activity with a due time that is not done yet (a task, call or meeting to do)."""
    return Q(**{f"{prefix}due_at__isnull": False, f"{prefix}done_at__isnull": True})


def late_q(now) -> Q:
    """Due before `now` and not done by its due time: still open, or done after it (SPEC D4)."""
    return Q(due_at__lt=now) & (Q(done_at__isnull=True) | Q(done_at__gt=F("due_at")))


def team_q(member_id: int, field: str = "owner_id") -> Q:
    """Owned by the member or anyone below them in the org chart."""
    member = Member.objects.filter(pk=member_id).first()
    return Q(**{f"{field}__in": sorted(team_ids(member))}) if member else Q(pk__in=[])


def without_open_task_q(link: str) -> Q:
    # A Q, not the bare expression: `~` and `&` with the other filters' Qs must give Qs.
    return Q(~Exists(Activity.objects.filter(open_task_q(), **{link: OuterRef("pk")})))


class AccountFilter(FilterSchema):
    q: Annotated[s.Text(100) | None, FilterLookup(["name__icontains", "organisation__icontains", "city__icontains"])] = None
    kind: s.AccountKind | None = None
    owner: s.Id | None = None
    parent: s.Id | None = None
    city: Annotated[s.Text(100) | None, FilterLookup("city__iexact")] = None
    country: Annotated[s.Text(2) | None, FilterLookup("country__iexact")] = None
    industry: Annotated[s.Text(80) | None, FilterLookup("industry__iexact")] = None
    tag: Annotated[s.Id | None, FilterLookup("tags")] = None
    group: Annotated[s.Id | None, FilterLookup("groups")] = None
    is_global: bool | None = None
    archived: bool | None = None

    def filter_archived(self, value: bool | None):
        return Q() if value is None else Q(archived_at__isnull=not value)


class ContactFilter(FilterSchema):
    q: Annotated[s.Text(100) | None, FilterLookup(["first_name__icontains", "last_name__icontains", "job_title__icontains"])] = None
    account: s.Id | None = None
    owner: s.Id | None = None
    contact_type: s.Text(60) | None = None
    tag: Annotated[s.Id | None, FilterLookup("tags")] = None


class LeadFilter(FilterSchema):
    q: Annotated[s.Text(100) | None, FilterLookup(["title__icontains", "company__icontains", "last_name__icontains", "email__icontains"])] = None
    status: Literal["new", "working", "nurturing", "qualified", "disqualified"] | None = None
    source: s.LeadSource | None = None
    priority: s.LeadPriority | None = None
    owner: s.Id | None = None
    unassigned: Annotated[bool | None, FilterLookup("owner__isnull")] = None
    account: s.Id | None = None
    archived: bool | None = None
    created_after: Annotated[s.Moment | None, FilterLookup("created_at__gte")] = None
    created_before: Annotated[s.Moment | None, FilterLookup("created_at__lt")] = None
    tag: Annotated[s.Id | None, FilterLookup("tags")] = None
    open: bool | None = None
    team: s.Id | None = None
    without_open_task: bool | None = None

    def filter_archived(self, value: bool | None):
        return Q() if value is None else Q(archived_at__isnull=not value)

    def filter_open(self, value: bool | None):
        is_open = Q(status__in=Lead.OPEN_STATUSES, archived_at__isnull=True)
        return Q() if value is None else is_open if value else ~is_open

    def filter_team(self, value: int | None):
        return Q() if value is None else team_q(value)

    def filter_without_open_task(self, value: bool | None):
        return Q() if value is None else without_open_task_q("lead") if value else ~without_open_task_q("lead")


class DealFilter(FilterSchema):
    q: Search = None
    pipeline: s.Id | None = None
    stage: s.Id | None = None
    status: Literal["open", "won", "lost"] | None = None
    owner: s.Id | None = None
    account: s.Id | None = None
    currency: s.Currency | None = None
    amount_min: Annotated[s.Money | None, FilterLookup("amount__gte")] = None
    amount_max: Annotated[s.Money | None, FilterLookup("amount__lte")] = None
    expected_close_after: Annotated[dt.date | None, FilterLookup("expected_close__gte")] = None
    expected_close_before: Annotated[dt.date | None, FilterLookup("expected_close__lte")] = None
    tag: Annotated[s.Id | None, FilterLookup("tags")] = None
    team: s.Id | None = None
    without_open_task: bool | None = None
    # Stage history (one records.StageChange row each): deals that moved into / out of a stage,
    # or were created, won or lost (history=...), between moved_after and moved_before.
    moved_to_stage: s.Id | None = None
    moved_from_stage: s.Id | None = None
    history: HistoryKind | None = None
    history_stage: s.Id | None = None
    history_pipeline: s.Id | None = None
    moved_after: s.Moment | None = None
    moved_before: s.Moment | None = None

    def filter_team(self, value: int | None):
        return Q() if value is None else team_q(value)

    def filter_moved_to_stage(self, value):  # the history filters are applied together below
        return Q()

    filter_moved_from_stage = filter_history = filter_history_stage = filter_history_pipeline = filter_moved_to_stage
    filter_moved_after = filter_moved_before = filter_moved_to_stage

    def filter_without_open_task(self, value: bool | None):
        return Q() if value is None else without_open_task_q("deal") if value else ~without_open_task_q("deal")

    def _stage_history(self, q: Q) -> Q:
        window = Q()
        if self.moved_after is not None:
            window &= Q(changed_at__gte=self.moved_after)
        if self.moved_before is not None:
            window &= Q(changed_at__lt=self.moved_before)
        return Q(Exists(StageChange.objects.filter(q, window, deal=OuterRef("pk"))))

    def get_filter_expression(self) -> Q:
        q = super().get_filter_expression()
        if self.moved_to_stage is not None or self.moved_from_stage is not None:
            move = stage_change_q("entered", stage=self.moved_to_stage)
            if self.moved_from_stage is not None:
                move &= Q(from_stage=self.moved_from_stage)
            q &= self._stage_history(move)
        if self.history is not None or self.history_stage is not None or self.history_pipeline is not None:
            q &= self._stage_history(stage_change_q(self.history, stage=self.history_stage, pipeline=self.history_pipeline))
        elif self.moved_to_stage is None and self.moved_from_stage is None and (self.moved_after or self.moved_before):
            q &= self._stage_history(Q())
        return q


class ActivityFilter(FilterSchema):
    q: Annotated[s.Text(100) | None, FilterLookup(["subject__icontains", "body__icontains"])] = None
    kind: s.ActivityKind | None = None
    owner: s.Id | None = None
    account: s.Id | None = None
    contact: s.Id | None = None
    lead: s.Id | None = None
    deal: s.Id | None = None
    done: bool | None = None
    due_before: Annotated[s.Moment | None, FilterLookup("due_at__lt")] = None
    due_after: Annotated[s.Moment | None, FilterLookup("due_at__gte")] = None
    direction: Literal["inbound", "outbound"] | None = None
    category: s.Text(60) | None = None
    team: s.Id | None = None
    done_after: Annotated[s.Moment | None, FilterLookup("done_at__gte")] = None
    done_before: Annotated[s.Moment | None, FilterLookup("done_at__lt")] = None
    created_after: Annotated[s.Moment | None, FilterLookup("created_at__gte")] = None
    created_before: Annotated[s.Moment | None, FilterLookup("created_at__lt")] = None
    scheduled: bool | None = None
    late: bool | None = None
    on_time: bool | None = None

    def filter_done(self, value: bool | None):
        return Q() if value is None else Q(done_at__isnull=not value)

    def filter_team(self, value: int | None):
        return Q() if value is None else team_q(value)

    def filter_scheduled(self, value: bool | None):
        return Q() if value is None else Q(due_at__isnull=not value)

    def filter_late(self, value: bool | None):
        return Q() if value is None else late_q(clock.now()) if value else ~late_q(clock.now())

    def filter_on_time(self, value: bool | None):
        on_time = Q(done_at__isnull=False, due_at__isnull=False, done_at__lte=F("due_at"))
        return Q() if value is None else on_time if value else ~on_time


