"""Forms of the list pages: the filter form generated from the API's FilterSchemas, saved views,
and bulk actions.

The filter form only renders; the query is validated by the same FilterSchema the API uses, so
a list link and the API answer the same rows, and its errors are shown next to the fields.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _
from ninja import FilterSchema
from pydantic import AwareDatetime
from pydantic import ValidationError as SchemaError

from rapport.records.services.bulk import STATUSES, TAGGED
from rapport.workspaces.models import Member, Role

from .forms_records import (
    MODELS,
    group_choices,
    member_choices,
    pipeline_choices,
    stage_choices,
    tag_choices,
)

LABELS: dict[str, Any] = {
    "q": _("Search"),
    "kind": _("Kind"),
    "owner": _("Owner"),
    "parent": _("Parent account (id)"),
    "city": _("City"),
    "country": _("Country"),
    "industry": _("Industry"),
    "tag": _("Tag"),
    "group": _("Group"),
    "is_global": _("Global"),
    "archived": _("Archived"),
    "account": _("Account (id)"),
    "contact": _("Contact (id)"),
    "lead": _("Lead (id)"),
    "deal": _("Deal (id)"),
    "contact_type": _("Contact type"),
    "status": _("Status"),
    "source": _("Source"),
    "priority": _("Priority"),
    "unassigned": _("Unassigned"),
    "created_after": _("Created from"),
    "created_before": _("Created before"),
    "pipeline": _("Pipeline"),
    "stage": _("Stage"),
    "currency": _("Currency"),
    "amount_min": _("Amount from"),
    "amount_max": _("Amount up to"),
    "expected_close_after": _("Closing from"),
    "expected_close_before": _("Closing up to"),
    "done": _("Done"),
    "due_before": _("Due before"),
    "due_after": _("Due from"),
    "open": _("Open"),
    "team": _("Team of"),
    "without_open_task": _("Without an open task"),
    "moved_to_stage": _("Moved into stage"),
    "moved_from_stage": _("Moved out of stage"),
    "history": _("Stage history"),
    "history_stage": _("History stage"),
    "history_pipeline": _("History pipeline"),
    "moved_after": _("Moved from"),
    "moved_before": _("Moved before"),
    "direction": _("Direction"),
    "category": _("Category"),
    "done_after": _("Done from"),
    "done_before": _("Done before"),
    "scheduled": _("Scheduled"),
    "late": _("Late"),
    "on_time": _("Done on time"),
}
# The filters shown without opening "More filters".
PRIMARY: dict[str, tuple[str, ...]] = {
    "account": ("q", "kind", "owner", "tag"),
    "contact": ("q", "owner", "tag"),
    "lead": ("q", "status", "source", "owner"),
    "deal": ("q", "pipeline", "stage", "status", "owner"),
    "activity": ("q", "kind", "owner", "done"),
}
ANY = ("", _("Any"))
# Labels of filter values that are not choices of a model field.
VALUE_LABELS: dict[str, Any] = {
    "new": _("Created"), "entered": _("Entered a stage"), "left": _("Left a stage"), "won": _("Won"), "lost": _("Lost"),
}


def _inner(annotation: Any) -> Any:
    """The type inside `X | None` and `Annotated[X, ...]`."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _inner(args[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _inner(args[0])
    return annotation


def field_type(schema: type[FilterSchema], name: str) -> Any:
    return _inner(schema.model_fields[name].annotation)


def normalise_params(schema: type[FilterSchema], raw: Mapping[str, str], tz: dt.tzinfo) -> dict[str, str]:
    """The filter parameters present in `raw`, empty ones dropped. A date-time typed without a
    time zone (the browser's datetime-local input) is read in the workspace's zone; anything the
    API accepts passes unchanged."""
    params: dict[str, str] = {}
    for name in schema.model_fields:
        value = raw.get(name)
        if value is None or value == "":
            continue
        if field_type(schema, name) is AwareDatetime:
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if moment.tzinfo is None:
                    value = moment.replace(tzinfo=tz).isoformat()
        params[name] = value
    return params


