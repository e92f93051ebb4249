"""Pipeline dynamics (SPEC D3) and won deals (D13), counted on the stage-change table.

Rules of the original, as the stage-change rows express them (records/models/deals.py):

- a move from stage A to B in the period counts +1 and +amount on B ("entered") and -1 and
  -amount on A ("left"), at the deal's amount when it moved; a move to another pipeline leaves
  the stage of the old one and enters a stage of the new one;
- deals *new* in the period (their creation row) come before the stages; they are not counted
  as entering the stage they were created in;
- winning or losing keeps the stage and changes the status: *lost* is counted per stage (the
  stage the deal was lost in), *won* after the stages, as one sum;
- conversion between stages: of the deals seen in the period at stage k or later (or won), the
  share seen at stage k+1 or later (or won); the last stage converts to won.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rapport.records.filters import stage_change_q
from rapport.records.models import Pipeline, Stage
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

from ..history import deal_changes, field_at
from ..links import list_link
from ..periods import Period
from .base import Params, chart, dataset, fmt_count, fmt_money, number, row, signed, widget
from .common import by_local_day, member_names, merge_missing, money_by, money_by_each


def default_pipeline(actor: Member, params: Params) -> Pipeline | None:
    return params.pipeline or visible_to(actor, Pipeline).filter(is_active=True).order_by("position", "id").first()


def _conversion(changes: Any, stages: list[Stage], pipeline_stages: list[int]) -> list[dict[str, Any]]:
    """Distinct deals reaching each stage or beyond, in one aggregate query."""
    ids = [s.pk for s in stages]
    won = stage_change_q("won", pipeline_stages=pipeline_stages)
    rows = changes.filter(to_stage__in=pipeline_stages)
    aggregates = {f"r{i}": Count("deal", distinct=True, filter=Q(to_stage__in=ids[i:]) | won) for i in range(len(ids))}
    aggregates["won"] = Count("deal", distinct=True, filter=won)
    reached = rows.aggregate(**aggregates) if ids else {"won": 0}
    result = []
    for i, stage in enumerate(stages):
        here = reached[f"r{i}"]
        after = reached[f"r{i + 1}"] if i + 1 < len(stages) else reached["won"]
        result.append({
            "from_stage": stage.pk,
            "to_stage": stages[i + 1].pk if i + 1 < len(stages) else "won",
            "reached": here,
            "converted": after,
            "percent": round(after / here * 100, 1) if here else None,
        })
    return result


@widget(
    "pipeline_dynamics",
    title=gettext_lazy("Pipeline dynamics"),
    description=gettext_lazy("Deals and amounts that entered and left each stage in the period; new, lost and won deals; conversion between stages."),
    default_view="chart",
    uses_pipeline=True,
    refresh_on=("deal", "stage", "pipeline", "exchangerate"),
)
def pipeline_dynamics(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    pipeline = default_pipeline(actor, params)
    if pipeline is None:
        return {"number": None, "rows": [], "chart": None, "extra": {"pipeline": None}}
    stages = list(visible_to(actor, Stage).filter(pipeline=pipeline).order_by("position", "id"))
    ws, loc, cur = params.workspace, params.locale, params.workspace.base_currency
    start, end = params.window(period)
    changes = deal_changes(actor).filter(changed_at__gte=start, changed_at__lt=end)
    p = pipeline.pk
    # Stages are not owned records: every member sees all of the pipeline's stages.
    ps = [s.pk for s in stages]

    # The five figures in one pass over the period's stage changes (one index-only scan, one
    # semi-join with a seller's deals) instead of one each.
    figures = money_by_each(changes, ws, {
        "entered": (stage_change_q("entered", pipeline_stages=ps), "to_stage"),
        "left": (stage_change_q("left", pipeline_stages=ps), "from_stage"),
        "lost": (stage_change_q("lost", pipeline_stages=ps), "to_stage"),
        "won": (stage_change_q("won", pipeline_stages=ps), None),
        "new": (stage_change_q("new", pipeline_stages=ps), None),
    })
    entered, left, lost, won_g, new_g = (figures[k] for k in ("entered", "left", "lost", "won", "new"))
    won, new = won_g.total, new_g.total
    conversion = _conversion(changes, stages, ps)

    prev_start, prev_end = params.window(period.previous())
    previous_won = money_by(
        deal_changes(actor).filter(stage_change_q("won", pipeline_stages=ps), changed_at__gte=prev_start, changed_at__lt=prev_end), ws, None
    ).total

    def link(**filters: Any) -> str:
        return list_link("deal", moved_after=start, moved_before=end, **filters)

    stage_rows, stage_extra = [], []
    for stage, conv in zip(stages, conversion, strict=True):
        e, lf, ls = entered.get(stage.pk), left.get(stage.pk), lost.get(stage.pk)
        figures = {
            "stage": stage.pk,
            "name": stage.name,
            "entered_count": e.count, "entered_amount": e.amount, "entered_link": link(moved_to_stage=stage.pk),
            "left_count": lf.count, "left_amount": lf.amount, "left_link": link(moved_from_stage=stage.pk),
            "net_count": e.count - lf.count, "net_amount": e.amount - lf.amount,
            "lost_count": ls.count, "lost_amount": ls.amount, "lost_link": link(history="lost", history_stage=stage.pk),
            "conversion_to_next": conv["percent"],
        }
        stage_extra.append({k: float(v) if isinstance(v, Decimal) else v for k, v in figures.items()})
        stage_rows.append(row(
            f"stage:{stage.pk}", stage.name, e.count,
            display=f"{signed(e.count, loc)} · {fmt_money(e.amount, cur, loc)}",
            link=figures["entered_link"],
            **{k: v for k, v in figures.items() if k not in ("stage", "name")},
        ))

    won_link, new_link = link(history="won", history_pipeline=p), link(history="new", history_pipeline=p)
    labels = [_("New"), *[s.name for s in stages], _("Won")]
    chart_data = chart("bar", labels, [
        dataset(_("Entered"), [new.count, *[entered.get(s.pk).count for s in stages], won.count],
                links=[new_link, *[link(moved_to_stage=s.pk) for s in stages], won_link]),
        dataset(_("Left"), [None, *[-left.get(s.pk).count for s in stages], None],
                links=[None, *[link(moved_from_stage=s.pk) for s in stages], None], style="muted"),
        dataset(_("Lost"), [None, *[lost.get(s.pk).count for s in stages], None],
                links=[None, *[link(history="lost", history_stage=s.pk) for s in stages], None], style="muted"),
    ])
    all_groups = [entered, left, lost, won_g, new_g]
    unconverted = sum(g.total.unconverted for g in all_groups)
    return {
        "number": number(
            won.amount,
            display=fmt_money(won.amount, cur, loc),
            label=ngettext("won in %(n)d deal", "won in %(n)d deals", won.count) % {"n": won.count},
            link=won_link,
            previous=previous_won.amount,
        ),
        "rows": stage_rows,
        "chart": chart_data,
        "extra": {
            "pipeline": {"id": pipeline.pk, "name": pipeline.name},
            "stages": stage_extra,
            "new": {"count": new.count, "amount": float(new.amount), "link": new_link},
            "won": {"count": won.count, "amount": float(won.amount), "link": won_link},
            "lost": {"count": lost.total.count, "amount": float(lost.total.amount), "link": link(history="lost", history_pipeline=p)},
            "conversion": conversion,
            # Of the deals seen at the first stage or beyond, the share won (the last step's "converted").
            "won_rate": round(conversion[-1]["converted"] / conversion[0]["reached"] * 100, 1) if conversion and conversion[0]["reached"] else None,
            "unconverted": unconverted,
            "missing_rates": merge_missing(*all_groups) if unconverted else [],
        },
    }


@widget(
    "won_deals",
    title=gettext_lazy("Won deals"),
    description=gettext_lazy("Deals won in the period: how many and their sum, per owner and per day."),
    uses_pipeline=True,
    refresh_on=("deal", "exchangerate"),
)
def won_deals(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    ws, loc, cur = params.workspace, params.locale, params.workspace.base_currency
    p = params.pipeline.pk if params.pipeline else None
    start, end = params.window(period)
    ps = list(Stage.objects.filter(pipeline_id=p).values_list("pk", flat=True)) if p else None
    wins = deal_changes(actor).filter(stage_change_q("won", pipeline_stages=ps))
    current = wins.filter(changed_at__gte=start, changed_at__lt=end)
    owner = field_at("deal", "owner", params.as_of, "deal__owner_id", pk="deal_id")
    # Per owner and per day from one query (grouped by both) instead of one each.
    current_by = money_by_each(by_local_day(current.annotate(_owner=owner), "changed_at", ws.time_zone), ws, {
        "owner": (None, "_owner"), "day": (None, "_day"),
    })
    per_owner, daily = current_by["owner"], current_by["day"]
    total = per_owner.total
    prev = period.previous()
    prev_start, prev_end = params.window(prev)
    previous = wins.filter(changed_at__gte=prev_start, changed_at__lt=prev_end)
    previous_daily = money_by(by_local_day(previous, "changed_at", ws.time_zone), ws, "_day")

    def link(**filters: Any) -> str:
        return list_link("deal", history="won", history_pipeline=p, moved_after=start, moved_before=end, **filters)

    names = member_names(per_owner.groups)
    ordered = sorted(per_owner.groups.items(), key=lambda kv: (-kv[1].amount, -kv[1].count, names.get(kv[0], "")))
    rows = [
        row(f"member:{owner_id or 0}", names.get(owner_id, "?"), t.count,
            display=f"{fmt_count(t.count, loc)} · {fmt_money(t.amount, cur, loc)}",
            link=None if params.as_of else (link(owner=owner_id) if owner_id else None),
            amount=t.amount, member=owner_id)
        for owner_id, t in ordered
    ]
    days, prev_days = period.days(), prev.days()
    return {
        "number": number(
            total.count,
            display=fmt_count(total.count, loc),
            label=_("deals won · %(amount)s") % {"amount": fmt_money(total.amount, cur, loc)},
            link=link(),
            previous=previous_daily.total.count,
        ),
        "rows": rows,
        "chart": chart("bar", [d.isoformat() for d in days], [
            dataset(_("Won"), [daily.get(d).amount for d in days]),
            dataset(_("Previous period"), [previous_daily.get(d).amount for d in prev_days], style="muted"),
        ]),
        "extra": {
            "count": total.count,
            "amount": float(total.amount),
            "amount_display": fmt_money(total.amount, cur, loc),
            "previous_amount": float(previous_daily.total.amount),
            "unconverted": total.unconverted,
            "missing_rates": per_owner.missing_rates,
        },
    }

