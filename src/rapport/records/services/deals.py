"""Writes to deals: create, edit, move between stages and pipelines, win, lose, reopen (SPEC R5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from rapport.core import clock
from rapport.core.errors import Conflict, NotFound
from rapport.events import log
from rapport.events.models import EventType
from rapport.records.models import (
    Contact,
    Deal,
    DealContact,
    DealStatus,
    Pipeline,
    Stage,
    StageChange,
)
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import MAX_ID, get_visible, require

from .base import (
    apply_changes,
    lock_current,
    record_create,
    record_delete,
    record_update,
    save_changes,
)

DEAL_CREATE_FIELDS = (
    "name", "account", "pipeline", "stage", "amount", "currency", "expected_close", "owner", "source", "tags",
)
# Stage, pipeline and status change only through deal_move / deal_mark_won / deal_mark_lost.
DEAL_EDIT_FIELDS = ("name", "account", "amount", "currency", "expected_close", "owner", "source", "tags")


def _record_stage_change(actor: Member, deal: Deal, from_stage: Stage | None, from_status: str) -> None:
    StageChange.objects.create(
        workspace_id=deal.workspace_id,
        deal=deal,
        pipeline_id=deal.pipeline_id,
        from_stage=from_stage,
        to_stage_id=deal.stage_id,
        from_status=from_status,
        to_status=deal.status,
        amount=deal.amount,
        currency=deal.currency,
        changed_at=clock.now(),
        actor=actor,
    )


def _pk(value: Any) -> int:
    """An id as the database stores it; anything else (text, out of range) raises ValueError."""
    pk = int(value)
    if not 0 < pk <= MAX_ID:
        raise ValueError(value)
    return pk


def _first_stage_id(actor: Member, pipeline_id: Any) -> int | None:
    try:
        return (
            Stage.objects.filter(workspace_id=actor.workspace_id, pipeline_id=_pk(pipeline_id))
            .order_by("position", "id")
            .values_list("id", flat=True)
            .first()
        )
    except (TypeError, ValueError):
        return None


def _pipeline_exists(actor: Member, value: Any) -> bool:
    try:
        return Pipeline.objects.filter(workspace_id=actor.workspace_id, pk=_pk(getattr(value, "pk", value))).exists()
    except (TypeError, ValueError):
        return False


@transaction.atomic
def deal_create(*, actor: Member, data: Mapping[str, Any], contacts: Iterable[Mapping[str, Any]] = ()) -> Deal:
    """Create a deal in its pipeline's incoming stage (or the stage given)."""
    require(actor, Action.ADD, Deal)
    data = dict(data)
    if data.get("pipeline") is not None and data.get("stage") is None:
        data["stage"] = _first_stage_id(actor, getattr(data["pipeline"], "pk", data["pipeline"]))
        # Without a stage, a pipeline id that is not this workspace's is reported on "pipeline"
        # by record_create; only a real pipeline of this workspace can lack stages.
        if data["stage"] is None and _pipeline_exists(actor, data["pipeline"]):
            raise ValidationError({"pipeline": "This pipeline has no stages."})
    deal = record_create(
        actor,
        Deal,
        data,
        fields=DEAL_CREATE_FIELDS,
        defaults={"owner": actor, "currency": actor.workspace.base_currency, "stage_changed_at": clock.now()},
    )
    _record_stage_change(actor, deal, None, "")
    for link in contacts:
        try:
            deal_contact_link(actor=actor, deal=deal, contact_id=link["contact"], role=link.get("role") or "")
        except ValidationError as exc:
            raise ValidationError({"contacts": [m for ms in exc.message_dict.values() for m in ms]}) from None
    return deal


@transaction.atomic
def deal_update(*, actor: Member, deal: Deal, data: Mapping[str, Any], expected_version: int | None = None) -> Deal:
    require(actor, Action.EDIT, deal)
    if deal.is_locked:
        raise Conflict("The deal is sold and locked; unlock it to edit.")
    return record_update(actor, deal, data, fields=DEAL_EDIT_FIELDS, expected_version=expected_version)


@transaction.atomic
def deal_delete(*, actor: Member, deal: Deal, expected_version: int | None = None) -> None:
    require(actor, Action.DELETE, deal)
    if deal.is_locked:
        raise Conflict("The deal is sold and locked; unlock it to delete.")
    record_delete(actor, deal, fields=DEAL_CREATE_FIELDS, expected_version=expected_version)


def _deal_for_contacts(actor: Member, deal: Deal) -> Deal:
    """A deal whose contacts may change: editable by the actor and not locked (won or lost is fine)."""
    require(actor, Action.EDIT, deal)
    if deal.is_locked:
        raise Conflict("The deal is sold and locked; unlock it first.")
    return deal


def _editable_open_deal(actor: Member, deal: Deal, expected_version: int | None) -> Deal:
    require(actor, Action.EDIT, deal)
    deal = lock_current(deal, expected_version)
    if deal.is_locked:
        raise Conflict("The deal is sold and locked; unlock it first.")
    return deal