def parse_filters(schema: type[FilterSchema], params: Mapping[str, str]) -> tuple[FilterSchema | None, list[tuple[str, str]]]:
    """The validated filters, or None and the per-field errors (the API would answer 422)."""
    try:
        return schema.model_validate(dict(params)), []
    except SchemaError as exc:
        errors = []
        for error in exc.errors():
            loc = error.get("loc") or ("",)
            message = str(error.get("msg") or _("Invalid value."))
            errors.append((str(loc[0]), message[:1].upper() + message[1:]))
        return None, errors


class FilterForm(forms.Form):
    """Renders the filters; errors come from the FilterSchema, not from Django's validation."""

    def __init__(self, *args: Any, schema_errors: list[tuple[str, str]] = (), primary: tuple[str, ...] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.schema_errors = list(schema_errors)
        self.primary = primary

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        self.cleaned_data = {}
        for name, message in self.schema_errors:
            self.add_error(name if name in self.fields else None, message)

    def primary_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name in self.primary]

    def more_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.primary]

    def more_is_used(self) -> bool:
        return any(self.data.get(name) for name in self.fields if name not in self.primary)


def _filter_field(actor: Member, record_type: str, schema: type[FilterSchema], name: str) -> forms.Field:
    label = LABELS.get(name, name.replace("_", " ").capitalize())
    kind = field_type(schema, name)
    common: dict[str, Any] = {"label": label, "required": False}
    if name == "q":
        return forms.CharField(widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}), **common)
    if typing.get_origin(kind) is typing.Literal:
        model_field_choices = dict(MODELS[record_type]._meta.get_field(name).choices or ()) if _has_field(record_type, name) else {}
        choices = [(value, model_field_choices.get(value) or VALUE_LABELS.get(value, value)) for value in typing.get_args(kind)]
        return forms.ChoiceField(choices=[ANY, *choices], **common)
    if kind is bool:
        return forms.ChoiceField(choices=[ANY, ("true", _("Yes")), ("false", _("No"))], **common)
    if kind is int:
        choices = _id_choices(actor, name)
        if choices is not None:
            return forms.ChoiceField(choices=lambda: [ANY, *choices()], **common)
        return forms.IntegerField(min_value=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **common)
    if kind is Decimal:
        return forms.DecimalField(min_value=0, widget=forms.NumberInput(attrs={"step": "0.01"}), **common)
    if kind is AwareDatetime:
        return forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if kind is dt.date:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(**common)


def _has_field(record_type: str, name: str) -> bool:
    try:
        MODELS[record_type]._meta.get_field(name)
    except Exception:
        return False
    return True


def _id_choices(actor: Member, name: str) -> Any:
    """Choices (evaluated when rendered) for the filters that name a small set of rows."""
    if name in ("owner", "team"):
        return lambda: member_choices(actor)
    if name in ("stage", "moved_to_stage", "moved_from_stage", "history_stage"):
        return lambda: stage_choices(actor)
    if name in ("pipeline", "history_pipeline"):
        return lambda: pipeline_choices(actor)
    if name == "tag":
        return lambda: tag_choices(actor)
    if name == "group":
        return lambda: group_choices(actor)
    return None


def filter_form(actor: Member, record_type: str, schema: type[FilterSchema], params: Mapping[str, str], errors: list[tuple[str, str]]) -> FilterForm:
    fields = {name: _filter_field(actor, record_type, schema, name) for name in schema.model_fields}
    form_class = type(f"{schema.__name__}Form", (FilterForm,), fields)
    return form_class(data=dict(params), schema_errors=errors, primary=PRIMARY.get(record_type, ("q",)), auto_id="filter_%s")


# --- Saved views --------------------------------------------------------------------------------


