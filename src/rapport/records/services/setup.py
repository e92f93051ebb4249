"""Writes to a workspace's record settings: pipelines, stages, custom fields, tags (SPEC P6).

Settings are visible to every member and changed by administrators only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rapport.core.errors import Conflict
from rapport.records.models import (
    CustomFieldDefinition,
    CustomFieldType,
    Deal,
    Pipeline,
    Stage,
    StageChange,
    Tag,
)
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import require

from .base import record_create, record_delete, record_update

PIPELINE_FIELDS = ("name", "position", "is_active")
STAGE_FIELDS = ("pipeline", "name", "position", "probability")
STAGE_EDIT_FIELDS = ("name", "position", "probability")
CUSTOM_FIELD_FIELDS = ("record_type", "key", "label", "field_type", "required", "choices", "position")
CUSTOM_FIELD_EDIT_FIELDS = ("label", "required", "choices", "position")
TAG_FIELDS = ("name", "color")
RECORD_TYPES = ("account", "contact", "lead", "deal", "activity")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _unique(fn, field: str, message: str):
    """Run a write and turn a unique-constraint violation into a field error."""
    try:
        with transaction.atomic():
            return fn()
    except IntegrityError:
        raise ValidationError({field: message}) from None


@transaction.atomic
def pipeline_create(*, actor: Member, data: Mapping[str, Any], stages: Iterable[Mapping[str, Any]] = ()) -> Pipeline:
    data = dict(data)
    if "position" not in data:
        data["position"] = Pipeline.objects.filter(workspace_id=actor.workspace_id).count()
    pipeline = _unique(lambda: record_create(actor, Pipeline, data, fields=PIPELINE_FIELDS), "name", "A pipeline with this name exists.")
    for position, stage in enumerate(stages):
        stage_create(actor=actor, data={"position": position, **stage, "pipeline": pipeline.pk})
    return pipeline


@transaction.atomic
def pipeline_update(*, actor: Member, pipeline: Pipeline, data: Mapping[str, Any]) -> Pipeline:
    return _unique(lambda: record_update(actor, pipeline, data, fields=PIPELINE_FIELDS), "name", "A pipeline with this name exists.")


@transaction.atomic
def pipeline_delete(*, actor: Member, pipeline: Pipeline) -> None:
    require(actor, Action.DELETE, pipeline)
    if Deal.objects.filter(pipeline=pipeline).exists():
        raise Conflict("The pipeline has deals; move them to another pipeline first.")
    StageChange.objects.filter(pipeline=pipeline).delete()
    for stage in list(pipeline.stages.all()):
        record_delete(actor, stage, fields=STAGE_FIELDS)
    record_delete(actor, pipeline, fields=PIPELINE_FIELDS)


@transaction.atomic
def stage_create(*, actor: Member, data: Mapping[str, Any]) -> Stage:
    require(actor, Action.ADD, Stage)
    data = dict(data)
    if "position" not in data and data.get("pipeline") is not None:
        data["position"] = Stage.objects.filter(workspace_id=actor.workspace_id, pipeline_id=data["pipeline"]).count()
    _check_probability(data)
    return record_create(actor, Stage, data, fields=STAGE_FIELDS)


@transaction.atomic
def stage_update(*, actor: Member, stage: Stage, data: Mapping[str, Any]) -> Stage:
    require(actor, Action.EDIT, stage)
    _check_probability(data)
    return record_update(actor, stage, data, fields=STAGE_EDIT_FIELDS)


@transaction.atomic
def stage_delete(*, actor: Member, stage: Stage) -> None:
    require(actor, Action.DELETE, stage)
    if Deal.objects.filter(stage=stage).exists():
        raise Conflict("The stage has deals; move them to another stage first.")
    if Stage.objects.filter(pipeline_id=stage.pipeline_id).count() <= 1:
        raise Conflict("A pipeline keeps at least one stage.")
    if StageChange.objects.filter(to_stage=stage).exists() or StageChange.objects.filter(from_stage=stage).exists():
        raise Conflict("Deals have passed through this stage; its history would be lost. Rename it instead.")
    record_delete(actor, stage, fields=STAGE_FIELDS)


def _check_probability(data: Mapping[str, Any]) -> None:
    probability = data.get("probability")
    if probability is not None and not (type(probability) is int and 0 <= probability <= 100):
        raise ValidationError({"probability": "Give a whole percentage from 0 to 100."})


def _check_custom_field(data: Mapping[str, Any], field_type: str | None) -> None:
    if "record_type" in data and data["record_type"] not in RECORD_TYPES:
        raise ValidationError({"record_type": f"Choose one of {', '.join(RECORD_TYPES)}."})
    choices = data.get("choices")
    if choices is not None and (not isinstance(choices, list) or not all(isinstance(c, str) and c for c in choices)):
        raise ValidationError({"choices": "Give a list of non-empty texts."})
    if field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE) and "choices" in data and not choices:
        raise ValidationError({"choices": "A choice field needs at least one choice."})


@transaction.atomic
def custom_field_create(*, actor: Member, data: Mapping[str, Any]) -> CustomFieldDefinition:
    require(actor, Action.ADD, CustomFieldDefinition)
    _check_custom_field(data, data.get("field_type"))
    if data.get("field_type") in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE) and not data.get("choices"):
        raise ValidationError({"choices": "A choice field needs at least one choice."})
    return _unique(
        lambda: record_create(actor, CustomFieldDefinition, data, fields=CUSTOM_FIELD_FIELDS),
        "key", "This record type already has a field with this key.",
    )


@transaction.atomic
def custom_field_update(*, actor: Member, definition: CustomFieldDefinition, data: Mapping[str, Any]) -> CustomFieldDefinition:
    require(actor, Action.EDIT, definition)
    _check_custom_field(data, definition.field_type)
    return record_update(actor, definition, data, fields=CUSTOM_FIELD_EDIT_FIELDS)


@transaction.atomic
def custom_field_delete(*, actor: Member, definition: CustomFieldDefinition) -> None:
    """Remove the definition; values already stored stay in the records' history."""
    record_delete(actor, definition, fields=CUSTOM_FIELD_FIELDS)


def _check_colour(data: Mapping[str, Any]) -> None:
    # The colour ends up in a style attribute, so only a plain #rrggbb is accepted.
    if "color" in data and not (isinstance(data["color"], str) and COLOUR.match(data["color"])):
        raise ValidationError({"color": "Give a colour as #rrggbb."})


@transaction.atomic
def tag_create(*, actor: Member, data: Mapping[str, Any]) -> Tag:
    require(actor, Action.ADD, Tag)
    _check_colour(data)
    return _unique(lambda: record_create(actor, Tag, data, fields=TAG_FIELDS), "name", "A tag with this name exists.")


@transaction.atomic
def tag_update(*, actor: Member, tag: Tag, data: Mapping[str, Any]) -> Tag:
    require(actor, Action.EDIT, tag)
    _check_colour(data)
    return _unique(lambda: record_update(actor, tag, data, fields=TAG_FIELDS), "name", "A tag with this name exists.")


@transaction.atomic
def tag_delete(*, actor: Member, tag: Tag) -> None:
    record_delete(actor, tag, fields=TAG_FIELDS)
