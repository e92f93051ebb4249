"""Writes to activities: tasks, calls, meetings, e-mails, messages and notes (SPEC R6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from rapport.core import clock
from rapport.core.errors import Conflict
from rapport.events.models import EventType
from rapport.records.models import Activity
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import require

from .base import (
    apply_changes,
    lock_current,
    record_create,
    record_delete,
    record_update,
    save_changes,
)

ACTIVITY_FIELDS = (
    "kind", "subject", "body", "owner", "due_at", "done_at", "direction", "duration_minutes", "category", "recording_url",
    "account", "contact", "lead", "deal", "participant_members", "participant_contacts",
)


@transaction.atomic
def activity_create(*, actor: Member, data: Mapping[str, Any]) -> Activity:
    return record_create(actor, Activity, data, fields=ACTIVITY_FIELDS, defaults={"owner": actor})


@transaction.atomic
def activity_update(*, actor: Member, activity: Activity, data: Mapping[str, Any], expected_version: int | None = None) -> Activity:
    return record_update(actor, activity, data, fields=ACTIVITY_FIELDS, expected_version=expected_version)


@transaction.atomic
def activity_delete(*, actor: Member, activity: Activity, expected_version: int | None = None) -> None:
    record_delete(actor, activity, fields=ACTIVITY_FIELDS, expected_version=expected_version)


@transaction.atomic
def activity_complete(*, actor: Member, activity: Activity, done: bool = True, expected_version: int | None = None) -> Activity:
    """Mark done now (or reopen); a task done after its due time still counts as overdue later."""
    require(actor, Action.EDIT, activity)
    activity = lock_current(activity, expected_version)
    if bool(activity.done_at) == done:
        raise Conflict("The activity is already done." if done else "The activity is not done.")
    changes = apply_changes(activity, {"done_at": clock.now() if done else None})
    return save_changes(actor, activity, changes, event_type=EventType.COMPLETED if done else EventType.FIELD_CHANGED)
