"""The deal list's history and task filters, alone and together (they combine as Q objects)."""

from __future__ import annotations

import pytest

from rapport.records import services

from ..factories import ActivityFactory, DealFactory
from .support import ids_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(world):
    first, second, third = world.stages[:3]
    idle = DealFactory(actor=world.admin, name="Idle", stage=first.pk)
    busy = DealFactory(actor=world.admin, name="Busy", stage=first.pk)
    ActivityFactory(actor=world.admin, deal=busy.pk, due_at="2030-01-01T10:00:00Z")
    moved = DealFactory(actor=world.admin, name="Moved on", stage=first.pk)
    services.deal_move(actor=world.admin, deal=moved, stage=second.pk)
    moved_busy = DealFactory(actor=world.admin, name="Moved and busy", stage=first.pk)
    services.deal_move(actor=world.admin, deal=moved_busy, stage=third.pk)
    ActivityFactory(actor=world.admin, deal=moved_busy.pk, due_at="2030-01-01T10:00:00Z")
    return {"idle": idle.pk, "busy": busy.pk, "moved": moved.pk, "moved_busy": moved_busy.pk, "first": first.pk}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("without_open_task=true", {"idle", "moved"}),
        ("without_open_task=false", {"busy", "moved_busy"}),
        ("moved_from_stage={first}", {"moved", "moved_busy"}),
        ("moved_from_stage={first}&without_open_task=false", {"moved_busy"}),
        ("moved_from_stage={first}&without_open_task=true", {"moved"}),
    ],
)
def test_history_and_task_filters_combine(world, deals, query, expected):
    names = {"idle", "busy", "moved", "moved_busy"}
    found = set(ids_of(world.api("admin").get(f"/api/v1/deals?limit=200&{query.format(**deals)}")))
    mine = {deals[n] for n in names}
    assert found & mine == {deals[n] for n in expected}