@transaction.atomic
def deal_move(
    *, actor: Member, deal: Deal, stage: Any = None, pipeline: Any = None, expected_version: int | None = None
) -> Deal:
    """Move an open deal to another stage, or to another pipeline (its first stage unless given)."""
    deal = _editable_open_deal(actor, deal, expected_version)
    if deal.status != DealStatus.OPEN:
        raise Conflict(f"The deal is {deal.get_status_display().lower()}; reopen it before moving it.")
    target_pipeline = deal.pipeline
    if pipeline is not None:
        try:
            target_pipeline = get_visible(actor, Pipeline, getattr(pipeline, "pk", pipeline))
        except NotFound:
            # A request field, not the path: the deal exists, the pipeline named does not.
            raise ValidationError({"pipeline": f"No pipeline with id {pipeline!r} in this workspace."}) from None
    if stage is None:
        if target_pipeline.pk == deal.pipeline_id:
            raise ValidationError({"stage": "Give the stage to move the deal to."})
        stage_id = _first_stage_id(actor, target_pipeline.pk)
        if stage_id is None:
            raise ValidationError({"pipeline": "This pipeline has no stages."})
        stage = stage_id
    try:
        target_stage = Stage.objects.get(workspace_id=actor.workspace_id, pk=_pk(getattr(stage, "pk", stage)))
    except (Stage.DoesNotExist, TypeError, ValueError):
        raise ValidationError({"stage": f"No stage with id {stage!r} in this workspace."}) from None
    if target_stage.pipeline_id != target_pipeline.pk:
        raise ValidationError({"stage": f"Stage “{target_stage}” is not in pipeline “{target_pipeline}”."})
    if target_stage.pk == deal.stage_id:
        return deal
    from_stage = deal.stage
    changes = apply_changes(deal, {"pipeline": target_pipeline, "stage": target_stage})
    deal.stage_changed_at = clock.now()
    pipeline_changes = [c for c in changes if c.field == "pipeline"]
    stage_changes = [c for c in changes if c.field == "stage"]
    save_changes(actor, deal, stage_changes, event_type=EventType.STAGE_CHANGED, extra_fields=["pipeline", "stage_changed_at"])
    if pipeline_changes:
        log.log_changes(actor, deal, pipeline_changes, EventType.PIPELINE_CHANGED)
    _record_stage_change(actor, deal, from_stage, DealStatus.OPEN)
    return deal


def _close(actor: Member, deal: Deal, status: str, event_type: str, lost_reason: str, expected_version: int | None) -> Deal:
    deal = _editable_open_deal(actor, deal, expected_version)
    if deal.status != DealStatus.OPEN:
        raise Conflict(f"The deal is already {deal.get_status_display().lower()}.")
    changes = apply_changes(deal, {"status": status, "lost_reason": lost_reason})
    deal.closed_at = clock.now()
    save_changes(actor, deal, changes, event_type=event_type, extra_fields=["closed_at"])
    _record_stage_change(actor, deal, deal.stage, DealStatus.OPEN)
    return deal


@transaction.atomic
def deal_mark_won(*, actor: Member, deal: Deal, expected_version: int | None = None) -> Deal:
    return _close(actor, deal, DealStatus.WON, EventType.WON, "", expected_version)


@transaction.atomic
def deal_mark_lost(*, actor: Member, deal: Deal, reason: str, expected_version: int | None = None) -> Deal:
    require(actor, Action.EDIT, deal)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the deal was lost."})
    if len(reason) > 200:
        raise ValidationError({"reason": "Keep the reason under 200 characters."})
    return _close(actor, deal, DealStatus.LOST, EventType.LOST, reason, expected_version)


@transaction.atomic
def deal_reopen(*, actor: Member, deal: Deal, expected_version: int | None = None) -> Deal:
    """Put a won or lost deal back in play, in the stage it was closed in."""
    deal = _editable_open_deal(actor, deal, expected_version)
    if deal.status == DealStatus.OPEN:
        raise Conflict("The deal is already open.")
    previous = deal.status
    changes = apply_changes(deal, {"status": DealStatus.OPEN, "lost_reason": ""})
    deal.closed_at = None
    deal.stage_changed_at = clock.now()
    save_changes(actor, deal, changes, event_type=EventType.REOPENED, extra_fields=["closed_at", "stage_changed_at"])
    _record_stage_change(actor, deal, deal.stage, previous)
    return deal


@transaction.atomic
def deal_contact_link(*, actor: Member, deal: Deal, contact_id: Any, role: str = "") -> DealContact:
    """Attach a contact to the deal with a business role (or change the role)."""
    deal = _deal_for_contacts(actor, deal)
    try:
        contact = get_visible(actor, Contact, contact_id) if not isinstance(contact_id, Contact) else contact_id
    except NotFound:
        raise ValidationError({"contact": f"No contact with id {contact_id!r} in this workspace."}) from None
    if len(role) > 80:
        raise ValidationError({"role": "Keep the role under 80 characters."})
    link, created = DealContact.objects.get_or_create(
        workspace_id=deal.workspace_id, deal=deal, contact=contact, defaults={"role": role}
    )
    if not created and link.role != role:
        before = link.role
        link.role = role
        link.save(update_fields=["role"])
        log.log(actor, deal, EventType.FIELD_CHANGED, field=f"contact_role.{contact.pk}", before=before, after=role)
    elif created:
        log.log(actor, deal, EventType.LINKED, field="contacts", after={"id": contact.pk, "name": str(contact), "role": role})
    return link


@transaction.atomic
def deal_contact_unlink(*, actor: Member, deal: Deal, contact_id: Any) -> None:
    deal = _deal_for_contacts(actor, deal)
    try:
        contact_pk = _pk(getattr(contact_id, "pk", contact_id))
    except (TypeError, ValueError):
        raise ValidationError({"contact": "This contact is not on the deal."}) from None
    link = DealContact.objects.filter(deal=deal, contact_id=contact_pk).select_related("contact").first()
    if link is None:
        raise ValidationError({"contact": "This contact is not on the deal."})
    log.log(actor, deal, EventType.UNLINKED, field="contacts", before={"id": link.contact_id, "name": str(link.contact), "role": link.role})
    link.delete()
