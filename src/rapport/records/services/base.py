"""The write path shared by every record type: validate, save, log, all in one transaction.

Record services (`account_create`, `deal_move`, ...) are thin on top of these functions. Input is
a plain mapping of field name to value, as parsed by a form or an API schema: foreign keys and
many-to-many fields are given as ids and resolved here, through `visible_to`, so nobody can link
a record they could not see or one from another workspace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from rapport.core import clock
from rapport.core.errors import NotFound, PermissionDenied, StaleVersion
from rapport.core.jsonvalue import to_json
from rapport.events import log
from rapport.events.log import FieldChange
from rapport.events.models import EventType
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import MAX_ID, can, require, visible_to

from .customfields import clean_custom_values

R = TypeVar("R", bound=models.Model)

# Fields no caller sets directly: they belong to the service layer.
SYSTEM_FIELDS = frozenset(
    {"id", "workspace", "version", "created_at", "updated_at", "created_by", "custom"}
)


def resolve_reference(actor: Member, field: models.Field, value: Any) -> models.Model | None:
    """Turn an id into a row of the same workspace that the actor may see, or fail on the field."""
    if value is None or value == "":
        return None
    if isinstance(value, models.Model):
        value = value.pk
    related: type[models.Model] = field.related_model  # type: ignore[assignment]
    if related is Member:
        qs = Member.objects.filter(workspace_id=actor.workspace_id, is_active=True).select_related("user")
    else:
        qs = visible_to(actor, related)
    try:
        pk = int(value)
        if not 0 < pk <= MAX_ID:
            raise ValueError(value)
        return qs.get(pk=pk)
    except (related.DoesNotExist, ValueError, TypeError):
        raise ValidationError(
            {field.name: f"No {related._meta.verbose_name} with id {value!r} in this workspace."}
        ) from None


def resolve_references(actor: Member, field: models.ManyToManyField, values: Iterable[Any]) -> list[models.Model]:
    if values is None:
        values = []
    if not isinstance(values, list | tuple | set | frozenset):
        raise ValidationError({field.name: "Give a list of ids."})
    ids = []
    for value in values:
        try:
            pk = int(value.pk if isinstance(value, models.Model) else value)
            if not 0 < pk <= MAX_ID:
                raise ValueError(value)
            ids.append(pk)
        except (ValueError, TypeError):
            raise ValidationError({field.name: f"{value!r} is not an id."}) from None
    related: type[models.Model] = field.related_model  # type: ignore[assignment]
    if related is Member:
        qs = Member.objects.filter(workspace_id=actor.workspace_id)
    else:
        qs = visible_to(actor, related)
    found = {obj.pk: obj for obj in qs.filter(pk__in=set(ids))}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ValidationError(
            {field.name: f"No {related._meta.verbose_name} with id {missing[0]} in this workspace."}
        )
    return [found[i] for i in dict.fromkeys(ids)]


def split_input(
    actor: Member, model: type[models.Model], data: Mapping[str, Any], allowed: Iterable[str]
) -> tuple[dict[str, Any], dict[str, list[models.Model]], dict[str, Any] | None]:
    """Check field names and resolve ids: (plain values, many-to-many values, custom values)."""
    allowed = set(allowed)
    plain: dict[str, Any] = {}
    many: dict[str, list[models.Model]] = {}
    errors: dict[str, list[str]] = {}
    custom = None
    for name, value in data.items():
        if _has_nul(value):
            errors.setdefault(name, []).append("Text may not contain NUL characters.")
            continue
        if name == "custom":
            custom = value
            continue
        if name not in allowed or name in SYSTEM_FIELDS:
            errors.setdefault(name, []).append("Unknown or read-only field.")
            continue
        field = model._meta.get_field(name)
        try:
            if isinstance(field, models.ManyToManyField):
                many[name] = resolve_references(actor, field, value)
            elif field.is_relation:
                plain[name] = resolve_reference(actor, field, value)
            else:
                plain[name] = value
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return plain, many, custom


def _has_nul(value: Any) -> bool:
    """NUL cannot be stored by PostgreSQL in text or JSON, so it is refused everywhere."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The non-empty values of `fields`, as JSON, for the `created` and `deleted` events."""
    result = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if isinstance(field, models.ManyToManyField):
            continue
        value = getattr(obj, name)
        if value not in (None, "", [], {}):
            result[name] = to_json(value)
    return result


