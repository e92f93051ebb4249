"""Create and edit forms of records, built from the model and the workspace's custom fields.

The forms only parse what the browser sends into the data shape the API sends (ids for
references, lists for e-mails, `custom` for custom fields); the record services validate it and
their per-field errors are put back next to the fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.records.models import (
    Account,
    AccountGroup,
    AccountType,
    Activity,
    Contact,
    CustomFieldDefinition,
    CustomFieldType,
    Deal,
    Lead,
    Pipeline,
    Stage,
    Tag,
)
from rapport.records.services.leads import SETTABLE_STATUSES
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

MODELS: dict[str, type[models.Model]] = {"account": Account, "contact": Contact, "lead": Lead, "deal": Deal, "activity": Activity}
# A reference select lists at most this many records; ids beyond it still validate in the service.
REFERENCE_LIMIT = 300
CUSTOM_PREFIX = "custom__"

FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "account": (
        "kind", "name", "first_name", "last_name", "account_type", "organisation", "emails", "phones",
        "website", "street", "city", "postcode", "country", "registration_number", "vat_number", "industry",
        "owner", "parent", "groups", "tags", "is_global", "is_private", "comment",
    ),
    "contact": (
        "first_name", "last_name", "job_title", "contact_type", "account", "emails", "phones", "owner",
        "consent_email", "consent_phone", "tags",
    ),
    "lead": (
        "title", "first_name", "last_name", "company", "email", "phone", "source", "status", "priority",
        "owner", "account", "budget", "currency", "description", "tags",
    ),
    "deal": ("name", "pipeline", "stage", "account", "amount", "currency", "expected_close", "owner", "source", "tags"),
    "activity": (
        "kind", "subject", "body", "owner", "due_at", "direction", "duration_minutes", "category",
        "account", "contact", "lead", "deal", "participant_members",
    ),
}
# Fields the edit form leaves out: a deal changes pipeline and stage only by moving.
EDIT_EXCLUDED: dict[str, tuple[str, ...]] = {"deal": ("pipeline", "stage")}
HELP: dict[tuple[str, str], Any] = {
    ("account", "name"): _("For a person, leave empty to use the first and last name."),
    ("deal", "stage"): _("Leave empty for the pipeline's incoming stage."),
    ("deal", "currency"): _("Three-letter code, e.g. EUR."),
    ("lead", "currency"): _("Three-letter code, e.g. EUR."),
    ("account", "country"): _("Two-letter code, e.g. ES."),
}


class LinesField(forms.CharField):
    """A list of texts typed one per line (e-mail addresses, phone numbers)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return list(initial or []) != self.to_python(data)


