"""System usage (SPEC D14): hours each member had the app focused and online, against the previous period.

Intervals come from the web app's heartbeats (intake/services/usage.py); only the part of each
interval inside the period counts, so a session across midnight is split between the two days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import DurationField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Greatest, Least
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.intake.selectors import members_visible_to, usage_visible_to
from rapport.workspaces.models import Member

from ..periods import Period
from .base import Params, change_percent, chart, dataset, fmt_hours, number, row, widget


def hours_by_member(actor: Member, start: dt.datetime, end: dt.datetime) -> dict[int, float]:
    if end <= start:
        return {}
    inside = ExpressionWrapper(
        Least(F("ended_at"), Value(end)) - Greatest(F("started_at"), Value(start)), output_field=DurationField()
    )
    rows = (
        usage_visible_to(actor).filter(started_at__lt=end, ended_at__gt=start)
        .order_by().values("member").annotate(total=Sum(inside))
    )
    return {r["member"]: (r["total"] or dt.timedelta()).total_seconds() / 3600 for r in rows}


@widget(
    "system_usage",
    title=gettext_lazy("System usage"),
    description=gettext_lazy("Hours each member spent in the app (window focused and online) and the change against the previous period."),
    default_view="list",
    refresh_on=("usageinterval",),
)
def system_usage(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc = params.locale
    current = hours_by_member(actor, *params.window(period))
    previous = hours_by_member(actor, *params.window(period.previous()))
    members = list(members_visible_to(actor).filter(is_active=True).select_related("user"))
    members.sort(key=lambda m: (-current.get(m.pk, 0.0), -previous.get(m.pk, 0.0), m.display_name))
    rows = []
    for member in members:
        now_h, before_h = current.get(member.pk, 0.0), previous.get(member.pk, 0.0)
        rows.append(row(
            f"member:{member.pk}", member.display_name, round(now_h, 2), display=fmt_hours(now_h, loc),
            member=member.pk, previous=round(before_h, 2), change_percent=change_percent(now_h, before_h),
        ))
    total, total_before = sum(current.values()), sum(previous.values())
    return {
        "number": number(round(total, 2), display=fmt_hours(total, loc), label=_("hours in the app"), previous=round(total_before, 2)),
        "rows": rows,
        "chart": chart("bar", [r["label"] for r in rows], [
            dataset(_("This period"), [r["value"] for r in rows]),
            dataset(_("Previous period"), [r["extra"]["previous"] for r in rows], style="muted"),
        ]),
        "extra": {"unit": "hours"},
    }
