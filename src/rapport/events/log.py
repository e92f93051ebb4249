"""Appending to the event log. Services call these inside their own transaction (SPEC E3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connections, router, transaction
from django.db.models import signals

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


class _NewRowInsert:
    """Save a new instance with one `INSERT … RETURNING id` whose SQL is written once per model
    and database, instead of compiling it on every save.

    The write path inserts two rows per change (the record and its event) and Django spent
    more CPU building those statements than the database spent running them. Values go through
    the same `pre_save` and `get_db_prep_save` as in `Model.save`, inside the same
    `mark_for_rollback_on_error`. Anything this shortcut does not cover goes through
    `Model.save()` as before: an instance that already has a primary key, save signal
    receivers, inherited tables, `order_with_respect_to`, database defaults or expressions,
    columns the database fills in, and databases without `RETURNING`.
    """

    def __init__(self) -> None:
        self._plans: dict[tuple[type[models.Model], str], tuple[str, list[models.Field]] | None] = {}

    def _plan(self, model: type[models.Model], connection: Any) -> tuple[str, list[models.Field]] | None:
        meta = model._meta
        pk = meta.auto_field
        if (
            pk is None
            or meta.pk is not pk
            or meta.parents
            or meta.order_with_respect_to
            or list(meta.db_returning_fields) != [pk]
            or not connection.features.can_return_columns_from_insert
        ):
            return None
        fields = [f for f in meta.local_concrete_fields if not f.generated and f is not pk]
        if any(f.has_db_default() for f in fields):
            return None
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(pk.column)}"
        )
        return sql, fields

    def __call__(self, obj: models.Model) -> None:
        model = type(obj)
        if (
            obj.pk is not None
            or not obj._state.adding
            or signals.pre_save.has_listeners(model)
            or signals.post_save.has_listeners(model)
        ):
            obj.save()
            return
        using = router.db_for_write(model, instance=obj)
        connection = connections[using]
        key = (model, connection.vendor)
        if key not in self._plans:
            self._plans[key] = self._plan(model, connection)
        plan = self._plans[key]
        if plan is None:
            obj.save()
            return
        sql, fields = plan
        obj._prepare_related_fields_for_save(operation_name="save")
        values = [f.pre_save(obj, add=True) for f in fields]
        if any(hasattr(value, "resolve_expression") for value in values):
            obj.save()
            return
        params = [f.get_db_prep_save(value, connection) for f, value in zip(fields, values, strict=True)]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(sql, params)
            obj.pk = cursor.fetchone()[0]
        obj._state.adding = False
        obj._state.db = using


insert_new = _NewRowInsert()


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
    insert_new(event)
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
