"""Aggregations the widgets share: counts and base-currency sums per group, in one query each."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, DateField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from rapport.workspaces.models import Member, Workspace
from rapport.workspaces.rates import money, rate_book


@dataclass
class Totals:
    count: int = 0
    amount: Decimal = Decimal(0)
    unconverted: int = 0


@dataclass
class Grouped:
    """Totals per group key, plus what could not be converted to the base currency."""

    groups: dict[Any, Totals] = field(default_factory=dict)
    missing_rates: list[dict[str, Any]] = field(default_factory=list)

    def get(self, key: Any) -> Totals:
        return self.groups.get(key, Totals())

    @property
    def total(self) -> Totals:
        return Totals(
            count=sum(t.count for t in self.groups.values()),
            amount=sum((t.amount for t in self.groups.values()), Decimal(0)),
            unconverted=sum(t.unconverted for t in self.groups.values()),
        )


def _count(field: str) -> Count:
    """COUNT(*) for the rows themselves: the primary key is never null, and without it in the
    select PostgreSQL can answer from a covering index alone (index-only scan)."""
    return Count("*") if field == "pk" else Count(field)


def money_by(
    qs: QuerySet,
    workspace: Workspace,
    group: str | None,
    *,
    at: str = "changed_at",
    amount: str = "amount",
    currency: str = "currency",
    count: str = "pk",
) -> Grouped:
    """Count rows and sum their amounts in the base currency, grouped by `group` (None: one total).

    The database counts and sums per group, currency and local day of `at`; each foreign
    currency's daily sum is converted here with the rate of that day (rates.RateBook). A sum
    with no rate is left out and its rows counted as unconverted, currency by currency.
    """
    return money_by_each(qs, workspace, {"": (None, group)}, at=at, amount=amount, currency=currency, count=count)[""]


def money_by_each(
    qs: QuerySet,
    workspace: Workspace,
    parts: dict[str, tuple[Q | None, str | None]],
    *,
    at: str = "changed_at",
    amount: str = "amount",
    currency: str = "currency",
    count: str = "pk",
) -> dict[str, Grouped]:
    """`money_by` for several figures over the same rows in one query: {name: (rows, group)}.

    Each figure is `money_by(qs.filter(rows), workspace, group)` (rows None: every row); the
    database reads the rows once, grouped by every figure's group field together, with a
    filtered count and sum per figure, and each figure is added up from those finer groups here
    (the same per-currency, per-day conversion, so the same sums).
    """
    groups = sorted({g for _q, g in parts.values() if g})
    n = _count(count)
    aggregates: dict[str, Any] = {}
    for i, (q, _g) in enumerate(parts.values()):
        # COUNT(1) FILTER (...): Django allows no filter on COUNT(*); the same count, index-only.
        aggregates[f"_n{i}"] = n if q is None else Count(Value(1) if count == "pk" else count, filter=q)
        aggregates[f"_sum{i}"] = Sum(amount) if q is None else Sum(amount, filter=q)
    wanted = [q for q, _g in parts.values()]
    if all(q is not None for q in wanted):
        # Only the rows some figure counts (one OR of the figures' filters).
        qs = qs.filter(reduce(operator.or_, wanted))
    base = workspace.base_currency
    # Amounts in the base currency need no day: one group each instead of one a day.
    day = Case(When(**{currency: base}, then=Value(None)), default=TruncDate(at, tzinfo=ZoneInfo(workspace.time_zone)), output_field=DateField())
    rows = list(qs.order_by().annotate(_rate_day=day).values(*groups, currency, "_rate_day").annotate(**aggregates))
    book = rate_book(workspace)
    results: dict[str, Grouped] = {}
    for i, (name, (_q, group)) in enumerate(parts.items()):
        sums: dict[Any, Decimal] = {}
        counts: dict[Any, int] = {}
        unconverted: dict[Any, int] = {}
        missing: dict[str, int] = {}
        for r in rows:
            rows_here = r[f"_n{i}"]
            if not rows_here:
                continue
            key = r[group] if group else None
            counts[key] = counts.get(key, 0) + rows_here
            sums.setdefault(key, Decimal(0))
            rate = book.rate(r[currency], r["_rate_day"])
            if rate is None:
                unconverted[key] = unconverted.get(key, 0) + rows_here
                missing[r[currency]] = missing.get(r[currency], 0) + rows_here
            else:
                sums[key] += Decimal(str(r[f"_sum{i}"] or 0)) * rate
        result = results[name] = Grouped()
        for key, total in counts.items():
            result.groups[key] = Totals(count=total, amount=money(sums[key]), unconverted=unconverted.get(key, 0))
        if group is None and not result.groups:
            result.groups[None] = Totals()
        result.missing_rates = [{"currency": c, "rows": m} for c, m in sorted(missing.items())]
    return results


def counts_by(qs: QuerySet, *groups: str, count: str = "pk", distinct: bool = False) -> dict[Any, int]:
    """Row counts per group (a tuple key when several group fields are given)."""
    rows = qs.order_by().values(*groups).annotate(_n=Count(count, distinct=True) if distinct else _count(count))
    if len(groups) == 1:
        return {r[groups[0]]: r["_n"] for r in rows}
    return {tuple(r[g] for g in groups): r["_n"] for r in rows}


def merge_missing(*grouped: Grouped) -> list[dict[str, Any]]:
    merged: dict[str, int] = {}
    for g in grouped:
        for item in g.missing_rates:
            merged[item["currency"]] = merged.get(item["currency"], 0) + item["rows"]
    return [{"currency": c, "rows": n} for c, n in sorted(merged.items())]


def member_names(ids: Any) -> dict[int | None, str]:
    """Display names of members by id; None (nobody) is the robot owner (SPEC R3)."""
    names: dict[int | None, str] = {None: _("Robot")}
    wanted = {i for i in ids if i is not None}
    for member in Member.objects.filter(pk__in=wanted).select_related("user"):
        names[member.pk] = member.display_name
    return names


def by_local_day(qs: QuerySet, field: str, time_zone: str) -> QuerySet:
    """Annotate `_day`: the local calendar day of `field` in the workspace's time zone."""
    return qs.annotate(_day=TruncDate(field, tzinfo=ZoneInfo(time_zone)))