def _full_clean(obj: models.Model) -> None:
    # Uniqueness is checked by the database inside the transaction. Foreign keys that hold a
    # value were resolved (and permission-checked) by this module, so they are not looked up
    # again; empty ones are still validated, so a missing required reference is a field error.
    resolved = [
        f.name for f in obj._meta.concrete_fields if f.is_relation and getattr(obj, f.attname) is not None
    ]
    obj.full_clean(exclude=resolved, validate_unique=False, validate_constraints=False)


def record_create(
    actor: Member,
    model: type[R],
    data: Mapping[str, Any],
    *,
    fields: Iterable[str],
    defaults: Mapping[str, Any] | None = None,
    check: bool = True,
) -> R:
    """Create a record from `data` (limited to `fields`) and log it. Call inside a transaction."""
    fields = tuple(fields)
    if check:
        require(actor, Action.ADD, model)
    plain, many, custom = split_input(actor, model, data, fields)
    moment = clock.now()
    values = {**(defaults or {}), **plain}
    obj = model(workspace_id=actor.workspace_id, **values)
    if hasattr(obj, "version"):
        obj.created_at = obj.updated_at = moment  # type: ignore[attr-defined]
        obj.created_by = actor  # type: ignore[attr-defined]
        record_type = getattr(model, "RECORD_TYPE", None)
        if record_type:
            obj.custom = clean_custom_values(actor, record_type, custom or {}, {}, creating=True)  # type: ignore[attr-defined]
    elif custom is not None:
        raise ValidationError({"custom": "This record type has no custom fields."})
    if check and not can(actor, Action.ADD, obj):
        raise PermissionDenied(f"You may not add a {model._meta.verbose_name} for this owner.")
    _full_clean(obj)
    log.insert_new(obj)
    for name, related in many.items():
        getattr(obj, name).set(related)
    after = snapshot(obj, fields)
    after.update({name: [str(r) for r in related] for name, related in many.items() if related})
    if getattr(obj, "custom", None):
        after["custom"] = obj.custom  # type: ignore[attr-defined]
    log.log(actor, obj, EventType.CREATED, after=after)
    return obj


def lock_current(obj: R, expected_version: int | None) -> R:
    """Re-read the row under a lock and refuse to work on a stale copy (If-Match)."""
    try:
        current = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    except type(obj).DoesNotExist:  # type: ignore[attr-defined]
        # Deleted since the caller read it (e.g. by someone else a moment ago).
        raise NotFound(f"{obj._meta.verbose_name} not found") from None
    if expected_version is not None and getattr(current, "version", None) != expected_version:
        raise StaleVersion(
            f"This {obj._meta.verbose_name} changed since version {expected_version}; "
            f"it is now at version {current.version}. Reload and try again."  # type: ignore[attr-defined]
        )
    return current


def apply_changes(obj: models.Model, values: Mapping[str, Any]) -> list[FieldChange]:
    changes = []
    for name, new in values.items():
        old = getattr(obj, name)
        field = obj._meta.get_field(name)
        try:
            new_cmp = field.to_python(new) if not field.is_relation and new is not None else new
        except ValidationError as exc:
            raise ValidationError({name: exc.messages}) from None
        if old != new_cmp:
            changes.append(FieldChange(name, old, new_cmp))
            setattr(obj, name, new_cmp)
    return changes


