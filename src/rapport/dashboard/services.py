"""Writes to dashboards: a member's layout and background, applying a layout to all, baselines.

Each member edits only their own layout and baselines; an administrator may copy their layout
to every member of the workspace (SPEC D1). Every write logs its events in its transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import clock
from rapport.core.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from rapport.events import log
from rapport.events.log import FieldChange
from rapport.events.models import EventType
from rapport.records.models import Pipeline
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import MAX_ID, visible_to

from .grid import PERIODS, WIDGET_KEYS, clean_widgets, default_widgets, json_problem
from .images import check_background
from .models import Baseline, DashboardLayout, Theme

LAYOUT_FIELDS = ("title", "theme", "font_colour", "widgets")
FONT_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Options that point at the member's own rows (their baselines) and so are not copied to others.
PERSONAL_OPTIONS = frozenset({"baseline"})
MAX_BASELINES = 200
MAX_BASELINE_BYTES = 256 * 1024
BASELINE_PARTS = frozenset({"number", "rows", "chart"})


def _require_active(actor: Member) -> None:
    if not actor.is_active:
        raise PermissionDenied(_("Your membership of this workspace is inactive."))


def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Give text.")})
    value = value.strip()
    if "\x00" in value:
        raise ValidationError({field: _("Text may not contain NUL characters.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    return value


def clean_layout(data: Mapping[str, Any]) -> dict[str, Any]:
    """Check the layout fields given (any of title, theme, font colour, widgets), all errors at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in data.items():
        try:
            if name == "title":
                cleaned[name] = _text(value, name, 120)
            elif name == "theme":
                if value not in Theme.values:
                    raise ValidationError({name: _("Choose one of the colour themes.")})
                cleaned[name] = value
            elif name == "font_colour":
                value = value or ""
                if value and not (isinstance(value, str) and FONT_COLOUR.match(value)):
                    raise ValidationError({name: _("Give a colour as #rrggbb, or nothing for the theme's own.")})
                cleaned[name] = value.lower()
            elif name == "widgets":
                cleaned[name] = clean_widgets(value)
            else:
                raise ValidationError({name: _("Unknown or read-only field.")})
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _locked_layout(actor: Member) -> DashboardLayout | None:
    return (
        visible_to(actor, DashboardLayout)
        .select_for_update(of=("self",))
        .filter(member_id=actor.pk)
        .select_related("member__user")
        .first()
    )


def _snapshot(layout: DashboardLayout) -> dict[str, Any]:
    return {f: getattr(layout, f) for f in LAYOUT_FIELDS} | {"background": layout.background.name or None}


def _create_layout(actor: Member, owner: Member, values: Mapping[str, Any]) -> DashboardLayout:
    layout = DashboardLayout(
        workspace_id=owner.workspace_id,
        member=owner,
        title=values.get("title", ""),
        theme=values.get("theme", Theme.LIGHT),
        font_colour=values.get("font_colour", ""),
        widgets=values["widgets"] if "widgets" in values else default_widgets(),
        updated_at=clock.now(),
    )
    if values.get("background"):
        layout.background.name = values["background"]
    try:
        # A savepoint, so a twin request that created the row first becomes a clean 409.
        with transaction.atomic():
            layout.save()
    except IntegrityError:
        raise Conflict(_("The dashboard was saved elsewhere at the same moment; reload and try again.")) from None
    log.log(actor, layout, EventType.CREATED, after=_snapshot(layout))
    return layout


def _apply(actor: Member, layout: DashboardLayout, values: Mapping[str, Any]) -> list[FieldChange]:
    """Set the given fields, bump the version and log one event per changed field."""
    changes = []
    for name, value in values.items():
        before = getattr(layout, name)
        if name == "background":
            before = before.name or ""  # compare and log the stored file name, not the file object
        if before != value:
            changes.append(FieldChange(name, before, value))
    if not changes:
        return []
    for change in changes:
        setattr(layout, change.field, change.after)
    layout.version += 1
    layout.updated_at = clock.now()
    layout.save(update_fields=[c.field for c in changes] + ["version", "updated_at"])
    log.log_changes(actor, layout, changes)
    return changes


@transaction.atomic
def layout_save(*, actor: Member, data: Mapping[str, Any], expected_version: int | None = None) -> DashboardLayout:
    """Save the actor's own dashboard (title, theme, font colour, widgets); creates it on first save.

    `expected_version` is the version the caller edited: 0 for the default, unsaved layout.
    """
    _require_active(actor)
    values = clean_layout(data)
    layout = _locked_layout(actor)
    current = layout.version if layout is not None else 0
    if expected_version is not None and expected_version != current:
        raise StaleVersion(_("The dashboard changed since you loaded it (version %(v)d now).") % {"v": current})
    if layout is None:
        return _create_layout(actor, actor, values)
    _apply(actor, layout, values)
    return layout


