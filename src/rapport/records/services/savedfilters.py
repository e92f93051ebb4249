"""Writes to saved list views: personal ones, ones shared with a role, a role's default (SPEC R8).

Anyone saves personal views. Sharing a view with a role, or making it the view a role opens by
default, is an administrator's decision, as is changing or deleting a shared view.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from pydantic import ValidationError as SchemaError

from rapport.core import clock
from rapport.core.errors import NotFound, PermissionDenied
from rapport.events import log
from rapport.events.models import EventType
from rapport.records.filters import (
    AccountFilter,
    ActivityFilter,
    ContactFilter,
    DealFilter,
    LeadFilter,
)
from rapport.records.models import Account, Activity, Contact, Deal, Lead, SavedFilter
from rapport.workspaces.models import Member, Role
from rapport.workspaces.permissions import MAX_ID

from .base import apply_changes, save_changes, snapshot

# The list filters and models of each record type, so a saved view holds only what its list accepts.
FILTERS = {
    "account": (Account, AccountFilter),
    "contact": (Contact, ContactFilter),
    "lead": (Lead, LeadFilter),
    "deal": (Deal, DealFilter),
    "activity": (Activity, ActivityFilter),
}
SAVED_FILTER_FIELDS = ("record_type", "name", "role", "is_role_default", "params", "columns", "ordering")
EDITABLE_FIELDS = ("name", "role", "is_role_default", "params", "columns", "ordering")
_ORDERING = re.compile(r"^-?[a-z_]{1,40}$")
_COLUMN = re.compile(r"^[a-z_][a-z0-9_.]{0,70}$")
MAX_COLUMNS = 40


def saved_filters_visible_to(actor: Member) -> QuerySet[SavedFilter]:
    """The views `actor` may open: their own, those shared with their role, and (for
    administrators, who manage them) every shared one."""
    shared = Q(role__isnull=False) if actor.is_admin else Q(role_id=actor.role_id)
    return SavedFilter.objects.filter(workspace_id=actor.workspace_id).filter(
        Q(owner_id=actor.pk, role__isnull=True) | shared
    )


def saved_filters_for(actor: Member, record_type: str) -> QuerySet[SavedFilter]:
    """The views of one list that `actor` may open."""
    return saved_filters_visible_to(actor).filter(record_type=record_type)


def role_default_for(actor: Member, record_type: str) -> SavedFilter | None:
    """The view the actor's role opens when the list is opened without parameters."""
    return (
        SavedFilter.objects.filter(
            workspace_id=actor.workspace_id, record_type=record_type, role_id=actor.role_id, is_role_default=True
        )
        .order_by("id")
        .first()
    )


def get_saved_filter(actor: Member, pk: Any) -> SavedFilter:
    """One view the actor may open, or NotFound (other members' personal views are not found)."""
    try:
        if not 0 < int(pk) <= MAX_ID:
            raise ValueError(pk)
        return saved_filters_visible_to(actor).get(pk=int(pk))
    except (SavedFilter.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Saved view not found.")) from None


def _clean_params(record_type: str, params: Any) -> dict[str, str]:
    """Keep the filters as the query parameters of the list (text), checked by the list's schema."""
    if not isinstance(params, Mapping):
        raise ValidationError({"params": _("Give the filters as a mapping of filter name to value.")})
    _model, schema = FILTERS[record_type]
    cleaned: dict[str, str] = {}
    for key, value in params.items():
        if key not in schema.model_fields:
            raise ValidationError({"params": _("Unknown filter %(name)s.") % {"name": key}})
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str | int) or len(str(value)) > 200:
            raise ValidationError({"params": _("The value of %(name)s is not valid.") % {"name": key}})
        cleaned[key] = str(value)
    try:
        schema.model_validate(cleaned)
    except SchemaError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first.get("loc", ())) or "params"
        raise ValidationError({"params": f"{name}: {first.get('msg', _('invalid value'))}"}) from None
    return cleaned


def _clean_columns(columns: Any) -> list[str]:
    if columns in (None, ""):
        return []
    if not isinstance(columns, list | tuple) or len(columns) > MAX_COLUMNS:
        raise ValidationError({"columns": _("Give at most %(n)d column names.") % {"n": MAX_COLUMNS}})
    if not all(isinstance(c, str) and _COLUMN.match(c) for c in columns):
        raise ValidationError({"columns": _("Column names are letters, digits, dots and underscores.")})
    return list(dict.fromkeys(columns))


def _clean_ordering(record_type: str, ordering: Any) -> str:
    if ordering in (None, ""):
        return ""
    if not isinstance(ordering, str) or not _ORDERING.match(ordering):
        raise ValidationError({"ordering": _("Give a field name, with a leading - for descending order.")})
    model, _schema = FILTERS[record_type]
    try:
        field = model._meta.get_field(ordering.lstrip("-"))
    except FieldDoesNotExist:
        raise ValidationError({"ordering": _("The list cannot be sorted by %(name)s.") % {"name": ordering}}) from None
    if field.is_relation:
        raise ValidationError({"ordering": _("The list cannot be sorted by %(name)s.") % {"name": ordering}})
    return ordering