def save_changes(actor: Member, obj: R, changes: list[FieldChange], *, event_type: str = EventType.FIELD_CHANGED, extra_fields: Iterable[str] = ()) -> R:
    """Persist the changed fields, bump the version and log one event per field."""
    update_fields = {c.field for c in changes if c.field} | set(extra_fields)
    if not update_fields:
        return obj
    if hasattr(obj, "version"):
        obj.version += 1  # type: ignore[attr-defined]
        obj.updated_at = clock.now()  # type: ignore[attr-defined]
        update_fields |= {"version", "updated_at"}
    obj.save(update_fields=sorted(update_fields))
    log.log_changes(actor, obj, [c for c in changes if c.field], event_type)
    return obj


def record_update(
    actor: Member,
    obj: R,
    data: Mapping[str, Any],
    *,
    fields: Iterable[str],
    expected_version: int | None = None,
) -> R:
    """Change the fields in `data` (limited to `fields`), checking permission and version."""
    require(actor, Action.EDIT, obj)
    obj = lock_current(obj, expected_version)
    plain, many, custom = split_input(actor, type(obj), data, fields)
    changes = apply_changes(obj, plain)
    if custom is not None:
        record_type = type(obj).RECORD_TYPE  # type: ignore[attr-defined]
        new_custom = clean_custom_values(actor, record_type, custom, obj.custom, creating=False)  # type: ignore[attr-defined]
        for key in sorted(set(new_custom) | set(obj.custom)):  # type: ignore[attr-defined]
            if new_custom.get(key) != obj.custom.get(key):  # type: ignore[attr-defined]
                changes.append(FieldChange(f"custom.{key}", obj.custom.get(key), new_custom.get(key)))  # type: ignore[attr-defined]
        obj.custom = new_custom  # type: ignore[attr-defined]
    _full_clean(obj)
    m2m_changes = []
    for name, related in many.items():
        manager = getattr(obj, name)
        before = list(manager.all())
        if {r.pk for r in before} != {r.pk for r in related}:
            manager.set(related)
            m2m_changes.append(FieldChange(name, [str(r) for r in before], [str(r) for r in related]))
    plain_changes = [c for c in changes if not c.field.startswith("custom.")]
    custom_changes = [c for c in changes if c.field.startswith("custom.")]
    extra = {"custom"} if custom_changes else set()
    if m2m_changes and not plain_changes and not custom_changes:
        extra.add("updated_at")
    update_fields = {c.field for c in plain_changes} | extra
    if update_fields or m2m_changes:
        if hasattr(obj, "version"):
            obj.version += 1  # type: ignore[attr-defined]
            obj.updated_at = clock.now()  # type: ignore[attr-defined]
            update_fields |= {"version", "updated_at"}
        obj.save(update_fields=sorted(update_fields))
        log.log_changes(actor, obj, plain_changes + custom_changes + m2m_changes)
    return obj


def unlink_dependents(actor: Member, obj: models.Model) -> None:
    """Before deleting `obj`, clear references to it on other rows, logging each unlink."""
    # include_hidden: a foreign key declared with related_name="+" (e.g. Lead.deal) is still one.
    relations = [f for f in obj._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete and f.is_relation]
    for relation in relations:
        if relation.many_to_many or relation.on_delete is not models.SET_NULL:
            continue
        if relation.related_model._meta.app_label != "records":
            continue
        field_name = relation.field.name
        dependents = list(relation.related_model._default_manager.filter(**{field_name: obj}))
        if not dependents:
            continue
        relation.related_model._default_manager.filter(pk__in=[d.pk for d in dependents]).update(**{field_name: None})
        log.log_many(actor, dependents, EventType.UNLINKED, field=field_name, before=obj, after=None)


def record_delete(actor: Member, obj: models.Model, *, fields: Iterable[str], expected_version: int | None = None) -> None:
    """Delete a record; the `deleted` event keeps what it held, and references to it are unlinked."""
    require(actor, Action.DELETE, obj)
    obj = lock_current(obj, expected_version)
    unlink_dependents(actor, obj)
    log.log(actor, obj, EventType.DELETED, before=snapshot(obj, fields))
    obj.delete()

