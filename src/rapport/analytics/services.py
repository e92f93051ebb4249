"""Writes of the analytics app: monthly sales goals (SPEC D7, P6).

Administrators set any member's or team's goal; a manager sets the goals of the people below
them in the org chart (and of their teams), not their own; sellers set none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rapport.core import clock
from rapport.core.errors import Conflict, PermissionDenied
from rapport.events import log
from rapport.events.models import EventType
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import team_ids

from .models import Goal, GoalMetric, GoalScope

MAX_TARGET = Decimal("999999999999.99")


def may_set_goal_for(actor: Member, member: Member) -> bool:
    if not actor.is_active or actor.workspace_id != member.workspace_id:
        return False
    return actor.is_admin or (member.pk != actor.pk and member.pk in team_ids(actor))


def _month(value: Any) -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value if len(value) > 7 else f"{value}-01")
        except ValueError:
            value = None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({"month": _("Give the month as YYYY-MM.")})
    return value.replace(day=1)


def _target(value: Any) -> Decimal:
    try:
        target = Decimal(str(value))
        if not target.is_finite() or target <= 0 or target > MAX_TARGET or target != target.quantize(Decimal("0.01")):
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"target": _("Give a positive target with at most 2 decimals.")}) from None
    return target


def _member(actor: Member, value: Any) -> Member:
    member_id = getattr(value, "pk", value)
    member = Member.objects.select_related("user").filter(workspace_id=actor.workspace_id, pk=member_id).first() if isinstance(member_id, int) else None
    if member is None:
        raise ValidationError({"member": _("No member with id %(id)s in this workspace.") % {"id": value}})
    return member


@transaction.atomic
def goal_create(*, actor: Member, data: Mapping[str, Any]) -> Goal:
    unknown = set(data) - {"member", "scope", "metric", "month", "target"}
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    member = _member(actor, data.get("member"))
    if not may_set_goal_for(actor, member):
        raise PermissionDenied(_("You may not set goals for this member."))
    scope = data.get("scope") or GoalScope.MEMBER
    metric = data.get("metric") or GoalMetric.AMOUNT
    errors = {}
    if scope not in GoalScope.values:
        errors["scope"] = _("Choose member or team.")
    if metric not in GoalMetric.values:
        errors["metric"] = _("Choose amount or count.")
    if errors:
        raise ValidationError(errors)
    target = _target(data.get("target"))
    if metric == GoalMetric.COUNT and target != target.to_integral_value():
        raise ValidationError({"target": _("A number of deals is a whole number.")})
    now = clock.now()
    goal = Goal(
        workspace_id=actor.workspace_id, member=member, scope=scope, metric=metric, month=_month(data.get("month")),
        target=target, created_at=now, updated_at=now, created_by=actor,
    )
    goal.full_clean(exclude=["member", "created_by", "workspace"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            goal.save()
    except IntegrityError:
        raise Conflict(_("This member already has this goal for that month; change its target instead.")) from None
    log.log(actor, goal, EventType.CREATED, after={"member": member, "scope": scope, "metric": metric, "month": goal.month, "target": target})
    return goal


@transaction.atomic
def goal_update(*, actor: Member, goal: Goal, data: Mapping[str, Any]) -> Goal:
    """Change a goal's target (the member, month and measure make up the goal)."""
    unknown = set(data) - {"target"}
    if unknown:
        raise ValidationError({name: _("Only the target of a goal changes.") for name in sorted(unknown)})
    if not may_set_goal_for(actor, goal.member):
        raise PermissionDenied(_("You may not change this goal."))
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if "target" in data:
        target = _target(data["target"])
        if goal.metric == GoalMetric.COUNT and target != target.to_integral_value():
            raise ValidationError({"target": _("A number of deals is a whole number.")})
        if target != goal.target:
            before, goal.target, goal.updated_at = goal.target, target, clock.now()
            goal.save(update_fields=["target", "updated_at"])
            log.log(actor, goal, EventType.FIELD_CHANGED, field="target", before=before, after=target)
    return goal


@transaction.atomic
def goal_delete(*, actor: Member, goal: Goal) -> None:
    if not may_set_goal_for(actor, goal.member):
        raise PermissionDenied(_("You may not delete this goal."))
    log.log(actor, goal, EventType.DELETED, before={"member": goal.member, "scope": goal.scope, "metric": goal.metric, "month": goal.month, "target": goal.target})
    goal.delete()
