"""Detail pages of records: fields, custom fields, timeline of activities, history from the event
log, related records and attachments (SPEC R1-R6, R9, E2)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rapport.core.errors import NotFound
from rapport.events.models import Event
from rapport.events.selectors import events_visible_to
from rapport.records import services
from rapport.records.models import (
    Account,
    Activity,
    Attachment,
    Contact,
    CustomFieldDefinition,
    Deal,
    DealContact,
    DealStatus,
)
from rapport.records.services.attachments import attachments_of
from rapport.records.services.leads import SETTABLE_STATUSES
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import MAX_ID, can, visible_to

from ..forms_actions import (
    AttachmentForm,
    MoveForm,
    QualifyForm,
    QuickActivityForm,
    ReasonForm,
)
from ..forms_records import member_choices
from .records_common import KINDS, Cell, RecordKind, detail_url, member_view

DETAIL_FIELDS: dict[str, tuple[str, ...]] = {
    "account": (
        "kind", "account_type", "organisation", "first_name", "last_name", "emails", "phones", "website", "street",
        "city", "postcode", "country", "registration_number", "vat_number", "industry", "owner", "parent", "groups",
        "tags", "is_global", "is_private", "comment", "archived_at",
    ),
    "contact": (
        "first_name", "last_name", "job_title", "contact_type", "account", "emails", "phones", "owner",
        "consent_email", "consent_phone", "tags", "anonymised_at",
    ),
    "lead": (
        "status", "disqualify_reason", "source", "priority", "first_name", "last_name", "company", "email", "phone",
        "owner", "account", "deal", "budget", "currency", "description", "tags", "archived_at",
    ),
    "deal": (
        "account", "pipeline", "stage", "status", "lost_reason", "amount", "currency", "expected_close", "owner",
        "source", "tags", "stage_changed_at", "closed_at",
    ),
    "activity": (
        "kind", "owner", "due_at", "done_at", "direction", "duration_minutes", "category", "account", "contact",
        "lead", "deal", "participant_members", "participant_contacts", "recording_url", "body",
    ),
}
TIMELINE_LIMIT = 50
HISTORY_LIMIT = 200
RELATED_LIMIT = 25


def fetch_record(actor: Member, kind: RecordKind, pk: int) -> Any:
    """The record with what its page shows loaded, or NotFound if missing or hidden (P5)."""
    if not 0 < pk <= MAX_ID:
        raise NotFound(str(kind.label))
    qs = visible_to(actor, kind.model).select_related(*kind.detail_related)
    if kind.detail_prefetch:
        qs = qs.prefetch_related(*kind.detail_prefetch)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(str(kind.label))
    return obj


def _label(text: Any) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def _link(href: str) -> str:
    # Only web addresses become links: a stored "javascript:" value must stay inert text.
    return href if href.startswith(("http://", "https://")) else ""


def field_cell(obj: models.Model, name: str, actor: Member) -> Cell:
    field = obj._meta.get_field(name)
    if isinstance(field, models.ManyToManyField):
        return Cell([getattr(r, "display_name", None) or str(r) for r in getattr(obj, name).all()], kind="tags")
    value = getattr(obj, name)
    if field.choices and value not in (None, ""):
        return Cell(getattr(obj, f"get_{name}_display")(), kind=f"badge status-{value}" if name == "status" else "text")
    if field.is_relation:
        if value is None:
            return Cell(None)
        if isinstance(value, Member):
            return Cell(value.display_name)
        if getattr(type(value), "RECORD_TYPE", None):
            if not can(actor, Action.VIEW, value):
                return Cell(_("(hidden)"))
            return Cell(str(value), href=detail_url(value))
        return Cell(str(value))
    if isinstance(field, models.DateTimeField):
        return Cell(value, kind="datetime")
    if isinstance(field, models.DateField):
        return Cell(value, kind="date")
    if isinstance(field, models.DecimalField):
        return Cell(value, kind="money")
    if isinstance(field, models.BooleanField):
        return Cell(value, kind="bool")
    if isinstance(field, models.URLField):
        return Cell(value, href=_link(value or ""))
    if isinstance(field, models.JSONField):
        return Cell(list(value) if isinstance(value, list) else [f"{k}: {v}" for k, v in (value or {}).items()], kind="tags")
    if isinstance(field, models.TextField):
        return Cell(value, kind="multiline")
    return Cell(value)


def custom_cells(obj: Any, definitions: list[CustomFieldDefinition], actor: Member) -> list[tuple[str, Cell]]:
    members = None
    cells = []
    for definition in definitions:
        value = obj.custom.get(definition.key)
        if definition.field_type == "user" and value is not None:
            members = members if members is not None else dict(member_choices(actor))
            cell = Cell(members.get(value, f"#{value}"))
        elif definition.field_type == "link" and value:
            cell = Cell(value, href=_link(str(value)))
        elif definition.field_type == "boolean":
            cell = Cell(value, kind="bool")
        elif isinstance(value, list):
            cell = Cell(value, kind="tags")
        else:
            cell = Cell(value)
        cells.append((definition.label, cell))
    return cells


HIDDEN = _("(hidden)")


def value_text(value: Any, hidden: dict[str, set[int]] | None = None, key: str = "") -> str:
    """An event's before / after value as one line of text (rendered escaped). A reference to a
    record the member may not see (a private account) shows as "(hidden)", not by name."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dict):
        if "id" in value and "name" in value:  # a reference ({"id", "name"}), not a snapshot
            if hidden and value.get("id") in hidden.get(key, ()):
                return str(HIDDEN)
            extra = [f"{k}: {value_text(v)}" for k, v in value.items() if k not in ("id", "name") and v not in (None, "")]
            return str(value["name"]) + (f" ({', '.join(extra)})" if extra else "")
        return "; ".join(f"{k}: {value_text(v, hidden, k)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(value_text(v, hidden, key) for v in value)
    return str(value)


def _references(model: type[models.Model], events: list[Event]) -> dict[str, tuple[type[models.Model], set[int]]]:
    """The record ids each reference field of `model` names in the events' values."""
    fields = {
        f.name: f.related_model
        for f in model._meta.get_fields()
        if f.is_relation and f.concrete and getattr(f.related_model, "RECORD_TYPE", None)
    }
    found: dict[str, tuple[type[models.Model], set[int]]] = {}

    def collect(key: str, value: Any) -> None:
        if isinstance(value, dict) and "id" in value and key in fields:
            found.setdefault(key, (fields[key], set()))[1].add(value["id"])
        elif isinstance(value, dict):
            for k, v in value.items():
                collect(k, v)

    for event in events:
        for value in (event.before, event.after):
            collect(event.field, value)
    return found


def _hidden_references(actor: Member, model: type[models.Model], events: list[Event]) -> dict[str, set[int]]:
    hidden: dict[str, set[int]] = {}
    for key, (related, ids) in _references(model, events).items():
        visible = set(visible_to(actor, related).filter(pk__in=ids).values_list("id", flat=True))
        if ids - visible:
            hidden[key] = ids - visible
    return hidden


def field_label(model: type[models.Model], name: str, definitions: list[CustomFieldDefinition]) -> str:
    if not name:
        return ""
    if name.startswith("custom."):
        key = name.removeprefix("custom.")
        return next((d.label for d in definitions if d.key == key), key)
    if name.startswith("contact_role."):
        return str(_("Contact role"))
    try:
        return _label(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except Exception:
        return name.replace("_", " ").capitalize()


def history_rows(actor: Member, obj: models.Model, definitions: list[CustomFieldDefinition]) -> list[dict[str, Any]]:
    """The record's history tab: the event log filtered to it, newest first (SPEC E2)."""
    events: list[Event] = list(
        events_visible_to(actor)
        .filter(object_type=type(obj).RECORD_TYPE, object_id=obj.pk)  # type: ignore[attr-defined]
        .order_by("-occurred_at", "-id")[:HISTORY_LIMIT]
    )
    hidden = _hidden_references(actor, type(obj), events)
    return [
        {
            "when": event.occurred_at,
            "author": event.actor_name,
            "event": event.get_event_type_display(),
            "event_type": event.event_type,
            "field": field_label(type(obj), event.field, definitions),
            "before": value_text(event.before, hidden, event.field),
            "after": value_text(event.after, hidden, event.field),
        }
        for event in events
    ]


def attachment_groups(obj: models.Model) -> list[dict[str, Any]]:
    """Attachments grouped by document, newest version first."""
    groups: dict[str, dict[str, Any]] = {}
    for attachment in attachments_of(obj).select_related("uploaded_by__user"):
        group = groups.setdefault(attachment.name, {"name": attachment.name, "versions": []})
        group["versions"].append(attachment)
    return list(groups.values())


def _related(actor: Member, kind: RecordKind, obj: Any) -> dict[str, Any]:
    related: dict[str, Any] = {}
    if kind.record_type == "account":
        related["contacts"] = list(visible_to(actor, Contact).filter(account=obj).order_by("last_name", "id")[:RELATED_LIMIT])
        related["deals"] = list(visible_to(actor, Deal).filter(account=obj).select_related("stage").order_by("-created_at", "-id")[:RELATED_LIMIT])
        related["children"] = list(visible_to(actor, Account).filter(parent=obj).order_by("name", "id")[:RELATED_LIMIT])
    elif kind.record_type == "contact":
        related["deals"] = list(
            visible_to(actor, Deal).filter(contact_links__contact=obj).select_related("stage").order_by("-created_at", "-id")[:RELATED_LIMIT]
        )
    elif kind.record_type == "deal":
        links = DealContact.objects.filter(deal=obj).select_related("contact").order_by("id")
        related["contact_links"] = [(link, can(actor, Action.VIEW, link.contact)) for link in links]
        related["stage_changes"] = list(obj.stage_changes.select_related("from_stage", "to_stage", "actor__user").order_by("-changed_at", "-id"))
    return related


# Shown even when empty ("no owner" says something); other empty fields are left out.
ALWAYS_SHOWN = frozenset({"owner", "status", "stage", "pipeline", "account", "kind", "amount"})


def _fields(obj: Any, kind: RecordKind, actor: Member) -> list[tuple[str, Cell]]:
    fields = []
    for name in DETAIL_FIELDS[kind.record_type]:
        cell = field_cell(obj, name, actor)
        if name in ALWAYS_SHOWN or cell.value not in (None, "", []):
            fields.append((_label(obj._meta.get_field(name).verbose_name), cell))
    return fields


def detail_context(request: HttpRequest, kind: RecordKind, obj: Any, **forms: Any) -> dict[str, Any]:
    """Everything a detail page shows; action views pass their bound form back to show its errors."""
    actor: Member = request.actor  # type: ignore[attr-defined]
    definitions = list(CustomFieldDefinition.objects.filter(workspace_id=actor.workspace_id, record_type=kind.record_type))
    can_edit = can(actor, Action.EDIT, obj)
    context: dict[str, Any] = {
        "kind": kind,
        "section": kind.slug,
        "obj": obj,
        "fields": _fields(obj, kind, actor),
        "custom": custom_cells(obj, definitions, actor),
        "attachments": attachment_groups(obj),
        "can_edit": can_edit,
        "can_delete": can(actor, Action.DELETE, obj),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "related": _related(actor, kind, obj),
    }
    if kind.record_type != "activity":
        activities = visible_to(actor, Activity).filter(**{kind.record_type: obj}).select_related("owner__user")
        context["timeline"] = [(a, can(actor, Action.EDIT, a)) for a in activities.order_by("-created_at", "-id")[:TIMELINE_LIMIT]]
        context["can_add_activity"] = can(actor, Action.ADD, Activity)
        context["quick_form"] = forms.get("quick_form") or QuickActivityForm()
    if kind.record_type == "deal" and can_edit:
        context["move_form"] = forms.get("move_form") or MoveForm(actor=actor, initial={"stage": obj.stage_id, "version": obj.version})
        context["lost_form"] = forms.get("lost_form") or ReasonForm(initial={"version": obj.version}, prefix_id="lost")
    if kind.record_type == "lead" and can_edit and obj.status in SETTABLE_STATUSES and not obj.archived_at:
        context["qualify_form"] = forms.get("qualify_form") or QualifyForm(actor=actor, initial={"version": obj.version})
        context["disqualify_form"] = forms.get("disqualify_form") or ReasonForm(initial={"version": obj.version}, prefix_id="disqualify")
    context["deal_open"] = kind.record_type == "deal" and obj.status == DealStatus.OPEN
    context["error_form"] = forms.get("error_form")
    return context


def render_detail(request: HttpRequest, kind: RecordKind, obj: Any, status: int = 200, **forms: Any) -> HttpResponse:
    return render(request, "web/records/detail.html", detail_context(request, kind, obj, **forms), status=status)


@member_view
def record_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = KINDS[slug]
    return render_detail(request, kind, fetch_record(request.actor, kind, pk))  # type: ignore[attr-defined]


@member_view
def record_history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The history tab: loaded into the detail page when the tab opens, and a page of its own."""
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    obj = fetch_record(actor, kind, pk)
    definitions = list(CustomFieldDefinition.objects.filter(workspace_id=actor.workspace_id, record_type=kind.record_type))
    context = {"kind": kind, "section": kind.slug, "obj": obj, "history": history_rows(actor, obj, definitions)}
    template = "web/records/_history.html" if request.htmx else "web/records/history.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
@member_view
def activity_quick_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Add a note, task or call to the record's timeline through the activity service."""
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    obj = fetch_record(actor, kind, pk)
    form = QuickActivityForm(request.POST)
    if form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        data[kind.record_type] = obj.pk
        try:
            services.activity_create(actor=actor, data=data)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(key if key in form.fields else None, message)
        else:
            return redirect(f"{detail_url(obj)}#timeline")
    return render_detail(request, kind, obj, status=422, quick_form=form)


@require_POST
@member_view
def activity_complete(request: HttpRequest, pk: int, done: bool = True) -> HttpResponse:
    """Complete (or reopen) a task from a timeline; htmx swaps the one timeline item."""
    actor: Member = request.actor  # type: ignore[attr-defined]
    activity = fetch_record(actor, KINDS["activities"], pk)
    services.activity_complete(actor=actor, activity=activity, done=done)
    activity = fetch_record(actor, KINDS["activities"], pk)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/records/_timeline_item.html", {"item": activity, "item_can_edit": True})
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else detail_url(activity))


@require_POST
@member_view
def attachment_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    obj = fetch_record(actor, kind, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        replaces = None
        if form.cleaned_data.get("replaces"):
            replaces = attachments_of(obj).filter(pk=form.cleaned_data["replaces"]).first()
            if replaces is None:
                form.add_error(None, _("That file is not attached to this record."))
        if not form.errors:
            try:
                services.attachment_upload(actor=actor, record=obj, file=form.cleaned_data["file"], replaces=replaces)
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    for message in messages:
                        form.add_error("file" if key not in form.fields else key, message)
            else:
                return redirect(f"{detail_url(obj)}#attachments")
    return render_detail(request, kind, obj, status=422, attachment_form=form)


@member_view
def attachment_download(request: HttpRequest, slug: str, pk: int, attachment_id: int) -> HttpResponse:
    """Download a file: as visible as its record; always as a download, never rendered inline."""
    kind = KINDS[slug]
    obj = fetch_record(request.actor, kind, pk)  # type: ignore[attr-defined]
    attachment: Attachment | None = attachments_of(obj).filter(pk=attachment_id).first() if attachment_id <= MAX_ID else None
    if attachment is None:
        raise Http404(_("Not found."))
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The file is missing from storage.")) from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.name, content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response
