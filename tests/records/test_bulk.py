"""Bulk changes: each row through its own service, all in one transaction, all or nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.events.models import Event, EventType
from rapport.records.models import Account, Activity, Deal, DealStatus, Lead
from rapport.records.services import (
    BulkRefused,
    bulk_delete,
    bulk_move,
    bulk_set_owner,
    bulk_set_status,
    bulk_tag,
    tag_create,
)

from ..factories import AccountFactory, ActivityFactory, DealFactory, LeadFactory
from .helpers import reload, unchanged


def test_set_owner_on_every_row_with_one_event_each(admin, seller, seller2):
    deals = [DealFactory(actor=seller) for _ in range(3)]
    result = bulk_set_owner(actor=admin, model=Deal, ids=[d.pk for d in deals], owner=seller2.pk)
    assert (result.changed, result.unchanged) == (3, 0)
    assert {reload(d).owner_id for d in deals} == {seller2.pk}
    assert Event.objects.filter(object_type="deal", field="owner", event_type=EventType.FIELD_CHANGED).count() == 3


def test_one_refused_row_means_nothing_changes_and_every_refusal_is_named(manager, seller, seller2, loner):
    team = [DealFactory(actor=seller, name="Team A"), DealFactory(actor=seller2, name="Team B")]
    outside = [DealFactory(actor=loner, name="Loner 1"), DealFactory(actor=loner, name="Loner 2")]
    ids = [team[0].pk, outside[0].pk, team[1].pk, outside[1].pk]
    with unchanged(), pytest.raises(BulkRefused) as exc:
        bulk_set_owner(actor=manager, model=Deal, ids=ids, owner=manager.pk)
    refused = [(r.record_id, r.name) for r in exc.value.refusals]
    assert refused == [(outside[0].pk, "Loner 1"), (outside[1].pk, "Loner 2")]
    assert "Nothing was changed" in exc.value.detail and "Loner 1" in exc.value.detail
    assert exc.value.status == 409


def test_ids_not_visible_or_of_another_workspace_are_refused_as_not_found(seller, seller2, outsider):
    mine = DealFactory(actor=seller)
    hidden = DealFactory(actor=seller2)
    foreign = DealFactory(actor=outsider)
    with unchanged(), pytest.raises(BulkRefused) as exc:
        bulk_delete(actor=seller, model=Deal, ids=[mine.pk, hidden.pk, foreign.pk])
    assert {r.record_id for r in exc.value.refusals} == {mine.pk, hidden.pk, foreign.pk}  # sellers may not delete deals
    assert all(r.name == f"#{r.record_id}" for r in exc.value.refusals if r.record_id != mine.pk)


@pytest.mark.parametrize("ids", [[], ["x"], [0], [2**63], list(range(1, 502))])
def test_bad_id_lists_are_field_errors(admin, ids):
    with unchanged(), pytest.raises(ValidationError) as exc:
        bulk_delete(actor=admin, model=Account, ids=ids)
    assert "ids" in exc.value.message_dict


def test_delete_all_or_nothing(admin, seller):
    accounts = [AccountFactory(actor=seller) for _ in range(2)]
    with unchanged(), pytest.raises(BulkRefused):
        bulk_delete(actor=seller, model=Account, ids=[a.pk for a in accounts])
    bulk_delete(actor=admin, model=Account, ids=[a.pk for a in accounts])
    assert not Account.objects.filter(pk__in=[a.pk for a in accounts]).exists()
    assert Event.objects.filter(object_type="account", event_type=EventType.DELETED).count() == 2


def test_move_deals_to_a_stage_of_any_pipeline(admin, seller, other_pipeline):
    target = other_pipeline.stages.order_by("position").last()
    deals = [DealFactory(actor=seller) for _ in range(2)]
    result = bulk_move(actor=admin, ids=[d.pk for d in deals], stage=target.pk)
    assert result.changed == 2
    assert {(reload(d).pipeline_id, reload(d).stage_id) for d in deals} == {(other_pipeline.pk, target.pk)}
    assert Event.objects.filter(object_type="deal", event_type=EventType.PIPELINE_CHANGED).count() == 2


def test_move_to_a_stage_of_another_workspace_is_refused(admin, seller, foreign):
    deal = DealFactory(actor=seller)
    with unchanged(), pytest.raises(ValidationError):
        bulk_move(actor=admin, ids=[deal.pk], stage=foreign.stage.pk)


def test_moving_a_closed_deal_refuses_the_whole_move(admin, seller, stages):
    open_deal, won = DealFactory(actor=seller), DealFactory(actor=seller, name="Already won")
    bulk_set_status(actor=admin, model=Deal, ids=[won.pk], status=DealStatus.WON)
    with unchanged(), pytest.raises(BulkRefused) as exc:
        bulk_move(actor=admin, ids=[open_deal.pk, won.pk], stage=stages[2].pk)
    assert [r.name for r in exc.value.refusals] == ["Already won"]


def test_status_per_record_type_and_rows_already_as_asked(admin, seller):
    leads = [LeadFactory(actor=seller) for _ in range(2)]
    bulk_set_status(actor=seller, model=Lead, ids=[leads[0].pk], status="working")
    result = bulk_set_status(actor=seller, model=Lead, ids=[lead.pk for lead in leads], status="working")
    assert (result.changed, result.unchanged) == (1, 1)
    tasks = [ActivityFactory(actor=seller) for _ in range(2)]
    bulk_set_status(actor=seller, model=Activity, ids=[t.pk for t in tasks], status="done")
    assert all(reload(t).done_at for t in tasks)
    accounts = [AccountFactory(actor=seller) for _ in range(2)]
    bulk_set_status(actor=seller, model=Account, ids=[a.pk for a in accounts], status="archived")
    assert all(reload(a).archived_at for a in accounts)
    deals = [DealFactory(actor=seller) for _ in range(2)]
    with unchanged(), pytest.raises(ValidationError):
        bulk_set_status(actor=seller, model=Deal, ids=[d.pk for d in deals], status=DealStatus.LOST)
    bulk_set_status(actor=seller, model=Deal, ids=[d.pk for d in deals], status=DealStatus.LOST, reason="Budget")
    assert {reload(d).lost_reason for d in deals} == {"Budget"}
    with unchanged(), pytest.raises(ValidationError):
        bulk_set_status(actor=seller, model=Lead, ids=[leads[0].pk], status="qualified")


def test_add_and_remove_a_tag(admin, seller, foreign):
    tag = tag_create(actor=admin, data={"name": "Hot"})
    deals = [DealFactory(actor=seller) for _ in range(2)]
    assert bulk_tag(actor=seller, model=Deal, ids=[d.pk for d in deals], tag=tag.pk).changed == 2
    assert all(list(reload(d).tags.all()) == [tag] for d in deals)
    assert bulk_tag(actor=seller, model=Deal, ids=[d.pk for d in deals], tag=tag.pk).unchanged == 2
    with unchanged(), pytest.raises(BulkRefused):
        bulk_tag(actor=seller, model=Deal, ids=[deals[0].pk], tag=foreign.tag.pk)
    bulk_tag(actor=seller, model=Deal, ids=[d.pk for d in deals], tag=tag.pk, add=False)
    assert not any(reload(d).tags.exists() for d in deals)
    with unchanged(), pytest.raises(ValidationError):
        bulk_tag(actor=seller, model=Activity, ids=[1], tag=tag.pk)
