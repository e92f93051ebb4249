"""Sales forecast (SPEC D10): how many open deals, and how much, will be won in the coming days.

Method
------
1. The workspace's own history gives each stage a win rate for a horizon of H days: of the
   times a deal entered the stage (created in it, moved into it, reopened in it) during the
   365 days before the last H days, the share won within H days of entering. Entries younger
   than H days are left out, because their outcome is not known yet.
2. Stages with little history lean on the stage's configured win probability: the rate is
   (won + 5 × probability) / (entries + 5), a prior worth five observed entries.
3. Each open deal is an independent chance of winning its amount with its stage's rate (as if it
   had just entered the stage). The expected count is Σp and the expected amount Σp·amount;
   their variances Σp(1-p) and Σp(1-p)·amount². The band is the 90% normal approximation
   (mean ± 1.645 standard deviations), cut at 0 and at the open total. It ignores the error
   in the rates themselves, so it is narrower than the truth when history is short.
4. Back-test: the same forecast made at the start of the last full quarter, for that quarter's
   length, against what the deals open at that moment actually won during the quarter.

All sums run in SQL: one grouped query for the rates of every horizon, one for the open deals.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.records.filters import stage_change_q
from rapport.records.models import DealStatus, Stage, StageChange
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to
from rapport.workspaces.rates import money, rate_book

from ..history import deal_changes, deal_states_at, open_deals_at
from ..links import list_link
from ..memo import remembered, start_of_hour
from ..periods import Period, quarter_before
from .base import Params, chart, dataset, fmt_count, fmt_money, number, row, widget
from .common import money_by

HORIZONS = (7, 14, 30, 60, 90)
DEFAULT_HORIZON = 30
LOOKBACK = dt.timedelta(days=365)
PRIOR_WEIGHT = 5
Z90 = 1.645


@dataclass
class StageOpen:
    count: int
    amount: float
    amount_sq: float


@dataclass
class Forecast:
    count: float
    amount: float
    count_var: float
    amount_var: float
    open_count: int
    open_amount: float

    @property
    def amount_band(self) -> tuple[float, float]:
        sd = Z90 * math.sqrt(self.amount_var)
        return max(0.0, self.amount - sd), min(self.open_amount, self.amount + sd)

    @property
    def count_band(self) -> tuple[float, float]:
        sd = Z90 * math.sqrt(self.count_var)
        return max(0.0, self.count - sd), min(float(self.open_count), self.count + sd)


def _epoch_seconds(column: str) -> str:
    """A timestamp column as seconds on a linear scale (differences are durations)."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})"
    return f"(julianday({column}) * 86400.0)"


def win_rates_by_horizon(actor: Member, moment: dt.datetime, horizons: Iterable[int], pipeline: int | None) -> dict[int, dict[int, dict[str, Any]]]:
    """`win_rates` for several horizons at once: one pass over the entries, each looked up once.

    Each entry (a deal entering a stage) gets the time of its deal's first win after it; an entry
    counts for horizon H when it happened in the 365 days before the last H days, and as won
    when that first win came within H days. Won within H days is the same as "some win in
    (entry, entry + H]", the definition of `win_rates`.
    """
    horizons = sorted(set(horizons))
    longest, shortest = dt.timedelta(days=horizons[-1]), dt.timedelta(days=horizons[0])
    entries = deal_changes(actor).filter(to_status=DealStatus.OPEN, changed_at__gte=moment - longest - LOOKBACK, changed_at__lte=moment - shortest)
    if pipeline is not None:
        entries = entries.filter(to_stage__pipeline=pipeline)
    first_won = StageChange.objects.filter(stage_change_q("won"), deal_id=OuterRef("deal_id"), changed_at__gt=OuterRef("changed_at")).order_by("changed_at")
    entries = entries.annotate(_won_at=Subquery(first_won.values("changed_at")[:1])).values("to_stage_id", "changed_at", "_won_at")
    inner, inner_params = entries.query.sql_with_params()
    adapt = connection.ops.adapt_datetimefield_value
    delay = f"({_epoch_seconds('e._won_at')} - {_epoch_seconds('e.changed_at')})"
    columns, params = [], []
    for h in horizons:
        horizon = dt.timedelta(days=h)
        window = "e.changed_at >= %s AND e.changed_at <= %s"
        bounds = [adapt(moment - horizon - LOOKBACK), adapt(moment - horizon)]
        columns.append(f"COUNT(*) FILTER (WHERE {window})")
        columns.append(f"COUNT(*) FILTER (WHERE {window} AND e._won_at IS NOT NULL AND {delay} <= %s)")
        params += [*bounds, *bounds, horizon.total_seconds()]
    # MATERIALIZED: the first-win lookup runs once per entry, not once per horizon that reads it.
    sql = f"WITH e AS MATERIALIZED ({inner}) SELECT e.to_stage_id, {', '.join(columns)} FROM e GROUP BY e.to_stage_id"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *params])
        observed = {row[0]: row[1:] for row in cursor.fetchall()}
    stages = visible_to(actor, Stage)
    if pipeline is not None:
        stages = stages.filter(pipeline_id=pipeline)
    probabilities = list(stages.values_list("id", "probability"))
    result: dict[int, dict[int, dict[str, Any]]] = {}
    for i, h in enumerate(horizons):
        rates = result.setdefault(h, {})
        for stage_id, probability in probabilities:
            seen = observed.get(stage_id)
            n, won = (seen[2 * i], seen[2 * i + 1]) if seen else (0, 0)
            prior = probability / 100
            rates[stage_id] = {"entries": n, "won": won, "rate": (won + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)}
    return result


