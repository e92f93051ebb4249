"""Tasks (SPEC D4) and activity (D8): scheduled activities, late, current, done on time, done per person.

A task here is any activity with a due time (a task, a call or a meeting to make), as in the
original, where "all kinds" of tasks count.

- overdue: due in the period, already past due, and not done by its due time: still open, or
  done after it (SPEC: "including tasks completed after their due time");
- current: open right now (or at the as-of moment), whatever their due time;
- completed on time: done in the period, no later than their due time;
- deals and leads without an open task: open right now, and no open task is linked to them
  (whoever owns the task: a deal someone is working on is not idle);
- activity: tasks done in the period per owner and kind, late ones included.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.records.filters import late_q, open_task_q
from rapport.records.models import Activity, ActivityKind
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

from ..history import open_deals_at, open_leads_at
from ..links import list_link
from ..periods import Period
from .base import Params, chart, dataset, fmt_count, number, row, widget
from .common import counts_by, member_names

KIND_LABELS = dict(ActivityKind.choices)


def _open_at(moment: Any) -> Q:
    """Open tasks: now (done_at empty), or at a past moment (created by then, done after it)."""
    if moment is None:
        return open_task_q()
    return Q(due_at__isnull=False, created_at__lte=moment) & (Q(done_at__isnull=True) | Q(done_at__gt=moment))


@widget(
    "tasks",
    title=gettext_lazy("Tasks"),
    description=gettext_lazy("Overdue tasks (also those done late), current open tasks, tasks done on time, and deals and leads without an open task."),
    default_view="list",
    refresh_on=("activity", "deal", "lead"),
)
def tasks(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc = params.locale
    start, end = params.window(period)
    moment = params.as_of or params.now
    scheduled = visible_to(actor, Activity).filter(due_at__isnull=False)
    if params.as_of:
        scheduled = scheduled.filter(created_at__lte=params.as_of)
    late_end = min(end, moment)
    overdue = scheduled.filter(late_q(moment), due_at__gte=start, due_at__lt=late_end).count()
    current = scheduled.filter(_open_at(params.as_of)).count()
    on_time = scheduled.filter(done_at__gte=start, done_at__lt=end, done_at__lte=F("due_at")).count()

    # No workspace term: an activity links only to records of its own workspace (the services
    # resolve links through visible_to), as in the lists' without_open_task filter. Without it
    # the open-task ids are read from the partial indexes activity_open_deal / activity_open_lead
    # alone (non-null ids only) and hashed against the open records' ids (deal_ws_open,
    # lead_ws_open, index-only too): a hash anti-join instead of a heap visit per open task.
    task_exists = Activity.objects.filter(_open_at(params.as_of))
    idle_deals = open_deals_at(actor, params.as_of).filter(
        ~Exists(task_exists.filter(deal_id__isnull=False, deal_id=OuterRef("deal_id")))
    ).count()
    idle_leads = open_leads_at(actor, params.as_of).filter(
        ~Exists(task_exists.filter(lead_id__isnull=False, lead_id=OuterRef("pk")))
    ).count()

    past = params.as_of is not None  # lists show the present: no links to past states
    links = {
        "overdue": None if past else list_link("activity", scheduled=True, late=True, due_after=start, due_before=late_end),
        "current": None if past else list_link("activity", scheduled=True, done=False),
        "completed": list_link("activity", scheduled=True, on_time=True, done_after=start, done_before=end),
        "idle_deals": None if past else list_link("deal", status="open", without_open_task=True),
        "idle_leads": None if past else list_link("lead", open=True, without_open_task=True),
    }
    figures = [
        ("overdue", _("Overdue"), overdue),
        ("current", _("Current"), current),
        ("completed", _("Completed on time"), on_time),
        ("idle_deals", _("Deals without a task"), idle_deals),
        ("idle_leads", _("Leads without a task"), idle_leads),
    ]
    rows = [row(key, label, value, display=fmt_count(value, loc), link=links[key]) for key, label, value in figures]
    return {
        "number": number(overdue, display=fmt_count(overdue, loc), label=_("overdue tasks"), link=links["overdue"], compare=False),
        "rows": rows,
        "chart": chart("bar", [label for _k, label, _v in figures], [
            dataset(_("Tasks"), [value for _k, _l, value in figures], links=[links[key] for key, _l, _v in figures]),
        ]),
        "extra": {key: value for key, _l, value in figures},
    }


@widget(
    "activity",
    title=gettext_lazy("Activity"),
    description=gettext_lazy("Tasks completed in the period per member and kind, late ones included."),
    default_view="chart",
    refresh_on=("activity",),
)
def activity(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc = params.locale
    start, end = params.window(period)
    done = visible_to(actor, Activity).filter(due_at__isnull=False, done_at__gte=start, done_at__lt=end)
    per = counts_by(done, "owner", "kind")
    prev_start, prev_end = params.window(period.previous())
    previous = visible_to(actor, Activity).filter(due_at__isnull=False, done_at__gte=prev_start, done_at__lt=prev_end).count()
    owners = sorted({o for o, _k in per}, key=lambda o: -sum(n for (oo, _k), n in per.items() if oo == o))
    kinds = [k for k in KIND_LABELS if any(kk == k for _o, kk in per)]
    names = member_names(owners)

    def link(**filters: Any) -> str:
        return list_link("activity", scheduled=True, done_after=start, done_before=end, **filters)

    rows = []
    for owner in owners:
        by_kind = {k: per.get((owner, k), 0) for k in kinds}
        total = sum(by_kind.values())
        rows.append(row(
            f"member:{owner or 0}", names.get(owner, "?"), total, display=fmt_count(total, loc),
            link=link(owner=owner) if owner else None, member=owner,
            kinds={k: {"count": n, "label": str(KIND_LABELS[k]), "link": link(owner=owner, kind=k) if owner else None} for k, n in by_kind.items()},
        ))
    total = sum(per.values())
    return {
        "number": number(total, display=fmt_count(total, loc), label=_("tasks completed"), link=link(), previous=previous),
        "rows": rows,
        "chart": chart("bar", [names.get(o, "?") for o in owners], [
            dataset(KIND_LABELS[k], [per.get((o, k), 0) for o in owners], links=[link(owner=o, kind=k) if o else None for o in owners])
            for k in kinds
        ]),
        "extra": {"kinds": {k: str(KIND_LABELS[k]) for k in kinds}},
    }