class ReferenceField(forms.TypedChoiceField):
    """A select of related rows; any id passes here, the service checks it exists and is visible."""

    def __init__(self, *, choices: Iterable[Any], **kwargs: Any):
        super().__init__(choices=[("", "—"), *choices], coerce=int, empty_value=None, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit() and len(str(value)) <= 19

    def has_changed(self, initial: Any, data: Any) -> bool:
        return str(initial or "") != str(data or "")


class IdsField(forms.TypedMultipleChoiceField):
    def __init__(self, *, choices: Iterable[Any], **kwargs: Any):
        super().__init__(choices=list(choices), coerce=int, required=False, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit() and len(str(value)) <= 19


def _memo(actor: Member, key: str, compute: Callable[[], Any]) -> Any:
    """Compute a choice list once per request: the acting member is loaded afresh for each one,
    and a page often has several selects of the same rows (filters, bulk actions, forms)."""
    cache = actor.__dict__.setdefault("_web_choices", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def group_choices(actor: Member) -> list[tuple[int, str]]:
    return _memo(actor, "groups", lambda: [(g.pk, g.name) for g in AccountGroup.objects.filter(workspace_id=actor.workspace_id).order_by("name")])


def member_choices(actor: Member) -> list[tuple[int, str]]:
    def compute() -> list[tuple[int, str]]:
        members = Member.objects.filter(workspace_id=actor.workspace_id, is_active=True).select_related("user")
        return sorted(((m.pk, m.display_name) for m in members), key=lambda item: item[1].lower())

    return _memo(actor, "members", compute)


def tag_choices(actor: Member) -> list[tuple[int, str]]:
    return _memo(actor, "tags", lambda: [(t.pk, t.name) for t in Tag.objects.filter(workspace_id=actor.workspace_id).order_by("name")])


def pipeline_choices(actor: Member) -> list[tuple[int, str]]:
    """Pipelines that have stages (a deal can only be in one of those), from the stages' query."""
    seen: dict[int, str] = {}
    for _pk, _name, pipeline_id, pipeline_name in _stages(actor):
        seen.setdefault(pipeline_id, pipeline_name)
    return list(seen.items())


def _stages(actor: Member) -> list[tuple[int, str, int, str]]:
    def compute() -> list[tuple[int, str, int, str]]:
        stages = Stage.objects.filter(workspace_id=actor.workspace_id).select_related("pipeline").order_by(
            "pipeline__position", "pipeline_id", "position", "id"
        )
        return [(s.pk, s.name, s.pipeline_id, s.pipeline.name) for s in stages]

    return _memo(actor, "stages", compute)


def stage_choices(actor: Member, pipeline_id: int | None = None) -> list[Any]:
    """Stages grouped by pipeline (one group when `pipeline_id` is given)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, name, stage_pipeline_id, pipeline_name in _stages(actor):
        if pipeline_id is None or stage_pipeline_id == pipeline_id:
            groups.setdefault(pipeline_name, []).append((pk, name))
    return list(groups.items())


def reference_choices(actor: Member, model: type[models.Model], current: Any) -> list[tuple[int, str]]:
    if model is Member:
        return member_choices(actor)
    if model is Stage:
        return stage_choices(actor)
    if model is Tag:
        return tag_choices(actor)
    if model in (Pipeline, AccountType, AccountGroup):
        qs = model._default_manager.filter(workspace_id=actor.workspace_id)  # type: ignore[attr-defined]
        return [(row.pk, str(row)) for row in qs.order_by("name" if model is not Pipeline else "position", "id")]
    qs = visible_to(actor, model)
    order = {"Contact": ("last_name", "first_name"), "Lead": ("title",), "Activity": ("-created_at",)}.get(model.__name__, ("name",))
    rows = list(qs.order_by(*order, "id")[:REFERENCE_LIMIT])
    if current and all(row.pk != current for row in rows):
        rows += list(qs.filter(pk=current))
    return [(row.pk, str(row)) for row in rows]


def _model_form_field(actor: Member, model: type[models.Model], name: str, current: Any) -> forms.Field:
    model_field = model._meta.get_field(name)
    label = model_field.verbose_name if hasattr(model_field, "verbose_name") else name
    label = str(label)[:1].upper() + str(label)[1:]
    if name in ("emails", "phones"):
        return LinesField(label=label, required=False, help_text=_("One per line."))
    if isinstance(model_field, models.ManyToManyField):
        choices = reference_choices(actor, model_field.related_model, None)  # type: ignore[arg-type]
        return IdsField(label=label, choices=choices, widget=forms.CheckboxSelectMultiple)
    if model_field.is_relation:
        choices = reference_choices(actor, model_field.related_model, current)  # type: ignore[arg-type]
        return ReferenceField(label=label, choices=choices, required=not model_field.blank)
    if isinstance(model_field, models.DateTimeField):
        return forms.DateTimeField(
            label=label,
            required=not model_field.blank,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
    if isinstance(model_field, models.DateField):
        return forms.DateField(label=label, required=not model_field.blank, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    form_field = model_field.formfield()
    form_field.label = label
    return form_field


def custom_form_field(actor: Member, definition: CustomFieldDefinition) -> forms.Field:
    kind = definition.field_type
    common: dict[str, Any] = {"label": definition.label, "required": definition.required}
    if kind == CustomFieldType.TEXT:
        return forms.CharField(max_length=2000, **common)
    if kind in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
        return forms.DecimalField(max_digits=20, decimal_places=2 if kind == CustomFieldType.MONEY else 6, **common)
    if kind == CustomFieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *((c, c) for c in definition.choices)], **common)
    if kind == CustomFieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(choices=[(c, c) for c in definition.choices], widget=forms.CheckboxSelectMultiple, **common)
    if kind == CustomFieldType.USER:
        return ReferenceField(choices=member_choices(actor), **common)
    if kind == CustomFieldType.LINK:
        return forms.URLField(max_length=2000, assume_scheme="https", **common)
    # A boolean is always answered (unticked is "no"), so it is never "missing".
    return forms.BooleanField(label=definition.label, required=False)


class RecordForm(forms.Form):
    """Base of the generated forms: turns cleaned values into service data and back."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    record_type: str = ""

    def service_data(self, *, changed_only: bool) -> dict[str, Any]:
        """The create / update payload; an update sends only what the member changed. A field the
        request did not send at all is left out (the service's default, or the current value),
        as in the API; an unticked checkbox is sent, since browsers omit those."""
        data: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name == "version" or (changed_only and name not in self.changed_data):
                continue
            if self.fields[name].widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name)):
                continue
            if name.startswith(CUSTOM_PREFIX):
                custom[name.removeprefix(CUSTOM_PREFIX)] = _custom_value(value)
            else:
                data[name] = value
        if custom:
            data["custom"] = custom
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's per-field errors next to the fields they name."""
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for key, texts in messages.items():
            name = CUSTOM_PREFIX + key.removeprefix("custom.") if key.startswith("custom.") else key
            for text in texts:
                if name in self.fields and name != "version":
                    self.add_error(name, text)
                elif key == "__all__":
                    self.add_error(None, text)
                else:
                    self.add_error(None, f"{key}: {text}")


def _custom_value(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal: stored as text, like the API sends numbers
        return str(value)
    return value


def record_form_class(actor: Member, record_type: str, instance: models.Model | None = None) -> type[RecordForm]:
    """A form class for creating (no instance) or editing one record of `record_type`."""
    model = MODELS[record_type]
    names = [n for n in FORM_FIELDS[record_type] if instance is None or n not in EDIT_EXCLUDED.get(record_type, ())]
    if record_type == "lead" and instance is not None and instance.status not in SETTABLE_STATUSES:  # type: ignore[attr-defined]
        names.remove("status")  # a closed lead's status changes only through its actions
    attrs: dict[str, Any] = {"record_type": record_type}
    for name in names:
        current = getattr(instance, f"{name}_id", None) if instance is not None else None
        form_field = _model_form_field(actor, model, name, current)
        if isinstance(form_field, IdsField) and not form_field.choices:
            continue  # no tags or groups defined yet: nothing to choose from
        help_text = HELP.get((record_type, name))
        if help_text:
            form_field.help_text = help_text
        attrs[name] = form_field
    _adjust(record_type, attrs)
    for definition in CustomFieldDefinition.objects.filter(workspace_id=actor.workspace_id, record_type=record_type):
        attrs[CUSTOM_PREFIX + definition.key] = custom_form_field(actor, definition)
    return type(f"{model.__name__}Form", (RecordForm,), attrs)


def _adjust(record_type: str, attrs: dict[str, Any]) -> None:
    """The few places where the form asks less than the model (the service fills the rest in)."""
    if record_type == "account":
        attrs["name"].required = False
    if record_type == "lead" and "status" in attrs:
        attrs["status"].choices = [c for c in Lead._meta.get_field("status").choices if c[0] in SETTABLE_STATUSES]
    if record_type == "deal" and "stage" in attrs:
        attrs["stage"].required = False


def initial_for(form_class: type[RecordForm], instance: models.Model) -> dict[str, Any]:
    """The form's values for an existing record, in the shape its fields expect."""
    initial: dict[str, Any] = {"version": getattr(instance, "version", None)}
    for name, form_field in form_class.base_fields.items():
        if name == "version":
            continue
        if name.startswith(CUSTOM_PREFIX):
            initial[name] = instance.custom.get(name.removeprefix(CUSTOM_PREFIX))  # type: ignore[attr-defined]
            continue
        model_field = instance._meta.get_field(name)
        if isinstance(model_field, models.ManyToManyField):
            initial[name] = [row.pk for row in getattr(instance, name).all()]
        elif model_field.is_relation:
            initial[name] = getattr(instance, f"{name}_id")
        else:
            value = getattr(instance, name)
            if isinstance(form_field, forms.DateTimeField) and value is not None:
                value = timezone.localtime(value)
            initial[name] = value
    return initial


def create_initial(actor: Member, record_type: str, params: dict[str, str]) -> dict[str, Any]:
    """Defaults of a new record: the member owns it, the workspace's currency and first pipeline,
    and any reference given in the query (e.g. a new contact from its account's page)."""
    initial: dict[str, Any] = {"owner": actor.pk}
    if record_type in ("deal", "lead"):
        initial["currency"] = actor.workspace.base_currency
    if record_type == "deal":
        first = Pipeline.objects.filter(workspace_id=actor.workspace_id, is_active=True).order_by("position", "id").first()
        initial["pipeline"] = first.pk if first else None
    if record_type == "activity":
        initial["kind"] = "task"
    for name in ("account", "contact", "lead", "deal", "parent"):
        value = params.get(name, "")
        if value.isdigit() and name in FORM_FIELDS[record_type]:
            initial[name] = int(value)
    return initial