def win_rates(actor: Member, moment: dt.datetime, days: int, pipeline: int | None) -> dict[int, dict[str, Any]]:
    """Per stage: entries observed, how many were won within `days`, and the smoothed rate."""
    return win_rates_by_horizon(actor, moment, [days], pipeline)[days]


def open_by_stage(actor: Member, moment: dt.datetime, as_of: dt.datetime | None, pipeline: int | None, workspace: Any) -> tuple[dict[int, StageOpen], int, list]:
    """Open deals per stage at `as_of` (now if None): count, base amount and Σ amount², in SQL."""
    deals = open_deals_at(actor, as_of)
    if pipeline is not None:
        deals = deals.filter(pipeline_id=pipeline)
    local_day = moment.astimezone(ZoneInfo(workspace.time_zone)).date()
    # Every deal converts at the same day's rate, so the database sums per stage and currency
    # (an index-only scan of deal_ws_open, no rate lookup per row) and each currency's sums are
    # converted here: Σ(a·r) = r·Σa and Σ(a·r)² = r²·Σa², exactly, in Decimal arithmetic wide
    # enough not to round, as PostgreSQL's numeric did.
    rows = deals.order_by().values("stage_id", "currency").annotate(
        _n=Count("*"), _sum=Sum("amount"), _sum_sq=Sum(F("amount") * F("amount"))
    )
    book = rate_book(workspace)
    sums: dict[int, list[Any]] = {}
    missing: dict[str, int] = {}
    with localcontext() as exact:
        exact.prec = 80
        for r in rows:
            n, amount, amount_sq, unconverted = sums.setdefault(r["stage_id"], [0, Decimal(0), Decimal(0), 0])
            rate = book.rate(r["currency"], local_day)
            if rate is None:
                unconverted += r["_n"]
                missing[r["currency"]] = missing.get(r["currency"], 0) + r["_n"]
            else:
                amount += Decimal(r["_sum"] or 0) * rate
                amount_sq += Decimal(r["_sum_sq"] or 0) * rate * rate
            sums[r["stage_id"]] = [n + r["_n"], amount, amount_sq, unconverted]
    result = {stage_id: StageOpen(n, float(money(amount)), float(amount_sq)) for stage_id, (n, amount, amount_sq, _u) in sums.items()}
    unconverted_total = sum(u for *_rest, u in sums.values())
    return result, unconverted_total, [{"currency": c, "rows": n} for c, n in sorted(missing.items())]


def combine(open_deals: dict[int, StageOpen], rates: dict[int, dict[str, Any]]) -> Forecast:
    f = Forecast(0.0, 0.0, 0.0, 0.0, 0, 0.0)
    for stage_id, o in open_deals.items():
        p = rates.get(stage_id, {"rate": 0.0})["rate"]
        f.count += o.count * p
        f.amount += o.amount * p
        f.count_var += o.count * p * (1 - p)
        f.amount_var += o.amount_sq * p * (1 - p)
        f.open_count += o.count
        f.open_amount += o.amount
    return f


def last_quarter(moment: dt.datetime, workspace: Any) -> Period:
    return quarter_before(moment.astimezone(ZoneInfo(workspace.time_zone)).date(), workspace.time_zone)


def backtest(actor: Member, moment: dt.datetime, pipeline: int | None, workspace: Any) -> dict[str, Any]:
    quarter = last_quarter(moment, workspace)
    start, end = quarter.start, quarter.end
    made = combine(open_by_stage(actor, start, start, pipeline, workspace)[0], win_rates(actor, start, quarter.day_count, pipeline))
    open_then = deal_states_at(actor, start).filter(to_status=DealStatus.OPEN)
    if pipeline is not None:
        open_then = open_then.filter(pipeline_id=pipeline)
    won = deal_changes(actor).filter(stage_change_q("won"), changed_at__gte=start, changed_at__lt=end, deal_id__in=open_then.values("deal_id"))
    actual = money_by(won, workspace, None).total
    actual_amount = float(actual.amount)
    low, high = made.amount_band
    return {
        "quarter_start": quarter.first_day.isoformat(),
        "quarter_end": quarter.last_day.isoformat(),
        "forecast_count": round(made.count, 2),
        "forecast_amount": round(made.amount, 2),
        "forecast_low": round(low, 2),
        "forecast_high": round(high, 2),
        "actual_count": actual.count,
        "actual_amount": actual_amount,
        "error_amount": round(made.amount - actual_amount, 2),
        "error_percent": round((made.amount - actual_amount) / actual_amount * 100, 1) if actual_amount else None,
        "within_band": low <= actual_amount <= high,
        "open_deals": made.open_count,
    }


