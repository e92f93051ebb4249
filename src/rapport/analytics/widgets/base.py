"""The dashboard widget contract, the registry of widgets, and what widgets build their answers with.

Contract (shared by this backend and the dashboard page; SPEC D2-D19)
=====================================================================

GET /api/v1/dashboard/widgets  -> list of
    {"key", "title", "description", "views": ["number"|"list"|"chart", ...], "default_view", "uses_pipeline": bool}

GET /api/v1/dashboard/widgets/{key}?period=today|yesterday|week|month|custom&start=YYYY-MM-DD&end=YYYY-MM-DD
    &pipeline=<id>&as_of=<ISO datetime, optional, D19 time travel>     (bad params -> 422 problem+json)
 -> {
  "key": str, "title": str,
  "period": {"start": ISO datetime, "end": ISO datetime (exclusive), "label": str, "time_zone": str},
  "as_of": ISO datetime | null,
  "currency": "EUR" (workspace base currency, amounts converted with exchange rates),
  "number": {"value": number, "display": str, "label": str, "link": str | null,
             "previous": number | null, "change_percent": number | null} | null,
  "rows": [{"key": str, "label": str, "value": number, "display": str,
            "share": number | null  (0-100, e.g. lead sources relative to the largest),
            "link": str | null, "extra": object}],
  "chart": {"type": "bar"|"line"|"doughnut", "labels": [str],
            "datasets": [{"label": str, "data": [number|null], "links": [str|null] | null,
                          "style": "primary"|"muted"|"band-low"|"band-high"}]} | null,
  "extra": object (widget-specific, e.g. pipeline dynamics per stage: entered/left counts and sums)
 }

Keys: pipeline_dynamics (D3), tasks (D4), lead_sources (D5), leads_per_user (D6), goals (D7),
activity (D8), latest_uploads (D9), forecast (D10), calls (D11), notes (D12), won_deals (D13),
system_usage (D14), nps (D15), messages (D16), response_time (D17).

Conventions every widget keeps:

- `period` defaults to "month"; custom needs start and end (at most 366 days). Periods are whole
  days in the workspace's time zone (analytics/periods.py). `pipeline` defaults, for widgets that
  use one, to the workspace's first active pipeline (pipeline_dynamics) or to all (others).
- `forecast` also reads `days` (1-365, default 30): the horizon of its number and rows.
- `as_of` (an ISO date-time; without an offset it is read in the workspace's time zone) computes
  the widget as it stood at that moment: named periods are taken around that moment, nothing
  after it is counted, and states (a deal's stage, a lead's owner, an open task) are read from
  the stage-change table and the event log (analytics/history.py). Links of figures that
  describe a past *state* are null under as_of, because the lists show the present.
- Every figure is computed over what the asking member may see (`visible_to`, SPEC P5): a
  seller's dashboard counts the seller's deals, an administrator's the whole workspace.
- Amounts are in the workspace's base currency, each converted with the rate valid on the day
  it refers to. Amounts without a rate are left out of sums, never counted at 1: `extra` then
  has "unconverted" (how many) and "missing_rates" ([{"currency", "rows"}]).
- `number.display` and `row.display` are formatted for the workspace's language; durations are
  given in minutes (response time) or hours (usage) as `value`, with `extra.unit` naming it.
- A `link` opens the web list of the records behind the figure with the same filters as the
  figure (records/filters.py), so the list shows the same records; a figure that counts events
  (a deal that entered a stage twice in the period counts twice) lists each record once.

Real time
=========

The dashboard re-fetches a widget when the bus (`/stream/`, `window.rapportLive`) announces a
committed change whose `object_type` the widget depends on. `REFRESH_ON` below is that map,
derived from each widget's `refresh_on`; `GET /api/v1/dashboard/refresh-map` answers it as JSON.
Object types: deal, lead, activity, contact, account (records), stage and pipeline (settings),
attachment, conversation and message (chat intake: a message is also a "message" activity),
usageinterval (heartbeats: only the start of a new interval is announced), goal, exchangerate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from django.utils.functional import Promise

from rapport.core import clock
from rapport.records.models import Pipeline
from rapport.workspaces.models import Member, Workspace

from ..periods import Period, iso

VIEWS = ("number", "list", "chart")
STYLES = ("primary", "muted", "band-low", "band-high")


@dataclass(frozen=True)
class Params:
    """What a widget is asked besides the period: pipeline, time travel, widget options."""

    workspace: Workspace
    pipeline: Pipeline | None = None
    as_of: dt.datetime | None = None
    now: dt.datetime = field(default_factory=clock.now)
    options: Mapping[str, Any] = field(default_factory=dict)

    def window(self, period: Period) -> tuple[dt.datetime, dt.datetime]:
        """The period's bounds, cut at the as-of moment when travelling in time."""
        end = period.end if self.as_of is None else min(period.end, self.as_of)
        return period.start, max(end, period.start)

    @property
    def locale(self) -> str:
        return self.workspace.language or "en"


WidgetFn = Callable[[Member, Period, Params], dict[str, Any]]