def _delete_file_if_unused(name: str) -> None:
    if name and not DashboardLayout.objects.filter(background=name).exists():
        default_storage.delete(name)


@transaction.atomic
def layout_set_background(*, actor: Member, file: IO[bytes], size: int | None) -> DashboardLayout:
    """Replace the background image of the actor's dashboard with a checked upload."""
    _require_active(actor)
    checked = check_background(file, size)
    layout = _locked_layout(actor) or _create_layout(actor, actor, {})
    before = layout.background.name or None
    layout.background.save(f"background.{checked.extension}", File(file), save=False)
    stored = layout.background.name
    try:
        layout.version += 1
        layout.updated_at = clock.now()
        layout.save(update_fields=["background", "version", "updated_at"])
        log.log(actor, layout, EventType.FIELD_CHANGED, field="background", before=before, after=stored)
    except Exception:
        default_storage.delete(stored)  # the row keeps pointing at the old file: drop the orphan
        raise
    if before:
        transaction.on_commit(lambda: _delete_file_if_unused(before))
    return layout


@transaction.atomic
def layout_clear_background(*, actor: Member) -> DashboardLayout | None:
    """Remove the background image of the actor's dashboard (nothing happens when there is none)."""
    _require_active(actor)
    layout = _locked_layout(actor)
    if layout is None or not layout.background:
        return layout
    before = layout.background.name
    layout.background.name = ""
    layout.version += 1
    layout.updated_at = clock.now()
    layout.save(update_fields=["background", "version", "updated_at"])
    log.log(actor, layout, EventType.FIELD_CHANGED, field="background", before=before, after=None)
    transaction.on_commit(lambda: _delete_file_if_unused(before))
    return layout


def _shared_widgets(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**w, "options": {k: v for k, v in (w.get("options") or {}).items() if k not in PERSONAL_OPTIONS}} for w in widgets]


@transaction.atomic
def layout_apply_to_all(*, actor: Member) -> int:
    """Copy the administrator's dashboard (widgets, look, background) to every active member.

    Returns how many members' dashboards changed.
    """
    _require_active(actor)
    if not actor.is_admin:
        raise PermissionDenied(_("Only an administrator applies a layout to every member."))
    source = _locked_layout(actor)
    values: dict[str, Any] = {
        "title": source.title if source else "",
        "theme": source.theme if source else Theme.LIGHT.value,
        "font_colour": source.font_colour if source else "",
        "widgets": _shared_widgets(source.widgets if source else default_widgets()),
    }
    background = source.background.name if source and source.background else ""
    members = list(visible_to(actor, Member).filter(is_active=True).exclude(pk=actor.pk).select_related("user"))
    existing = {
        layout.member_id: layout
        for layout in visible_to(actor, DashboardLayout).select_for_update(of=("self",)).filter(member__in=members).select_related("member__user")
    }
    changed = 0
    replaced: set[str] = set()
    for member in members:
        layout = existing.get(member.pk)
        if layout is None:
            _create_layout(actor, member, {**values, "background": background})
            changed += 1
            continue
        old_background = layout.background.name or ""
        changes = _apply(actor, layout, {**values, "background": background})
        if changes:
            changed += 1
        if old_background and old_background != background:
            replaced.add(old_background)
    for name in replaced:
        transaction.on_commit(lambda name=name: _delete_file_if_unused(name))
    return changed


def _aware(value: Any, field: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: _("Give a date and time.")}) from None
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationError({field: _("Give a date and time with its time zone.")})
    return value


def _clean_figures(figures: Any) -> dict[str, Any]:
    if not isinstance(figures, dict) or not figures.keys() <= BASELINE_PARTS:
        raise ValidationError({"data": _("Give the widget's number, rows and chart.")})
    if all(figures.get(part) in (None, [], {}) for part in BASELINE_PARTS):
        raise ValidationError({"data": _("There are no figures to freeze.")})
    chart = figures.get("chart")
    if chart is not None and not (isinstance(chart, dict) and isinstance(chart.get("labels"), list) and isinstance(chart.get("datasets"), list)):
        raise ValidationError({"data": _("A chart needs labels and datasets.")})
    problem = json_problem(figures)
    if problem:
        raise ValidationError({"data": problem})
    if len(json.dumps(figures)) > MAX_BASELINE_BYTES:
        raise ValidationError({"data": _("The figures are too large to keep as a baseline.")})
    return {part: figures.get(part) for part in sorted(BASELINE_PARTS)}


def _pipeline(actor: Member, value: Any) -> Pipeline | None:
    if value in (None, ""):
        return None
    try:
        pk = int(getattr(value, "pk", value))
        if not 0 < pk <= MAX_ID:
            raise ValueError(pk)
        return visible_to(actor, Pipeline).get(pk=pk)
    except (Pipeline.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"pipeline": _("No pipeline with id %(id)s in this workspace.") % {"id": str(value)[:30]}}) from None


