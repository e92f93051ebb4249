"""Writes to leads: create, edit, qualify into a deal, disqualify, archive (SPEC R3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from rapport.core import clock
from rapport.core.errors import Conflict, NotFound
from rapport.events.models import EventType
from rapport.records.models import Account, Contact, Deal, Lead, LeadStatus, Pipeline
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import get_visible, require

from .accounts import account_create
from .base import (
    apply_changes,
    lock_current,
    record_create,
    record_delete,
    record_update,
    save_changes,
)
from .contacts import contact_create
from .deals import deal_create

LEAD_FIELDS = (
    "title", "first_name", "last_name", "company", "email", "phone", "source", "status", "priority",
    "owner", "account", "budget", "currency", "description", "tags",
)
# Qualified and disqualified are outcomes reached through their own actions.
SETTABLE_STATUSES = {LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURING}


def _check_status(data: Mapping[str, Any]) -> None:
    if "status" in data and data["status"] not in SETTABLE_STATUSES:
        raise ValidationError({"status": "Use qualify or disqualify to close a lead; set new, working or nurturing here."})


@transaction.atomic
def lead_create(*, actor: Member, data: Mapping[str, Any]) -> Lead:
    """Create a lead, owned by its creator unless an owner is given; `owner: None` leaves it
    with the robot owner (unassigned) until routed."""
    require(actor, Action.ADD, Lead)
    _check_status(data)
    return record_create(actor, Lead, data, fields=LEAD_FIELDS, defaults={"owner": actor})


@transaction.atomic
def lead_update(*, actor: Member, lead: Lead, data: Mapping[str, Any], expected_version: int | None = None) -> Lead:
    require(actor, Action.EDIT, lead)
    _check_status(data)
    if lead.status not in SETTABLE_STATUSES and "status" in data:
        raise Conflict("The lead is closed; its status cannot be changed.")
    return record_update(actor, lead, data, fields=LEAD_FIELDS, expected_version=expected_version)


@transaction.atomic
def lead_delete(*, actor: Member, lead: Lead, expected_version: int | None = None) -> None:
    record_delete(actor, lead, fields=LEAD_FIELDS, expected_version=expected_version)


def _open_lead(actor: Member, lead: Lead, expected_version: int | None) -> Lead:
    require(actor, Action.EDIT, lead)
    lead = lock_current(lead, expected_version)
    if lead.archived_at:
        raise Conflict("The lead is archived; unarchive it first.")
    if lead.status not in SETTABLE_STATUSES:
        raise Conflict(f"The lead is already {lead.get_status_display().lower()}.")
    return lead


@dataclass(frozen=True)
class Qualified:
    lead: Lead
    deal: Deal
    account: Account | None
    contact: Contact | None


@transaction.atomic
def lead_qualify(
    *,
    actor: Member,
    lead: Lead,
    pipeline: Any = None,
    deal_name: str | None = None,
    amount: Decimal | None = None,
    account: Any = None,
    create_contact: bool = True,
    expected_version: int | None = None,
) -> Qualified:
    """Turn an open lead into a deal, with an account and a contact made from what the lead holds.

    Only what cannot be derived is asked for: the pipeline defaults to the workspace's first,
    the deal takes the lead's title, budget and owner, the account its company.
    """
    lead = _open_lead(actor, lead, expected_version)
    require(actor, Action.ADD, Deal)
    if pipeline is None:
        pipeline_obj = Pipeline.objects.filter(workspace_id=actor.workspace_id, is_active=True).first()
        if pipeline_obj is None:
            raise ValidationError({"pipeline": "The workspace has no active pipeline."})
    else:
        pipeline_obj = _given(actor, Pipeline, pipeline, "pipeline")
    if account is not None:
        account_obj = _given(actor, Account, account, "account")
    elif lead.account_id:
        account_obj = lead.account
    elif lead.company:
        account_obj = account_create(actor=actor, data={"name": lead.company, "owner": lead.owner_id or actor.pk})
    else:
        account_obj = None
    contact = None
    if create_contact and (lead.last_name or lead.first_name or lead.email):
        contact = contact_create(
            actor=actor,
            data={
                "first_name": lead.first_name,
                "last_name": lead.last_name or lead.first_name or lead.email.split("@")[0],
                "emails": [lead.email] if lead.email else [],
                "phones": [lead.phone] if lead.phone else [],
                "account": account_obj.pk if account_obj else None,
                "owner": lead.owner_id or actor.pk,
            },
        )
    deal = deal_create(
        actor=actor,
        data={
            "name": deal_name or lead.title,
            "pipeline": pipeline_obj.pk,
            "account": account_obj.pk if account_obj else None,
            "amount": amount if amount is not None else (lead.budget or Decimal(0)),
            "currency": lead.currency or actor.workspace.base_currency,
            "owner": lead.owner_id or actor.pk,
            "source": lead.source,
            # Through the data, so the deal's "created" event lists the tags it starts with.
            "tags": list(lead.tags.values_list("pk", flat=True)),
        },
        contacts=[{"contact": contact.pk, "role": ""}] if contact else [],
    )
    changes = apply_changes(lead, {"status": LeadStatus.QUALIFIED, "deal": deal, "account": account_obj})
    save_changes(actor, lead, changes, event_type=EventType.QUALIFIED)
    return Qualified(lead=lead, deal=deal, account=account_obj, contact=contact)


def _given(actor: Member, model: type[Pipeline] | type[Account], value: Any, field: str) -> Any:
    """A row named in the request: one the actor cannot see is an error on that field."""
    try:
        return get_visible(actor, model, getattr(value, "pk", value))
    except NotFound:
        raise ValidationError({field: f"No {model._meta.verbose_name} with id {value!r} in this workspace."}) from None


@transaction.atomic
def lead_disqualify(*, actor: Member, lead: Lead, reason: str, expected_version: int | None = None) -> Lead:
    require(actor, Action.EDIT, lead)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the lead is disqualified."})
    if len(reason) > 200:
        raise ValidationError({"reason": "Keep the reason under 200 characters."})
    lead = _open_lead(actor, lead, expected_version)
    changes = apply_changes(lead, {"status": LeadStatus.DISQUALIFIED, "disqualify_reason": reason})
    return save_changes(actor, lead, changes, event_type=EventType.DISQUALIFIED)


@transaction.atomic
def lead_archive(*, actor: Member, lead: Lead, archived: bool = True, expected_version: int | None = None) -> Lead:
    require(actor, Action.EDIT, lead)
    lead = lock_current(lead, expected_version)
    if bool(lead.archived_at) == archived:
        raise Conflict("The lead is already archived." if archived else "The lead is not archived.")
    changes = apply_changes(lead, {"archived_at": clock.now() if archived else None})
    return save_changes(actor, lead, changes, event_type=EventType.ARCHIVED if archived else EventType.UNARCHIVED)
