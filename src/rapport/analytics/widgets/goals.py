"""Goals (SPEC D7): each visible monthly goal, achieved against its target.

The month is the one the period starts in. Achieved is what the goal's member (or their whole
team, for a team goal) won that month: deals won while they owned them, counted or summed in
the base currency at the rate of the day each was won.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rapport.records.filters import stage_change_q
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import team_ids

from ..history import deal_changes, field_at
from ..links import list_link
from ..models import GoalMetric, GoalScope
from ..periods import Period, month_of
from ..selectors import goals_visible_to
from .base import Params, chart, dataset, fmt_count, fmt_money, number, row, widget
from .common import Totals, money_by


@widget(
    "goals",
    title=gettext_lazy("Goals"),
    description=gettext_lazy("Monthly sales targets per member or team, by amount or number of deals won, achieved against target."),
    default_view="list",
    refresh_on=("goal", "deal", "exchangerate"),
)
def goals(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    ws, loc, cur = params.workspace, params.locale, params.workspace.base_currency
    month = month_of(period.first_day, ws.time_zone)
    start, end = params.window(month)
    goal_list = list(goals_visible_to(actor).filter(month=month.first_day).order_by("scope", "member__user__first_name", "member_id", "metric"))
    wins = deal_changes(actor).filter(stage_change_q("won"), changed_at__gte=start, changed_at__lt=end)
    owner = field_at("deal", "owner", params.as_of, "deal__owner_id", pk="deal_id")
    per_owner = money_by(wins.annotate(_owner=owner), ws, "_owner") if goal_list else None

    rows, percents = [], []
    for goal in goal_list:
        members = sorted(team_ids(goal.member)) if goal.scope == GoalScope.TEAM else [goal.member_id]
        achieved = Totals()
        for member_id in members:
            t = per_owner.get(member_id) if per_owner else Totals()
            achieved.count += t.count
            achieved.amount += t.amount
        value = achieved.amount if goal.metric == GoalMetric.AMOUNT else Decimal(achieved.count)
        percent = float(value / goal.target * 100) if goal.target else 0.0
        percents.append(percent)
        if goal.metric == GoalMetric.AMOUNT:
            display = f"{fmt_money(value, cur, loc)} / {fmt_money(goal.target, cur, loc)}"
        else:
            display = f"{fmt_count(int(value), loc)} / {fmt_count(int(goal.target), loc)}"
        name = goal.member.display_name
        label = _("Team of %(name)s") % {"name": name} if goal.scope == GoalScope.TEAM else name
        who = {"team": goal.member_id} if goal.scope == GoalScope.TEAM else {"owner": goal.member_id}
        rows.append(row(
            f"goal:{goal.pk}", label, value, display=display, share=min(percent, 100.0),
            link=None if params.as_of else list_link("deal", history="won", moved_after=start, moved_before=end, **who),
            goal=goal.pk, member=goal.member_id, scope=goal.scope, metric=goal.metric,
            target=goal.target, achieved=value, percent=round(percent, 1), deals=achieved.count,
        ))
    average = round(sum(percents) / len(percents), 1) if percents else None
    return {
        "number": None if average is None else number(
            average, display=f"{fmt_count(round(average), loc)} %",
            label=ngettext("achieved on average, %(n)d goal", "achieved on average, %(n)d goals", len(percents)) % {"n": len(percents)},
            compare=False,
        ),
        "rows": rows,
        "chart": chart("bar", [r["label"] for r in rows], [
            dataset(_("Achieved (%)"), [r["extra"]["percent"] for r in rows], links=[r["link"] for r in rows]),
        ]) if rows else None,
        "extra": {
            "month": month.first_day.isoformat()[:7],
            "unconverted": per_owner.total.unconverted if per_owner else 0,
            "missing_rates": per_owner.missing_rates if per_owner else [],
        },
    }
