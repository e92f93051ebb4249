"""The analytics API: dashboard widgets at /api/v1/dashboard (SPEC D2-D19) and goals at /api/v1/goals (D7).

The widget contract is written out in analytics/widgets/base.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import FilterSchema, Query, Router, Schema
from pydantic import Field

from rapport.api import schemas as s
from rapport.api.crud import actor_of
from rapport.core import clock
from rapport.core.errors import NotFound
from rapport.records.models import Pipeline
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

from . import services
from .models import GoalMetric, GoalScope
from .periods import PERIODS, resolve_period
from .selectors import get_goal, goals_visible_to
from .widgets import REGISTRY, Params, catalogue, compute, refresh_map

router = Router(tags=["dashboard"])
goal_router = Router(tags=["goals"])

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class WidgetOut(Schema):
    key: str
    title: str
    description: str
    views: list[str]
    default_view: str
    uses_pipeline: bool


class PeriodOut(Schema):
    start: dt.datetime
    end: dt.datetime = Field(description="Exclusive: the first moment after the period.")
    label: str
    time_zone: str


Num = int | float


class NumberOut(Schema):
    value: Num | None
    display: str
    label: str
    link: str | None
    previous: Num | None
    change_percent: Num | None


class RowOut(Schema):
    key: str
    label: str
    value: Num | None
    display: str
    share: Num | None = Field(description="0-100, e.g. a lead source relative to the largest.")
    link: str | None
    extra: dict[str, Any]


class DatasetOut(Schema):
    label: str
    data: list[Num | None]
    links: list[str | None] | None
    style: Literal["primary", "muted", "band-low", "band-high"]


class ChartOut(Schema):
    type: Literal["bar", "line", "doughnut"]
    labels: list[str]
    datasets: list[DatasetOut]


class WidgetAnswer(Schema):
    """One widget's figures: the contract of analytics/widgets/base.py."""

    key: str
    title: str
    period: PeriodOut
    as_of: dt.datetime | None
    currency: str
    number: NumberOut | None
    rows: list[RowOut]
    chart: ChartOut | None
    extra: dict[str, Any]


class WidgetQuery(Schema):
    period: Literal[PERIODS] = Field("month", description="today, yesterday, week, month or custom (with start and end).")  # type: ignore[valid-type]
    start: dt.date | None = Field(None, description="First day of a custom period (YYYY-MM-DD).")
    end: dt.date | None = Field(None, description="Last day of a custom period, included (YYYY-MM-DD).")
    pipeline: s.Id | None = None
    as_of: dt.datetime | None = Field(None, description="Time travel: the widget as it stood at this moment (ISO 8601).")
    days: Annotated[int, Field(ge=1, le=365)] | None = Field(None, description="Forecast horizon in days (default 30).")


def _as_of(actor: Member, value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:  # a wall-clock time in the workspace's zone
        value = value.replace(tzinfo=ZoneInfo(actor.workspace.time_zone))
    try:
        value = value.astimezone(dt.UTC)
    except OverflowError:
        raise ValidationError({"as_of": _("Give a moment between the years 2000 and now.")}) from None
    if value > clock.now():
        raise ValidationError({"as_of": _("Time travel goes to the past: this moment is in the future.")})
    if value < EARLIEST:
        raise ValidationError({"as_of": _("Give a moment between the years 2000 and now.")})
    return value


@router.get("/widgets", response=list[WidgetOut], operation_id="dashboard_widget_list", summary="The widget catalogue")
def widget_list(request: HttpRequest):
    return catalogue()


@router.get("/refresh-map", response=dict[str, list[str]], operation_id="dashboard_refresh_map", summary="Which widgets to re-fetch per changed object type")
def widget_refresh_map(request: HttpRequest):
    """For the real-time bus: {object_type: [widget keys]} (see analytics/widgets/base.py)."""
    return refresh_map()


@router.get("/widgets/{key}", response=WidgetAnswer, operation_id="dashboard_widget_get", summary="One widget's figures")
def widget_get(request: HttpRequest, key: str, query: Query[WidgetQuery]):
    """Number, rows and chart of one widget for the period, pipeline and as-of moment asked for."""
    actor = actor_of(request)
    if key not in REGISTRY:
        raise NotFound(_("There is no widget %(key)r.") % {"key": key[:50]})
    as_of = _as_of(actor, query.as_of)
    pipeline = None
    if query.pipeline is not None:
        pipeline = visible_to(actor, Pipeline).filter(pk=query.pipeline).first()
        if pipeline is None:
            raise ValidationError({"pipeline": _("No pipeline with id %(id)s in this workspace.") % {"id": query.pipeline}})
    workspace = actor.workspace
    now = clock.now()
    period = resolve_period(query.period, time_zone=workspace.time_zone, at=as_of or now, start=query.start, end=query.end)
    options = {"days": query.days} if query.days else {}
    return compute(actor, key, period, Params(workspace=workspace, pipeline=pipeline, as_of=as_of, now=now, options=options))


# --- goals ---------------------------------------------------------------------------------------

Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Target = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


class GoalIn(s.In):
    member: s.Id
    scope: Literal[tuple(GoalScope.values)] = GoalScope.MEMBER.value  # type: ignore[valid-type]
    metric: Literal[tuple(GoalMetric.values)] = GoalMetric.AMOUNT.value  # type: ignore[valid-type]
    month: Month
    target: Target


class GoalPatch(s.In):
    target: Target


class GoalOut(Schema):
    id: int
    member: int = Field(alias="member_id")
    member_name: str
    scope: str
    metric: str
    month: str
    target: Decimal
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.display_name

    @staticmethod
    def resolve_month(obj) -> str:
        return obj.month.isoformat()[:7]


class GoalFilter(FilterSchema):
    month: Month | None = None
    member: s.Id | None = None
    scope: Literal[tuple(GoalScope.values)] | None = None  # type: ignore[valid-type]

    def filter_month(self, value: str | None):
        return Q() if value is None else Q(month=dt.date.fromisoformat(f"{value}-01"))


@goal_router.get("", response=list[GoalOut], operation_id="goal_list", summary="List goals")
def goal_list(request: HttpRequest, filters: Query[GoalFilter]):
    """Goals of the caller and the people below them (all goals for an administrator), by month."""
    return list(filters.filter(goals_visible_to(actor_of(request))).order_by("-month", "member_id", "scope", "metric")[:1000])


@goal_router.post("", response={201: GoalOut}, operation_id="goal_create", summary="Set a goal")
def goal_create(request: HttpRequest, payload: GoalIn):
    actor = actor_of(request)
    goal = services.goal_create(actor=actor, data=payload.model_dump())
    return 201, get_goal(actor, goal.pk)


@goal_router.get("/{int:goal_id}", response=GoalOut, operation_id="goal_get")
def goal_get(request: HttpRequest, goal_id: int):
    return get_goal(actor_of(request), goal_id)


@goal_router.patch("/{int:goal_id}", response=GoalOut, operation_id="goal_update", summary="Change a goal's target")
def goal_update(request: HttpRequest, goal_id: int, payload: GoalPatch):
    actor = actor_of(request)
    services.goal_update(actor=actor, goal=get_goal(actor, goal_id), data=payload.model_dump(exclude_unset=True))
    return get_goal(actor, goal_id)


@goal_router.delete("/{int:goal_id}", response={204: None}, operation_id="goal_delete")
def goal_delete(request: HttpRequest, goal_id: int):
    actor = actor_of(request)
    services.goal_delete(actor=actor, goal=get_goal(actor, goal_id))
    return 204, None