def _clean_name(name: Any) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    if len(name) > 100 or "\x00" in name:
        raise ValidationError({"name": _("Keep the name under 100 characters.")})
    return name


def _resolve_role(actor: Member, role: Any) -> Role | None:
    if role in (None, ""):
        return None
    try:
        pk = int(getattr(role, "pk", role))
        if not 0 < pk <= MAX_ID:
            raise ValueError(role)
        return Role.objects.get(workspace_id=actor.workspace_id, pk=pk)
    except (Role.DoesNotExist, TypeError, ValueError):
        raise ValidationError({"role": _("No role with id %(id)r in this workspace.") % {"id": role}}) from None


def _clean(actor: Member, record_type: str, data: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: _("Unknown or read-only field.") for name in unknown})
    values: dict[str, Any] = {}
    cleaners = {
        "name": _clean_name,
        "params": lambda v: _clean_params(record_type, v),
        "columns": _clean_columns,
        "ordering": lambda v: _clean_ordering(record_type, v),
        "role": lambda v: _resolve_role(actor, v),
        "is_role_default": bool,
    }
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name == "record_type":
            continue
        try:
            values[name] = cleaners[name](value)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return values


def _require_sharing_right(actor: Member, role: Role | None, is_role_default: bool) -> None:
    if (role is not None or is_role_default) and not actor.is_admin:
        raise PermissionDenied(_("Only an administrator shares a view with a role or makes it a role's default."))
    if is_role_default and role is None:
        raise ValidationError({"is_role_default": _("Choose the role whose default view this is.")})


def _clear_other_defaults(actor: Member, saved: SavedFilter) -> None:
    """A role opens one view by default: the previous default of that role stops being it."""
    if not saved.is_role_default:
        return
    others = SavedFilter.objects.select_for_update().filter(
        workspace_id=saved.workspace_id, record_type=saved.record_type, role_id=saved.role_id, is_role_default=True
    ).exclude(pk=saved.pk)
    for other in others:
        save_changes(actor, other, apply_changes(other, {"is_role_default": False}))


@transaction.atomic
def saved_filter_create(*, actor: Member, data: Mapping[str, Any]) -> SavedFilter:
    """Save a list view; personal unless an administrator shares it with a role."""
    record_type = data.get("record_type")
    if record_type not in FILTERS:
        raise ValidationError({"record_type": _("Choose one of: %(types)s.") % {"types": ", ".join(FILTERS)}})
    values = _clean(actor, record_type, data, SAVED_FILTER_FIELDS)
    if "name" not in values:
        raise ValidationError({"name": _("Give the view a name.")})
    _require_sharing_right(actor, values.get("role"), values.get("is_role_default", False))
    saved = SavedFilter(workspace_id=actor.workspace_id, record_type=record_type, owner=actor, created_at=clock.now(), **values)
    saved.full_clean(validate_unique=False, validate_constraints=False)
    saved.save()
    _clear_other_defaults(actor, saved)
    log.log(actor, saved, EventType.CREATED, after=snapshot(saved, SAVED_FILTER_FIELDS))
    return saved


def _require_manage(actor: Member, saved: SavedFilter) -> SavedFilter:
    """The owner manages a personal view; administrators manage shared ones."""
    if saved.workspace_id != actor.workspace_id:
        raise NotFound(_("Saved view not found."))
    if saved.role_id is None:
        if saved.owner_id != actor.pk:
            raise NotFound(_("Saved view not found."))
        return saved
    if not actor.is_admin:
        if saved.role_id != actor.role_id:
            raise NotFound(_("Saved view not found."))
        raise PermissionDenied(_("Only an administrator changes a view shared with a role."))
    return saved


@transaction.atomic
def saved_filter_update(*, actor: Member, saved_filter: SavedFilter, data: Mapping[str, Any]) -> SavedFilter:
    _require_manage(actor, saved_filter)
    saved = SavedFilter.objects.select_for_update().get(pk=saved_filter.pk)
    values = _clean(actor, saved.record_type, data, EDITABLE_FIELDS)
    role = values.get("role", saved.role)
    if role is None:
        # A personal view cannot be anyone's default.
        values["is_role_default"] = False
    is_default = values.get("is_role_default", saved.is_role_default)
    if role != saved.role or is_default != saved.is_role_default:
        _require_sharing_right(actor, role, is_default)
    changes = apply_changes(saved, values)
    saved.full_clean(validate_unique=False, validate_constraints=False)
    save_changes(actor, saved, changes)
    _clear_other_defaults(actor, saved)
    return saved


@transaction.atomic
def saved_filter_delete(*, actor: Member, saved_filter: SavedFilter) -> None:
    _require_manage(actor, saved_filter)
    saved = SavedFilter.objects.select_for_update().get(pk=saved_filter.pk)
    log.log(actor, saved, EventType.DELETED, before=snapshot(saved, SAVED_FILTER_FIELDS))
    saved.delete()
