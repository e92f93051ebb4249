"""Validation of custom field values against the workspace's definitions (SPEC R7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from rapport.records.models import CustomFieldDefinition, CustomFieldType
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import MAX_ID


def definitions_for(workspace_id: int, record_type: str) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(workspace_id=workspace_id, record_type=record_type))


def _coerce(definition: CustomFieldDefinition, value: Any, workspace_id: int) -> Any:
    kind = definition.field_type
    if kind == CustomFieldType.TEXT:
        if not isinstance(value, str):
            raise ValueError("must be text")
        if len(value) > 2000:
            raise ValueError("must be at most 2000 characters")
        return value
    if kind in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
        if isinstance(value, bool):
            raise ValueError("must be a number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError("must be a number") from None
        if not number.is_finite():
            raise ValueError("must be a finite number")
        if kind == CustomFieldType.MONEY:
            try:
                return str(number.quantize(Decimal("0.01")))
            except InvalidOperation:
                raise ValueError("is too large") from None
        return str(number)
    if kind == CustomFieldType.DATE:
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError("must be a date (YYYY-MM-DD)") from None
    if kind == CustomFieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if kind == CustomFieldType.CHOICE:
        if value not in definition.choices:
            raise ValueError(f"must be one of {', '.join(map(str, definition.choices))}")
        return value
    if kind == CustomFieldType.MULTI_CHOICE:
        if not isinstance(value, list) or any(v not in definition.choices for v in value):
            raise ValueError(f"must be a list of {', '.join(map(str, definition.choices))}")
        return list(dict.fromkeys(value))
    if kind == CustomFieldType.USER:
        # Only whole ids in the database's range reach the query; text or 1.5 is not an id.
        try:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError(value)
            pk = int(value)
        except ValueError:
            raise ValueError("must be the id of a member of this workspace") from None
        if not 0 < pk <= MAX_ID or not Member.objects.filter(workspace_id=workspace_id, pk=pk).exists():
            raise ValueError("must be the id of a member of this workspace")
        return pk
    if kind == CustomFieldType.LINK:
        try:
            URLValidator()(str(value))
        except ValidationError:
            raise ValueError("must be a web address") from None
        return str(value)
    raise ValueError("has an unknown type")


def clean_custom_values(
    actor: Member, record_type: str, values: Any, current: dict[str, Any], *, creating: bool
) -> dict[str, Any]:
    """Merge `values` over `current`, coercing each to its definition; null removes a value."""
    if not isinstance(values, dict):
        raise ValidationError({"custom": "Must be an object of field key to value."})
    definitions = {d.key: d for d in definitions_for(actor.workspace_id, record_type)}
    errors: dict[str, str] = {}
    result = dict(current)
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom.{key}"] = "Unknown custom field."
            continue
        if value is None or value == "" or value == []:
            result.pop(key, None)
            continue
        try:
            result[key] = _coerce(definition, value, actor.workspace_id)
        except ValueError as exc:
            errors[f"custom.{key}"] = f"{definition.label} {exc}."
    for key, definition in definitions.items():
        if definition.required and key not in result and (creating or key in values):
            errors[f"custom.{key}"] = f"{definition.label} is required."
    if errors:
        raise ValidationError(errors)
    return result