@transaction.atomic
def baseline_create(*, actor: Member, data: Mapping[str, Any]) -> Baseline:
    """Freeze one widget's figures for a period under a name, for the actor alone (SPEC D18).

    `data`: widget_key, name, period {key, start, end, label}, pipeline, as_of, currency, and
    data {number, rows, chart} as the widget API answered them.
    """
    _require_active(actor)
    errors: dict[str, list[str]] = {}
    unknown = set(data) - {"widget_key", "name", "period", "pipeline", "as_of", "currency", "data"}
    for name in sorted(unknown):
        errors.setdefault(name, []).append(_("Unknown or read-only field."))
    values: dict[str, Any] = {}

    def check(field: str, fn) -> None:
        try:
            values[field] = fn()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)

    def widget_key() -> str:
        if data.get("widget_key") not in WIDGET_KEYS:
            raise ValidationError({"widget_key": _("There is no such widget.")})
        return data["widget_key"]

    def period() -> dict[str, Any]:
        raw = data.get("period")
        if not isinstance(raw, Mapping) or raw.get("key") not in PERIODS:
            raise ValidationError({"period": _("Give the period: today, yesterday, week, month or custom, with its start and end.")})
        start, end = _aware(raw.get("start"), "period.start"), _aware(raw.get("end"), "period.end")
        if start >= end:
            raise ValidationError({"period.end": _("The period must end after it starts.")})
        return {"key": raw["key"], "start": start, "end": end, "label": _text(raw.get("label"), "period.label", 120)}

    def currency() -> str:
        value = data.get("currency") or ""
        if value and not (isinstance(value, str) and re.fullmatch(r"[A-Z]{3}", value)):
            raise ValidationError({"currency": _("Give a three-letter currency code.")})
        return value

    check("widget_key", widget_key)
    check("name", lambda: _text(data.get("name"), "name", 120, required=True))
    check("period", period)
    check("pipeline", lambda: _pipeline(actor, data.get("pipeline")))
    check("as_of", lambda: None if data.get("as_of") is None else _aware(data["as_of"], "as_of"))
    check("currency", currency)
    check("data", lambda: _clean_figures(data.get("data")))
    if errors:
        raise ValidationError(errors)
    mine = visible_to(actor, Baseline).filter(member_id=actor.pk)
    if mine.filter(widget_key=values["widget_key"], name=values["name"]).exists():
        raise ValidationError({"name": _("You already keep a baseline with this name for this widget.")})
    if mine.count() >= MAX_BASELINES:
        raise ValidationError({"name": _("You keep %(n)d baselines already; delete some first.") % {"n": MAX_BASELINES}})
    baseline = Baseline(
        workspace_id=actor.workspace_id,
        member=actor,
        widget_key=values["widget_key"],
        name=values["name"],
        period_key=values["period"]["key"],
        period_start=values["period"]["start"],
        period_end=values["period"]["end"],
        period_label=values["period"]["label"],
        pipeline=values["pipeline"],
        as_of=values["as_of"],
        currency=values["currency"],
        data=values["data"],
        created_at=clock.now(),
    )
    try:
        with transaction.atomic():
            baseline.save()
    except IntegrityError:
        raise ValidationError({"name": _("You already keep a baseline with this name for this widget.")}) from None
    # The figures stay out of the event: the log says what was frozen, not the numbers themselves.
    log.log(actor, baseline, EventType.CREATED, after=_baseline_summary(baseline))
    return baseline


def _baseline_summary(baseline: Baseline) -> dict[str, Any]:
    return {
        "widget": baseline.widget_key,
        "name": baseline.name,
        "period": baseline.period_label or baseline.period_key,
        "start": baseline.period_start,
        "end": baseline.period_end,
    }


def _require_own(actor: Member, baseline: Baseline) -> None:
    if baseline.workspace_id != actor.workspace_id or baseline.member_id != actor.pk:
        raise NotFound("baseline not found")


@transaction.atomic
def baseline_rename(*, actor: Member, baseline: Baseline, name: Any) -> Baseline:
    _require_active(actor)
    _require_own(actor, baseline)
    name = _text(name, "name", 120, required=True)
    if name == baseline.name:
        return baseline
    taken = visible_to(actor, Baseline).filter(member_id=actor.pk, widget_key=baseline.widget_key, name=name).exclude(pk=baseline.pk)
    if taken.exists():
        raise ValidationError({"name": _("You already keep a baseline with this name for this widget.")})
    before = baseline.name
    baseline.name = name
    baseline.save(update_fields=["name"])
    log.log(actor, baseline, EventType.FIELD_CHANGED, field="name", before=before, after=name)
    return baseline


@transaction.atomic
def baseline_delete(*, actor: Member, baseline: Baseline) -> None:
    _require_active(actor)
    _require_own(actor, baseline)
    log.log(actor, baseline, EventType.DELETED, before=_baseline_summary(baseline))
    baseline.delete()