class SavedViewForm(forms.Form):
    """Name a list view; administrators may share it with a role and make it the role's default."""

    name = forms.CharField(label=_("Name"), max_length=100)
    role = forms.TypedChoiceField(label=_("Share with role"), required=False, coerce=int, empty_value=None)
    is_role_default = forms.BooleanField(label=_("Open it by default for that role"), required=False)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)

    def __init__(self, *args: Any, actor: Member, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Evaluated only when rendered or validated, so a seller's list page does not load roles;
        # then once, however often the template reads the choices.
        roles: list[tuple[Any, Any]] = []

        def role_choices() -> list[tuple[Any, Any]]:
            if not roles:
                roles.append(("", _("Nobody (personal)")))
                roles.extend((role.pk, role.name) for role in Role.objects.filter(workspace_id=actor.workspace_id).order_by("name"))
            return roles

        self.fields["role"].choices = role_choices
        if not actor.is_admin:
            # Not offered; still parsed, so that a request that asks to share anyway is refused
            # by the service rather than quietly saved as something else.
            self.fields["role"].widget = forms.HiddenInput()
            self.fields["is_role_default"].widget = forms.HiddenInput()


# --- Bulk actions -------------------------------------------------------------------------------

BULK_ACTIONS: dict[str, Any] = {
    "owner": _("Set owner"),
    "status": _("Set status"),
    "tag_add": _("Add tag"),
    "tag_remove": _("Remove tag"),
    "move": _("Move to stage"),
    "delete": _("Delete"),
}
STATUS_LABELS: dict[str, Any] = {"active": _("Active"), "archived": _("Archived"), "open": _("Open"), "done": _("Done")}


def bulk_actions_for(record_type: str) -> list[tuple[str, Any]]:
    model = MODELS[record_type]
    actions = ["owner"]
    if model in STATUSES:
        actions.append("status")
    if model in TAGGED:
        actions += ["tag_add", "tag_remove"]
    if record_type == "deal":
        actions.append("move")
    actions.append("delete")
    return [(key, BULK_ACTIONS[key]) for key in actions]


def status_choices(record_type: str) -> list[tuple[str, Any]]:
    model = MODELS[record_type]
    labels = dict(model._meta.get_field("status").choices) if _has_field(record_type, "status") else {}
    return [(value, labels.get(value) or STATUS_LABELS.get(value, value)) for value in STATUSES.get(model, ())]


class BulkForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, required=True, error_messages={"required": _("Choose at least one record.")})
    action = forms.ChoiceField(label=_("Action"))
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    tag = forms.TypedChoiceField(label=_("Tag"), required=False, coerce=int, empty_value=None)
    stage = forms.TypedChoiceField(label=_("Stage"), required=False, coerce=int, empty_value=None)
    reason = forms.CharField(label=_("Reason (for lost deals)"), required=False, max_length=200)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)

    def __init__(self, *args: Any, actor: Member, record_type: str, **kwargs: Any):
        super().__init__(*args, auto_id="bulk_%s", **kwargs)
        self.fields["ids"].valid_value = lambda value: str(value).isdigit() and len(str(value)) <= 19  # type: ignore[method-assign]
        self.fields["action"].choices = bulk_actions_for(record_type)
        # Alpine shows the value fields of the chosen action only.
        self.fields["action"].widget.attrs["x-model"] = "action"
        self.fields["reason"].widget.attrs["placeholder"] = self.fields["reason"].label
        self.fields["owner"].choices = [("", _("Nobody"))] + member_choices(actor)
        self.fields["status"].choices = [("", "—"), *status_choices(record_type)]
        model = MODELS[record_type]
        if model in TAGGED:
            self.fields["tag"].choices = [("", "—"), *tag_choices(actor)]
        else:
            del self.fields["tag"]
        if record_type == "deal":
            self.fields["stage"].choices = [("", "—"), *stage_choices(actor)]
        else:
            del self.fields["stage"], self.fields["reason"]
        if model not in STATUSES:
            del self.fields["status"]
