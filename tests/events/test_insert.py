"""`log.insert_new`: the write path's one-statement INSERT stores what `Model.save()` stores."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from rapport.events import log
from rapport.events.models import ActorKind, Event, EventType
from rapport.records.models import Lead, Tag
from rapport.workspaces.models import ApiToken

MOMENT = datetime(2025, 10, 20, 8, 15, 30, 123456, tzinfo=UTC)


def _row(model, pk) -> dict:
    row = model._default_manager.filter(pk=pk).values().get()
    row.pop("id")
    return row


def _lead(workspace, seller, **values) -> Lead:
    return Lead(
        workspace_id=workspace.pk,
        created_by=seller,
        owner=seller,
        created_at=MOMENT,
        updated_at=MOMENT,
        custom={"b": "2", "a": ["x", 1, True, None]},
        title="Crème brûlée",
        email="zoe@example.net",
        budget=Decimal("12.5"),
        **values,
    )


def test_a_lead_inserted_is_the_row_save_writes(workspace, seller):
    by_save = _lead(workspace, seller)
    by_save.save()
    by_insert = _lead(workspace, seller)

    with CaptureQueriesContext(connection) as queries:
        log.insert_new(by_insert)

    assert len(queries) == 1 and queries[0]["sql"].lstrip().upper().startswith("INSERT")
    assert by_insert.pk is not None and by_insert.pk != by_save.pk
    assert by_insert._state.adding is False and by_insert._state.db == "default"
    assert _row(Lead, by_insert.pk) == _row(Lead, by_save.pk)
    # The instance is usable as a saved one.
    by_insert.tags.set([])
    assert Lead.objects.get(pk=by_insert.pk).title == "Crème brûlée"


def test_an_event_inserted_is_the_row_save_writes(workspace, seller):
    def event():
        return Event(
            workspace_id=workspace.pk, occurred_at=MOMENT, actor=seller, actor_kind=ActorKind.API, actor_name="Sam",
            object_type="lead", object_id=7, object_name="x", event_type=EventType.CREATED, field="",
            before=None, after={"title": "x", "budget": "12.50", "tags": ["a"]},
        )

    by_save = event()
    by_save.save()
    by_insert = event()
    log.insert_new(by_insert)

    assert _row(Event, by_insert.pk) == _row(Event, by_save.pk)


def test_auto_now_fields_are_filled_as_save_fills_them(workspace, seller):
    token = ApiToken(workspace_id=workspace.pk, member=seller, name="script", key_hash="0" * 64, hint="rpt_0000")

    log.insert_new(token)

    assert token.created_at is not None
    assert ApiToken.objects.get(pk=token.pk).created_at == token.created_at


def test_an_instance_with_a_primary_key_or_save_receivers_goes_through_save(workspace, seller):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    pre_save.connect(receiver, sender=Lead)
    try:
        lead = _lead(workspace, seller)
        log.insert_new(lead)
    finally:
        pre_save.disconnect(receiver, sender=Lead)
    assert seen == [lead] and lead.pk is not None

    post_save.connect(receiver, sender=Lead)
    try:
        other = _lead(workspace, seller)
        log.insert_new(other)
    finally:
        post_save.disconnect(receiver, sender=Lead)
    assert seen[-1] is other

    lead.title = "Changed"
    log.insert_new(lead)  # already saved: an UPDATE through save()
    assert Lead.objects.get(pk=lead.pk).title == "Changed"
    assert Lead.objects.filter(pk__in=[lead.pk, other.pk]).count() == 2


def test_a_failing_insert_marks_the_transaction_for_rollback(workspace, admin):
    Tag.objects.create(workspace_id=workspace.pk, name="taken")

    with transaction.atomic():
        with pytest.raises(IntegrityError):
            log.insert_new(Tag(workspace_id=workspace.pk, name="taken"))
        assert transaction.get_connection().needs_rollback

    assert Tag.objects.filter(workspace_id=workspace.pk).count() == 1
