"""Calls (SPEC D11) and notes added (D12), counted on the activity table.

A call counts in the period it ended in (its done time: logged calls and those reported by the
telephony intake are done when they end). A note counts when it was written.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.records.models import Activity, ActivityKind
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

from ..links import detail_link, list_link
from ..periods import Period
from .base import Params, chart, dataset, fmt_count, number, row, widget
from .common import by_local_day, counts_by, member_names

LATEST_NOTES = 10


def _activities(actor: Member, params: Params, kind: str):
    qs = visible_to(actor, Activity).filter(kind=kind)
    # Travelling in time: a call reported after the moment was not known at that moment.
    return qs.filter(created_at__lte=params.as_of) if params.as_of else qs


@widget(
    "calls",
    title=gettext_lazy("Calls"),
    description=gettext_lazy("Incoming and outgoing calls of the period, per member."),
    default_view="chart",
    refresh_on=("activity",),
)
def calls(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc = params.locale
    start, end = params.window(period)
    made = _activities(actor, params, ActivityKind.CALL).filter(done_at__gte=start, done_at__lt=end)
    per = counts_by(made, "owner", "direction")
    prev_start, prev_end = params.window(period.previous())
    previous = _activities(actor, params, ActivityKind.CALL).filter(done_at__gte=prev_start, done_at__lt=prev_end).count()
    owners = sorted({o for o, _d in per}, key=lambda o: (-sum(n for (oo, _d), n in per.items() if oo == o), o or 0))
    names = member_names(owners)

    def link(**filters: Any) -> str:
        return list_link("activity", kind="call", done_after=start, done_before=end, created_before=params.as_of, **filters)

    rows = []
    for owner in owners:
        inbound, outbound = per.get((owner, "inbound"), 0), per.get((owner, "outbound"), 0)
        total = sum(n for (o, _d), n in per.items() if o == owner)
        rows.append(row(
            f"member:{owner or 0}", names.get(owner, "?"), total,
            display=_("%(in)s in · %(out)s out") % {"in": fmt_count(inbound, loc), "out": fmt_count(outbound, loc)},
            link=link(owner=owner) if owner else None, member=owner,
            inbound=inbound, outbound=outbound,
            inbound_link=link(owner=owner, direction="inbound") if owner else None,
            outbound_link=link(owner=owner, direction="outbound") if owner else None,
        ))
    inbound = sum(n for (_o, d), n in per.items() if d == "inbound")
    outbound = sum(n for (_o, d), n in per.items() if d == "outbound")
    total = sum(per.values())
    return {
        "number": number(total, display=fmt_count(total, loc), label=_("calls"), link=link(), previous=previous),
        "rows": rows,
        "chart": chart("bar", [r["label"] for r in rows], [
            dataset(_("Incoming"), [r["extra"]["inbound"] for r in rows], links=[r["extra"]["inbound_link"] for r in rows]),
            dataset(_("Outgoing"), [r["extra"]["outbound"] for r in rows], links=[r["extra"]["outbound_link"] for r in rows], style="muted"),
        ]),
        "extra": {
            "inbound": inbound, "outbound": outbound,
            "inbound_link": link(direction="inbound"), "outbound_link": link(direction="outbound"),
        },
    }


@widget(
    "notes",
    title=gettext_lazy("Notes"),
    description=gettext_lazy("Notes added in the period, per member, and the latest ones."),
    refresh_on=("activity",),
)
def notes(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc, ws = params.locale, params.workspace
    start, end = params.window(period)
    added = _activities(actor, params, ActivityKind.NOTE).filter(created_at__gte=start, created_at__lt=end)
    per_owner = counts_by(added, "owner")
    prev = period.previous()
    prev_start, prev_end = params.window(prev)
    previous = _activities(actor, params, ActivityKind.NOTE).filter(created_at__gte=prev_start, created_at__lt=prev_end)
    daily = counts_by(by_local_day(added, "created_at", ws.time_zone), "_day")
    previous_daily = counts_by(by_local_day(previous, "created_at", ws.time_zone), "_day")
    latest = list(added.order_by("-created_at", "-id").values("id", "subject", "body", "owner_id", "created_at")[:LATEST_NOTES])
    names = member_names([*per_owner, *(n["owner_id"] for n in latest)])

    def link(**filters: Any) -> str:
        return list_link("activity", kind="note", created_after=start, created_before=end, **filters)

    rows = [
        row(f"member:{owner or 0}", names.get(owner, "?"), n, display=fmt_count(n, loc), link=link(owner=owner) if owner else None, member=owner)
        for owner, n in sorted(per_owner.items(), key=lambda kv: (-kv[1], kv[0] or 0))
    ]
    total = sum(per_owner.values())
    days, prev_days = period.days(), prev.days()
    return {
        "number": number(total, display=fmt_count(total, loc), label=_("notes added"), link=link(), previous=sum(previous_daily.values())),
        "rows": rows,
        "chart": chart("line", [d.isoformat() for d in days], [
            dataset(_("Notes"), [daily.get(d, 0) for d in days]),
            dataset(_("Previous period"), [previous_daily.get(d, 0) for d in prev_days], style="muted"),
        ]),
        "extra": {
            "latest": [
                {
                    "id": n["id"], "text": (n["body"] or n["subject"])[:200], "author": names.get(n["owner_id"], ""),
                    "created_at": n["created_at"].isoformat(), "link": detail_link("activity", n["id"]),
                }
                for n in latest
            ],
        },
    }
