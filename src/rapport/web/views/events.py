"""The Events page (SPEC E2): the event log newest first, filtered, keyset-paged, limited to what
the member may see (rapport.events.selectors.events_visible_to)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from rapport.api.paging import paginate
from rapport.core import clock
from rapport.events.models import Event, EventType
from rapport.events.selectors import RECORD_MODELS, events_visible_to
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import MAX_ID, visible_to

PAGE_SIZE = 50
# Where each record type's detail page lives (the agreed URL map of the web app).
RECORD_URLS = {"account": "/accounts/{}/", "contact": "/contacts/{}/", "lead": "/leads/{}/", "deal": "/deals/{}/", "activity": "/activities/{}/"}
# Object types the filter offers: the record types, then the settings and people services log.
OTHER_OBJECT_TYPES = ("records.pipeline", "records.stage", "records.customfielddefinition", "records.tag", "records.savedfilter", "records.attachment", "workspaces.member")


def object_type_choices() -> list[tuple[str, str]]:
    choices = [(m.RECORD_TYPE, str(m._meta.verbose_name)) for m in RECORD_MODELS]
    for label in OTHER_OBJECT_TYPES:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        choices.append((model._meta.model_name, str(model._meta.verbose_name)))
    return choices


PERIODS = [
    ("", _("Any time")),
    ("today", _("Today")),
    ("yesterday", _("Yesterday")),
    ("week", _("This week")),
    ("month", _("This month")),
    ("custom", _("Custom")),
]


class EventFilterForm(forms.Form):
    """The page's filters; names match the API's /api/v1/events query parameters."""

    user = forms.TypedChoiceField(label=_("User"), required=False, coerce=int, empty_value=None)
    event_type = forms.ChoiceField(label=_("Event"), required=False, choices=[("", _("Any event"))] + list(EventType.choices))
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.IntegerField(label=_("Object id"), required=False, min_value=1, max_value=MAX_ID)
    period = forms.ChoiceField(label=_("Period"), required=False, choices=PERIODS)
    since = forms.DateField(label=pgettext_lazy("period start", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=pgettext_lazy("period end", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, member: Member, **kwargs: Any):
        super().__init__(*args, **kwargs)
        people = visible_to(member, Member).select_related("user").order_by("user__first_name", "user__last_name", "id")
        self.fields["user"].choices = [("", _("Anyone"))] + [(m.pk, m.display_name) for m in people]
        self.fields["object_type"].choices = [("", _("Any type"))] + object_type_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if (since or until) and not data.get("period"):
            data["period"] = "custom"
        if data.get("period") == "custom" and not (since or until):
            self.add_error("since", gettext("Give a start or an end date for a custom period."))
        if since and until and until < since:
            self.add_error("until", gettext("The end date is before the start date."))
        return data


def period_bounds(period: str, since: dt.date | None, until: dt.date | None, time_zone: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start, end) of a period in the workspace's time zone, as aware datetimes."""
    tz = zoneinfo.ZoneInfo(time_zone)
    today = timezone.localtime(clock.now(), tz).date()

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=tz)

    if period == "today":
        return midnight(today), midnight(today + dt.timedelta(days=1))
    if period == "yesterday":
        return midnight(today - dt.timedelta(days=1)), midnight(today)
    if period == "week":
        start = today - dt.timedelta(days=today.weekday())
        return midnight(start), midnight(start + dt.timedelta(days=7))
    if period == "month":
        start = today.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return midnight(start), midnight(following)
    if period == "custom":
        return (midnight(since) if since else None), (midnight(until + dt.timedelta(days=1)) if until else None)
    return None, None