@widget(
    "forecast",
    title=gettext_lazy("Sales forecast"),
    description=gettext_lazy("Expected number and amount of open deals won in the coming days, from the workspace's own stage-to-won history, with a 90% band."),
    default_view="chart",
    uses_pipeline=True,
    refresh_on=("deal", "stage", "exchangerate"),
)
def forecast(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    ws, loc, cur = params.workspace, params.locale, params.workspace.base_currency
    moment = params.as_of or params.now
    pipeline = params.pipeline.pk if params.pipeline else None
    days = int(params.options.get("days") or DEFAULT_HORIZON)
    open_deals, unconverted, missing = open_by_stage(actor, moment, params.as_of, pipeline, ws)
    # Every horizon of the curve in one query over the stage history, learned up to the start of
    # the hour and remembered for it (see memo.py): the open deals above stay live.
    horizons = tuple(sorted({*HORIZONS, days}))
    learned_at = start_of_hour(moment)
    by_horizon = remembered(
        actor, "win_rates", (pipeline, horizons, learned_at.isoformat()),
        lambda: win_rates_by_horizon(actor, learned_at, horizons, pipeline),
    )
    rates = by_horizon[days]
    main = combine(open_deals, rates)
    amount_low, amount_high = main.amount_band
    count_low, count_high = main.count_band

    curve = []
    for h in sorted(by_horizon):
        f = main if h == days else combine(open_deals, by_horizon[h])
        curve.append((h, f, *f.amount_band))

    stage_info = {s.pk: s for s in visible_to(actor, Stage).filter(pk__in=list(open_deals)).select_related("pipeline")}
    rows = []
    for stage_id, o in sorted(open_deals.items(), key=lambda kv: (stage_info[kv[0]].pipeline.position, stage_info[kv[0]].position, kv[0])):
        stage, rate = stage_info[stage_id], rates.get(stage_id, {"rate": 0.0, "entries": 0, "won": 0})
        expected = o.amount * rate["rate"]
        rows.append(row(
            f"stage:{stage_id}", f"{stage.pipeline.name} · {stage.name}", Decimal(str(round(expected, 2))),
            display=fmt_money(expected, cur, loc),
            link=None if params.as_of else list_link("deal", status="open", stage=stage_id),
            stage=stage_id, open_count=o.count, open_amount=round(o.amount, 2), win_rate=round(rate["rate"] * 100, 1),
            expected_count=round(o.count * rate["rate"], 2), history_entries=rate["entries"], history_won=rate["won"],
        ))
    open_link = None if params.as_of else list_link("deal", status="open", pipeline=pipeline)
    return {
        "number": number(
            Decimal(str(round(main.amount, 2))),
            display=fmt_money(main.amount, cur, loc),
            label=_("expected in %(days)d days from %(count)s deals (90%%: %(low)s – %(high)s)") % {
                "days": days, "count": fmt_count(round(main.count, 1), loc),
                "low": fmt_money(amount_low, cur, loc), "high": fmt_money(amount_high, cur, loc),
            },
            link=open_link,
            compare=False,
        ),
        "rows": rows,
        "chart": chart("line", [_("%(days)d days") % {"days": h} for h, *_rest in curve], [
            dataset(_("Expected"), [round(f.amount, 2) for _h, f, _l, _u in curve]),
            dataset(_("Low (90%)"), [round(low, 2) for _h, _f, low, _u in curve], style="band-low"),
            dataset(_("High (90%)"), [round(high, 2) for _h, _f, _l, high in curve], style="band-high"),
        ]),
        "extra": {
            "horizon_days": days,
            "expected_count": round(main.count, 2),
            "expected_amount": round(main.amount, 2),
            "band": {
                "level": 90,
                "count_low": round(count_low, 2), "count_high": round(count_high, 2),
                "amount_low": round(amount_low, 2), "amount_high": round(amount_high, 2),
            },
            "open_count": main.open_count,
            "open_amount": round(main.open_amount, 2),
            "lookback_days": LOOKBACK.days,
            "backtest": remembered(
                actor, "backtest", (pipeline, last_quarter(moment, ws).start.isoformat(), ws.base_currency),
                lambda: backtest(actor, moment, pipeline, ws),
            ),
            "method": _(
                "Each open deal counts with its stage's share of deals won within the horizon in the last year "
                "(smoothed towards the stage's win probability); the band is a 90% normal approximation."
            ),
            "unconverted": unconverted,
            "missing_rates": missing,
        },
    }
