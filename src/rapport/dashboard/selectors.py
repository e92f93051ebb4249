"""Reads of dashboards: a member's own layout (or the default one) and their baselines.

Layouts and baselines are personal. Reads start from `visible_to` (the workspace) and then keep
the actor's own rows, so another member's layout or baseline is "not found", like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rapport.core.errors import NotFound
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import get_visible, visible_to

from .grid import default_widgets
from .models import Baseline, DashboardLayout, Theme

BACKGROUND_URL = "/api/v1/dashboard/layout/background"


def layout_of(actor: Member) -> DashboardLayout | None:
    """The actor's saved layout, or None while they use the default one."""
    return visible_to(actor, DashboardLayout).filter(member_id=actor.pk).select_related("member__user").first()


def layout_data(actor: Member, layout: DashboardLayout | None = None) -> dict[str, Any]:
    """The layout as the API and the page show it; the default layout when none is saved."""
    layout = layout or layout_of(actor)
    if layout is None:
        return {
            "id": None,
            "is_default": True,
            "title": "",
            "theme": Theme.LIGHT.value,
            "font_colour": "",
            "background_url": None,
            "widgets": default_widgets(),
            "version": 0,
            "updated_at": None,
        }
    return {
        "id": layout.pk,
        "is_default": False,
        "title": layout.title,
        "theme": layout.theme,
        "font_colour": layout.font_colour,
        # The version in the address makes a replaced image load fresh despite browser caching.
        "background_url": f"{BACKGROUND_URL}?v={layout.version}" if layout.background else None,
        "widgets": layout.widgets,
        "version": layout.version,
        "updated_at": layout.updated_at,
    }


def baselines_of(actor: Member, widget_key: str | None = None) -> QuerySet[Baseline]:
    qs = visible_to(actor, Baseline).filter(member_id=actor.pk)
    return qs.filter(widget_key=widget_key) if widget_key else qs


def get_baseline(actor: Member, baseline_id: Any) -> Baseline:
    """One of the actor's own baselines; another member's answers "not found" like a missing one."""
    baseline = get_visible(actor, Baseline, baseline_id)
    if baseline.member_id != actor.pk:
        raise NotFound("baseline not found")
    return baseline


def baseline_data(baseline: Baseline) -> dict[str, Any]:
    return {
        "id": baseline.pk,
        "widget_key": baseline.widget_key,
        "name": baseline.name,
        "period": {
            "key": baseline.period_key,
            "start": baseline.period_start,
            "end": baseline.period_end,
            "label": baseline.period_label,
        },
        "pipeline": baseline.pipeline_id,
        "as_of": baseline.as_of,
        "currency": baseline.currency,
        "data": baseline.data,
        "created_at": baseline.created_at,
    }