def _model_field(object_type: str, name: str):
    model = next((m for m in RECORD_MODELS if m.RECORD_TYPE == object_type), None)
    if model is None:
        model = next((m for m in apps.get_models() if m._meta.model_name == object_type), None)
    if model is None or not name or name.startswith("custom."):
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_label(object_type: str, name: str) -> str:
    if name.startswith("custom."):
        return name.removeprefix("custom.").replace("_", " ")
    field = _model_field(object_type, name)
    return str(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else name.replace("_", " ")


def _value(object_type: str, name: str, value: Any) -> str:
    """A value for the page: a choice by its label ("won" → "Won"), anything else readable."""
    field = _model_field(object_type, name)
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else {}
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    return readable(value)


def readable(value: Any) -> str:
    """An event value as a person reads it: {id, name} objects by name, lists joined."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict):
        if "name" in value and set(value) <= {"id", "name", "role"}:
            return f"{value['name']} ({value['role']})" if value.get("role") else str(value["name"])
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items() if readable(item))
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value if readable(item))
    return str(value)


def _rows(events: list[Event], time_zone: str) -> SafeString:
    """The table's rows, built in Python: fifty events of seven labelled cells each were most of
    the page's time as template nodes. Every value is escaped here."""
    labels = dict(EventType.choices)
    object_types = dict(object_type_choices())
    zone = zoneinfo.ZoneInfo(time_zone)
    cell_labels = [
        conditional_escape(gettext(text))
        for text in ("Date", "Author", "Object", "Event", "Field", "Value before", "Value after")
    ]
    date, author, obj, event_label, field, before_label, after_label = cell_labels
    shown_kinds = {"api", "automation"}
    kinds = dict(Event._meta.get_field("actor_kind").flatchoices)
    rows = []
    for e in events:
        when = e.occurred_at.astimezone(zone)
        badge = f' <span class="badge">{conditional_escape(kinds.get(e.actor_kind, e.actor_kind))}</span>' if e.actor_kind in shown_kinds else ""
        name = conditional_escape(e.object_name)
        url = RECORD_URLS[e.object_type].format(e.object_id) if e.object_type in RECORD_URLS else None
        target = f'<a href="{conditional_escape(url)}">{name}</a>' if url else name
        field_label = _field_label(e.object_type, e.field) if e.field else ""
        before = _value(e.object_type, e.field, e.before) or "—"
        after = _value(e.object_type, e.field, e.after) or "—"
        cells = (
            f'<td data-label="{date}"><time datetime="{when.isoformat()}">{when:%Y-%m-%d %H:%M}</time></td>',
            f'<td data-label="{author}">{conditional_escape(e.actor_name)}{badge}</td>',
            f'<td data-label="{obj}"><span class="muted">{conditional_escape(object_types.get(e.object_type, e.object_type))}</span> {target}</td>',
            f'<td data-label="{event_label}">{conditional_escape(labels.get(e.event_type, e.event_type))}</td>',
            f'<td data-label="{field}">{conditional_escape(field_label)}</td>',
            f'<td data-label="{before_label}" class="value">{conditional_escape(before)}</td>',
            f'<td data-label="{after_label}" class="value">{conditional_escape(after)}</td>',
        )
        # A line between cells, as a template would leave: the row's text reads "Qualification
        # Proposal", not "QualificationProposal", to whatever reads text rather than cells.
        rows.append(f'<tr data-event-id="{e.pk}">\n' + "\n".join(cells) + "\n</tr>")
    return mark_safe("\n".join(rows))


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    member = request.member
    time_zone = member.workspace.time_zone
    form = EventFilterForm(request.GET or None, member=member)
    rows: list[Event] = []
    page: dict[str, Any] = {"next_cursor": None}
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        qs = events_visible_to(member)
        if data.get("user"):
            qs = qs.filter(actor_id=data["user"])
        for name in ("event_type", "object_type", "object_id"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        start, end = period_bounds(data.get("period") or "", data.get("since"), data.get("until"), time_zone)
        if start:
            qs = qs.filter(occurred_at__gte=start)
        if end:
            qs = qs.filter(occurred_at__lt=end)
        try:
            rows, page = paginate(
                qs, ordering="-occurred_at", allowed=("occurred_at",), default="-occurred_at", limit=PAGE_SIZE,
                cursor=request.GET.get("cursor") or None,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
            status = 400
    kept = {key: value for key, value in request.GET.items() if key != "cursor" and value != ""}
    context = {
        "section": "events",
        "form": form,
        "rows": _rows(rows, time_zone),
        "time_zone": time_zone,
        "next_url": "?" + urlencode({**kept, "cursor": page["next_cursor"]}) if page.get("next_cursor") else None,
        "first_url": "?" + urlencode(kept) if request.GET.get("cursor") else None,
        "filtered": bool(kept),
    }
    return render(request, "web/events/list.html", context, status=status)
