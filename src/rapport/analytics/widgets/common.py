"""Aggregations the widgets share: counts and base-currency sums per group, in one query each."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from rapport.workspaces.models import Member, Workspace
from rapport.workspaces.rates import base_sum, missing_currencies, money, with_base_amount


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
    """Count rows and sum their amounts in the base currency, grouped by `group` (None: one total)."""
    annotated = with_base_amount(qs, workspace, amount=amount, currency=currency, at=at)
    if group is None:
        values = annotated.aggregate(n=Count(count), **base_sum())
        rows = [{"_key": None, **values}]
    else:
        rows = list(annotated.order_by().values(group).annotate(n=Count(count), **base_sum()).values(group, "n", "amount", "unconverted"))
        rows = [{"_key": r[group], **r} for r in rows]
    result = Grouped()
    for r in rows:
        result.groups[r["_key"]] = Totals(count=r["n"], amount=money(r["amount"]), unconverted=r["unconverted"])
    if result.total.unconverted:
        result.missing_rates = missing_currencies(annotated, currency=currency)
    return result


def counts_by(qs: QuerySet, *groups: str, count: str = "pk", distinct: bool = False) -> dict[Any, int]:
    """Row counts per group (a tuple key when several group fields are given)."""
    rows = qs.order_by().values(*groups).annotate(_n=Count(count, distinct=distinct))
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
