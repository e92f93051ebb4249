"""What a dashboard grid may hold: the widget keys of the contract, their bounds, the default layout."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The widget keys of the dashboard widget contract, with the SPEC capability each one answers.
WIDGET_TITLES: dict[str, Any] = {
    "pipeline_dynamics": gettext_lazy("Pipeline dynamics"),  # D3
    "tasks": gettext_lazy("Tasks"),  # D4
    "lead_sources": gettext_lazy("Lead sources"),  # D5
    "leads_per_user": gettext_lazy("Leads per user"),  # D6
    "goals": gettext_lazy("Goals"),  # D7
    "activity": gettext_lazy("Activity"),  # D8
    "latest_uploads": gettext_lazy("Latest uploads"),  # D9
    "forecast": gettext_lazy("Sales forecast"),  # D10
    "calls": gettext_lazy("Calls"),  # D11
    "notes": gettext_lazy("Notes"),  # D12
    "won_deals": gettext_lazy("Won deals"),  # D13
    "system_usage": gettext_lazy("System usage"),  # D14
    "nps": gettext_lazy("NPS"),  # D15
    "messages": gettext_lazy("Messages"),  # D16
    "response_time": gettext_lazy("Response time"),  # D17
}
WIDGET_KEYS: tuple[str, ...] = tuple(WIDGET_TITLES)
VIEWS = ("number", "list", "chart")
PERIODS = ("today", "yesterday", "week", "month", "custom")

COLUMNS = 12
MAX_ROW = 1000
MAX_HEIGHT = 24
MAX_WIDGETS = len(WIDGET_KEYS)
MAX_OPTIONS = 10
MAX_OPTION_TEXT = 100
WIDGET_FIELDS = frozenset({"key", "x", "y", "w", "h", "view", "options"})

# What a member sees before saving a layout of their own: the sales picture first.
DEFAULT_WIDGETS: list[dict[str, Any]] = [
    {"key": "pipeline_dynamics", "x": 0, "y": 0, "w": 12, "h": 5, "view": "chart", "options": {}},
    {"key": "won_deals", "x": 0, "y": 5, "w": 4, "h": 3, "view": "number", "options": {}},
    {"key": "tasks", "x": 4, "y": 5, "w": 4, "h": 3, "view": "list", "options": {}},
    {"key": "forecast", "x": 8, "y": 5, "w": 4, "h": 3, "view": "chart", "options": {}},
    {"key": "lead_sources", "x": 0, "y": 8, "w": 6, "h": 4, "view": "list", "options": {}},
    {"key": "leads_per_user", "x": 6, "y": 8, "w": 6, "h": 4, "view": "list", "options": {}},
]


def default_widgets() -> list[dict[str, Any]]:
    return [{**w, "options": dict(w["options"])} for w in DEFAULT_WIDGETS]


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _clean_options(options: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Per-widget display options (chosen baseline, compare mode): small flat scalars only."""
    if options is None:
        return {}, None
    if not isinstance(options, dict):
        return None, _("Options must be an object.")
    if len(options) > MAX_OPTIONS:
        return None, _("At most %(n)d options.") % {"n": MAX_OPTIONS}
    for name, value in options.items():
        if not isinstance(name, str) or not name or len(name) > 30 or not name.replace("_", "").isalnum() or not name.isascii():
            return None, _("Option names are short words of letters, digits and underscores.")
        if isinstance(value, str):
            if len(value) > MAX_OPTION_TEXT or "\x00" in value:
                return None, _("Option %(name)s is too long or contains NUL.") % {"name": name}
        elif isinstance(value, float):
            if not math.isfinite(value):
                return None, _("Option %(name)s must be a finite number.") % {"name": name}
        elif value is not None and not isinstance(value, bool | int):
            return None, _("Option %(name)s must be text, a number, true/false or null.") % {"name": name}
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63 - 1:
            return None, _("Option %(name)s is out of range.") % {"name": name}
    return dict(options), None


def clean_widgets(widgets: Any) -> list[dict[str, Any]]:
    """Check a widget list from any caller; raise ValidationError with one message per bad widget."""
    if not isinstance(widgets, list):
        raise ValidationError({"widgets": _("Give a list of widgets.")})
    if len(widgets) > MAX_WIDGETS:
        raise ValidationError({"widgets": _("A dashboard holds at most %(n)d widgets.") % {"n": MAX_WIDGETS}})
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, widget in enumerate(widgets):
        where = _("Widget %(n)d") % {"n": index + 1}
        if not isinstance(widget, dict):
            errors.append(_("%(where)s: must be an object.") % {"where": where})
            continue
        unknown = sorted(set(widget) - WIDGET_FIELDS)
        if unknown:
            errors.append(_("%(where)s: unknown field %(field)s.") % {"where": where, "field": unknown[0][:40]})
            continue
        key = widget.get("key")
        if not isinstance(key, str) or key not in WIDGET_TITLES:
            errors.append(_("%(where)s: there is no widget called %(key)r.") % {"where": where, "key": str(key)[:60]})
            continue
        if key in seen:
            errors.append(_("%(where)s: %(key)s is already on the dashboard.") % {"where": where, "key": key})
            continue
        seen.add(key)
        x, y, w, h = (widget.get(f) for f in ("x", "y", "w", "h"))
        if not (_int_in(x, 0, COLUMNS - 1) and _int_in(w, 1, COLUMNS) and _int_in(y, 0, MAX_ROW) and _int_in(h, 1, MAX_HEIGHT)):
            errors.append(_("%(where)s: x, y, w and h must be whole numbers inside the grid.") % {"where": where})
            continue
        if x + w > COLUMNS:
            errors.append(_("%(where)s: it runs past the right edge of the grid.") % {"where": where})
            continue
        view = widget.get("view", "number")
        if view not in VIEWS:
            errors.append(_("%(where)s: show it as a number, a list or a chart.") % {"where": where})
            continue
        options, problem = _clean_options(widget.get("options"))
        if problem:
            errors.append(f"{where}: {problem}")
            continue
        cleaned.append({"key": key, "x": x, "y": y, "w": w, "h": h, "view": view, "options": options})
    if errors:
        raise ValidationError({"widgets": errors})
    return cleaned


def json_problem(value: Any, *, depth: int = 0, max_depth: int = 8) -> str | None:
    """Why `value` cannot be stored as JSON on every database (NUL text, NaN, too deep), or None."""
    if depth > max_depth:
        return _("The data is nested too deeply.")
    if isinstance(value, str):
        return _("Text may not contain NUL characters.") if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else _("Numbers must be finite.")
    if isinstance(value, dict):
        for key, item in value.items():
            problem = json_problem(key, depth=depth + 1) or json_problem(item, depth=depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, list):
        for item in value:
            problem = json_problem(item, depth=depth + 1)
            if problem:
                return problem
    return None