@dataclass(frozen=True)
class WidgetSpec:
    key: str
    title: str | Promise
    description: str | Promise
    views: tuple[str, ...]
    default_view: str
    uses_pipeline: bool
    refresh_on: tuple[str, ...]
    fn: WidgetFn


REGISTRY: dict[str, WidgetSpec] = {}


def widget(
    key: str,
    *,
    title: str | Promise,
    description: str | Promise,
    views: tuple[str, ...] = VIEWS,
    default_view: str = "number",
    uses_pipeline: bool = False,
    refresh_on: tuple[str, ...] = (),
) -> Callable[[WidgetFn], WidgetFn]:
    """Register `fn(actor, period, params) -> {"number", "rows", "chart", "extra"}` under `key`."""
    assert default_view in views and set(views) <= set(VIEWS), key

    def register(fn: WidgetFn) -> WidgetFn:
        REGISTRY[key] = WidgetSpec(key, title, description, views, default_view, uses_pipeline, refresh_on, fn)
        return fn

    return register


def refresh_map() -> dict[str, list[str]]:
    """object_type -> widget keys to re-fetch when a change of that type is announced."""
    result: dict[str, list[str]] = {}
    for spec in REGISTRY.values():
        for object_type in spec.refresh_on:
            result.setdefault(object_type, []).append(spec.key)
    return {k: sorted(v) for k, v in sorted(result.items())}


def catalogue() -> list[dict[str, Any]]:
    return [
        {
            "key": spec.key,
            "title": str(spec.title),
            "description": str(spec.description),
            "views": list(spec.views),
            "default_view": spec.default_view,
            "uses_pipeline": spec.uses_pipeline,
        }
        for spec in REGISTRY.values()
    ]


def compute(actor: Member, key: str, period: Period, params: Params) -> dict[str, Any]:
    """The full contract answer of widget `key`."""
    spec = REGISTRY[key]
    data = spec.fn(actor, period, params)
    return {
        "key": key,
        "title": str(spec.title),
        "period": period.as_json(),
        "as_of": iso(params.as_of) if params.as_of else None,
        "currency": params.workspace.base_currency,
        "number": data.get("number"),
        "rows": data.get("rows", []),
        "chart": data.get("chart"),
        "extra": data.get("extra", {}),
    }


# --- building answers ----------------------------------------------------------------------------


def plain(value: Any) -> float | int | None:
    """A number for JSON: Decimals become floats (amounts are rounded to cents first)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = value.quantize(Decimal("0.01"))
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def change_percent(value: Any, previous: Any) -> float | None:
    if previous is None or value is None or not previous:
        return None
    return round((float(value) - float(previous)) / float(previous) * 100, 1)


def number(value: Any, *, display: str, label: str | Promise, link: str | None = None, previous: Any = None, compare: bool = True) -> dict[str, Any]:
    return {
        "value": plain(value),
        "display": display,
        "label": str(label),
        "link": link,
        "previous": plain(previous) if compare else None,
        "change_percent": change_percent(value, previous) if compare else None,
    }


def row(key: str, label: str | Promise, value: Any, *, display: str, share: float | None = None, link: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "label": str(label),
        "value": plain(value),
        "display": display,
        "share": None if share is None else round(share, 1),
        "link": link,
        "extra": {k: plain(v) if isinstance(v, Decimal) else v for k, v in extra.items()},
    }


def dataset(label: str | Promise, data: list[Any], *, links: list[str | None] | None = None, style: str = "primary") -> dict[str, Any]:
    assert style in STYLES
    return {"label": str(label), "data": [plain(v) for v in data], "links": links, "style": style}


def chart(kind: str, labels: list[Any], datasets: list[dict[str, Any]]) -> dict[str, Any]:
    assert kind in ("bar", "line", "doughnut")
    return {"type": kind, "labels": [str(label) for label in labels], "datasets": datasets}


def share_of_largest(values: list[Any]) -> list[float | None]:
    """Each value as a percentage of the largest (the largest is 100), as lead sources show them."""
    largest = max((float(v) for v in values), default=0.0)
    return [round(float(v) / largest * 100, 1) if largest else None for v in values]


# --- formatting ----------------------------------------------------------------------------------


def fmt_count(value: Any, locale: str) -> str:
    return format_decimal(value or 0, locale=locale)


def fmt_money(amount: Any, currency: str, locale: str) -> str:
    return format_currency(Decimal(str(amount or 0)).quantize(Decimal("0.01")), currency, locale=locale)


def fmt_hours(hours: float, locale: str) -> str:
    return format_decimal(round(hours, 1), format="#,##0.0", locale=locale) + " h"


def fmt_minutes(minutes: float | None, locale: str) -> str:
    if minutes is None:
        return "–"
    if minutes < 1:
        return f"{round(minutes * 60)} s"
    if minutes < 120:
        return format_decimal(round(minutes, 1), format="#,##0.#", locale=locale) + " min"
    return format_decimal(round(minutes / 60, 1), format="#,##0.#", locale=locale) + " h"


def signed(value: int, locale: str) -> str:
    return ("+" if value > 0 else "") + format_decimal(value, locale=locale)
