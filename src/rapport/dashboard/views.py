"""The dashboard page: the member's widget grid, driven by one period, pipeline and "as of" date."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from rapport.core import clock
from rapport.records.models import Pipeline
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

from . import selectors
from .grid import PERIODS, WIDGET_TITLES
from .images import MAX_BACKGROUND_BYTES
from .models import Theme

DEFAULT_PERIOD = "month"
# Widgets that answer per pipeline when the analytics catalogue cannot be read.
PIPELINE_WIDGETS = frozenset({"pipeline_dynamics", "forecast", "won_deals", "leads_per_user"})


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _today(member: Member) -> dt.date:
    try:
        zone = zoneinfo.ZoneInfo(member.workspace.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return clock.now().astimezone(zone).date()


def page_params(request: HttpRequest, member: Member, pipelines: list[dict[str, Any]]) -> dict[str, Any]:
    """The period, pipeline and "as of" date from the address; anything unreadable falls back to a default."""
    period = request.GET.get("period")
    period = period if period in PERIODS else DEFAULT_PERIOD
    start, end = _date(request.GET.get("start")), _date(request.GET.get("end"))
    if period == "custom" and (start is None or end is None or start > end):
        end = _today(member)
        start = end - dt.timedelta(days=6)
    ids = [p["id"] for p in pipelines]
    try:
        pipeline = int(request.GET.get("pipeline", ""))
    except ValueError:
        pipeline = None
    if pipeline not in ids:
        pipeline = ids[0] if ids else None
    as_of = _date(request.GET.get("as_of"))
    if as_of is not None and as_of >= _today(member):
        as_of = None  # the end of today is still to come: "as of" today is simply now
    return {
        "period": period,
        "start": start.isoformat() if period == "custom" and start else "",
        "end": end.isoformat() if period == "custom" and end else "",
        "pipeline": pipeline,
        "as_of": as_of.isoformat() if as_of else "",
    }


def _strings() -> dict[str, str]:
    """Texts the page script shows, translated here so the script carries no English of its own."""
    return {
        "number": _("Number"),
        "list": _("List"),
        "chart": _("Chart"),
        "show_as": _("Show as"),
        "loading": _("Loading…"),
        "no_data": _("Nothing in this period."),
        "unavailable": _("This widget is not available."),
        "load_failed": _("The figures could not be loaded."),
        "retry": _("Try again"),
        "previous": _("vs previous period"),
        "move_left": _("Move left"),
        "move_right": _("Move right"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "narrower": _("Narrower"),
        "wider": _("Wider"),
        "shorter": _("Shorter"),
        "taller": _("Taller"),
        "remove": _("Remove"),
        "add": _("Add"),
        "all_added": _("Every widget is on the dashboard."),
        "saved": _("Dashboard saved."),
        "save_failed": _("The dashboard could not be saved."),
        "stale": _("The dashboard was changed elsewhere. Reload the page to see the latest version."),
        "applied": _("Layout applied to %(n)s members."),
        "freeze": _("Freeze as baseline"),
        "baseline": _("Baseline"),
        "compare_with": _("Compare with"),
        "no_baseline": _("No baseline"),
        "overlay": _("Overlay"),
        "beside": _("Beside"),
        "delete_baseline": _("Delete baseline"),
        "baseline_saved": _("Baseline saved."),
        "baseline_deleted": _("Baseline deleted."),
        "confirm_delete": _("Delete this baseline?"),
        "data_table": _("Figures"),
        "updated": _("Updated"),
        "dashboard": _("Dashboard"),
        "period_invalid": _("Choose a start date on or before the end date."),
        "layout_changed": _("An administrator changed your dashboard layout."),
        "narrow_screen": _("Moving and resizing widgets works on a wider screen."),
    }


def dashboard(request: HttpRequest) -> HttpResponse:
    """The member's dashboard (SPEC D1, D2): the grid is drawn by the page script from this state."""
    member: Member = request.member  # type: ignore[attr-defined]
    pipelines = [{"id": p.pk, "name": p.name} for p in visible_to(member, Pipeline).filter(is_active=True).order_by("position", "id")]
    params = page_params(request, member, pipelines)
    layout = selectors.layout_data(member)
    catalogue = [
        {
            "key": key,
            "title": str(title),
            "description": "",
            "views": ["number", "list", "chart"],
            "default_view": "number",
            "uses_pipeline": key in PIPELINE_WIDGETS,
        }
        for key, title in WIDGET_TITLES.items()
    ]
    baselines = [
        {"id": b.pk, "widget_key": b.widget_key, "name": b.name, "period_label": b.period_label}
        for b in selectors.baselines_of(member).only("id", "widget_key", "name", "period_label")
    ]
    state = {
        "layout": {**layout, "updated_at": layout["updated_at"].isoformat() if layout["updated_at"] else None},
        "fallback_catalogue": catalogue,
        "baselines": baselines,
        "pipelines": pipelines,
        "params": params,
        "time_zone": member.workspace.time_zone,
        "today": _today(member).isoformat(),
        "is_admin": member.is_admin,
        "max_background_bytes": MAX_BACKGROUND_BYTES,
        "urls": {
            "catalogue": "/api/v1/dashboard/widgets",
            "refresh_map": "/api/v1/dashboard/refresh-map",
            "widget": "/api/v1/dashboard/widgets/",
            "layout": "/api/v1/dashboard/layout",
            "background": "/api/v1/dashboard/layout/background",
            "apply": "/api/v1/dashboard/layout/apply-to-all",
            "baselines": "/api/v1/dashboard/baselines",
        },
        "strings": _strings(),
    }
    periods = [
        ("today", _("Today")),
        ("yesterday", _("Yesterday")),
        ("week", _("Week")),
        ("month", _("Month")),
        ("custom", _("Custom range")),
    ]
    context = {
        "section": "dashboard",
        "state": state,
        "layout": layout,
        "params": params,
        "periods": periods,
        "pipelines": pipelines,
        "themes": Theme.choices,
        "latest_as_of": (_today(member) - dt.timedelta(days=1)).isoformat(),
    }
    return render(request, "dashboard/dashboard.html", context)
