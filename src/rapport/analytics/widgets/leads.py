"""Lead sources (SPEC D5) and leads per user (D6).

Lead sources: new leads of the period per source; the largest source is 100% and the others are
shown relative to it, as in the original. Leads per user: open leads per owner, largest first,
up to 11 owners, with the unassigned ones under the robot owner; each row also carries the
owner's open deals.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.records.models import Lead, LeadSource
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

from ..history import field_at, open_deals_at, open_leads_at
from ..links import list_link
from ..periods import Period
from .base import Params, chart, dataset, fmt_count, number, row, share_of_largest, widget
from .common import counts_by, member_names

MAX_USERS = 11
SOURCE_LABELS = dict(LeadSource.choices)


@widget(
    "lead_sources",
    title=gettext_lazy("Lead sources"),
    description=gettext_lazy("New leads of the period per source; the largest source is 100%."),
    default_view="chart",
    refresh_on=("lead",),
)
def lead_sources(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc = params.locale
    start, end = params.window(period)
    per_source = counts_by(visible_to(actor, Lead).filter(created_at__gte=start, created_at__lt=end), "source")
    prev_start, prev_end = params.window(period.previous())
    previous = visible_to(actor, Lead).filter(created_at__gte=prev_start, created_at__lt=prev_end).count()
    ordered = sorted(per_source.items(), key=lambda kv: (-kv[1], kv[0]))
    shares = share_of_largest([n for _s, n in ordered])

    def link(**filters: Any) -> str:
        return list_link("lead", created_after=start, created_before=end, **filters)

    rows = [
        row(f"source:{source}", SOURCE_LABELS.get(source, source), n, display=fmt_count(n, loc), share=share, link=link(source=source), source=source)
        for (source, n), share in zip(ordered, shares, strict=True)
    ]
    total = sum(per_source.values())
    return {
        "number": number(total, display=fmt_count(total, loc), label=_("new leads"), link=link(), previous=previous),
        "rows": rows,
        "chart": chart("doughnut", [r["label"] for r in rows], [
            dataset(_("Share of the largest source (%)"), [r["share"] for r in rows], links=[r["link"] for r in rows]),
        ]),
        "extra": {"counts": {source: n for source, n in ordered}},
    }


@widget(
    "leads_per_user",
    title=gettext_lazy("Leads per user"),
    description=gettext_lazy("Open leads per owner, largest first, up to 11 owners; unassigned leads under the robot owner. Open deals beside them."),
    default_view="list",
    refresh_on=("lead", "deal"),
)
def leads_per_user(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc, moment = params.locale, params.as_of
    leads = open_leads_at(actor, moment).annotate(_owner=field_at("lead", "owner", moment, "owner_id"))
    deals = open_deals_at(actor, moment).annotate(_owner=field_at("deal", "owner", moment, "owner_id" if moment is None else "deal__owner_id", pk="deal_id"))
    lead_counts = counts_by(leads, "_owner")
    deal_counts = counts_by(deals, "_owner")
    owners = sorted(set(lead_counts) | set(deal_counts), key=lambda o: (-lead_counts.get(o, 0), -deal_counts.get(o, 0), o or 0))
    shown, others = owners[:MAX_USERS], owners[MAX_USERS:]
    names = member_names(shown)
    past = moment is not None

    def lead_link(owner: int | None) -> str | None:
        if past:
            return None
        return list_link("lead", open=True, unassigned=True) if owner is None else list_link("lead", open=True, owner=owner)

    def deal_link(owner: int | None) -> str | None:
        return None if past or owner is None else list_link("deal", status="open", owner=owner)

    rows = [
        row(f"member:{owner or 0}", names.get(owner, "?"), lead_counts.get(owner, 0), display=fmt_count(lead_counts.get(owner, 0), loc),
            link=lead_link(owner), member=owner, robot=owner is None,
            deals=deal_counts.get(owner, 0), deals_link=deal_link(owner))
        for owner in shown
    ]
    total = sum(lead_counts.values())
    return {
        "number": number(total, display=fmt_count(total, loc), label=_("open leads"), link=None if past else list_link("lead", open=True), compare=False),
        "rows": rows,
        "chart": chart("bar", [r["label"] for r in rows], [
            dataset(_("Open leads"), [r["value"] for r in rows], links=[r["link"] for r in rows]),
            dataset(_("Open deals"), [r["extra"]["deals"] for r in rows], links=[r["extra"]["deals_link"] for r in rows], style="muted"),
        ]),
        "extra": {
            "other_owners": len(others),
            "other_leads": sum(lead_counts.get(o, 0) for o in others),
            "open_deals": sum(deal_counts.values()),
        },
    }
