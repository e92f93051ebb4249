"""Appending to the event log. Services call these inside their own transaction (SPEC E3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from rapport.core import bus, clock
from rapport.core.jsonvalue import to_json

from .models import ActorKind, Event, EventType

if TYPE_CHECKING:
    from django.db import models

    from rapport.workspaces.models import Member

_actor_kind: ContextVar[str] = ContextVar("rapport_actor_kind", default=ActorKind.USER)


@contextmanager
def acting_as(kind: str) -> Iterator[None]:
    """Mark events written inside the block as done through the API, an automation, ..."""
    token = _actor_kind.set(kind)
    try:
        yield
    finally:
        _actor_kind.reset(token)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def object_type_of(obj: models.Model) -> str:
    return getattr(type(obj), "RECORD_TYPE", None) or type(obj)._meta.model_name  # type: ignore[return-value]


def _event(actor: Member | None, obj: models.Model, event_type: str, field: str = "", before: Any = None, after: Any = None) -> Event:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events must be written inside the transaction of the change they describe")
    kind = _actor_kind.get() if actor is not None else ActorKind.ROBOT
    return Event(
        workspace_id=obj.workspace_id,  # type: ignore[attr-defined]
        occurred_at=clock.now(),
        actor=actor,
        actor_kind=kind,
        actor_name=actor.display_name if actor is not None else "Robot",
        object_type=object_type_of(obj),
        object_id=obj.pk,
        object_name=str(obj)[:300],
        event_type=event_type,
        field=field,
        before=to_json(before),
        after=to_json(after),
    )


def log(actor: Member | None, obj: models.Model, event_type: str, *, field: str = "", before: Any = None, after: Any = None) -> Event:
    """Append one event about `obj` and announce it on the bus once the transaction commits."""
    event = _event(actor, obj, event_type, field, before, after)
    event.save()
    _announce([event])
    return event


def log_changes(actor: Member | None, obj: models.Model, changes: list[FieldChange], event_type: str = EventType.FIELD_CHANGED) -> list[Event]:
    """One event per changed field."""
    events = [_event(actor, obj, event_type, c.field, c.before, c.after) for c in changes]
    Event.objects.bulk_create(events)
    _announce(events)
    return events


def log_many(actor: Member | None, objects: list[models.Model], event_type: str, *, field: str = "", before: Any = None, after: Any = None) -> list[Event]:
    events = [_event(actor, obj, event_type, field, before, after) for obj in objects]
    Event.objects.bulk_create(events)
    _announce(events)
    return events


def _announce(events: list[Event]) -> None:
    if not events:
        return
    payload = [
        {
            "workspace": e.workspace_id,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "event_type": e.event_type,
            "field": e.field,
        }
        for e in events
    ]
    transaction.on_commit(lambda: bus.publish_events(payload))


def set_actor_kind(kind: str) -> None:
    """Mark the rest of the current request as done by `kind` (reset by ActorKindMiddleware)."""
    _actor_kind.set(kind)
