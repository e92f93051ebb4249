"""Deal services: create, update, move, win, lose, reopen, contacts, delete (SPEC R4, R5)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.core import clock
from rapport.core.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from rapport.events.models import EventType
from rapport.records import services
from rapport.records.models import Deal, DealContact, DealStatus, Lead, StageChange

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .helpers import events_of, reload, unchanged

MOMENT = datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
LATER = datetime(2025, 7, 9, 15, 30, tzinfo=UTC)


def ref(obj) -> dict:
    return {"id": obj.pk, "name": str(obj)}


def test_create_puts_the_deal_in_the_incoming_stage(workspace, seller, pipeline, stages):
    account = AccountFactory(actor=seller, name="Initech")
    with clock.frozen_at(MOMENT):
        deal = services.deal_create(actor=seller, data={"name": "Printers", "pipeline": pipeline.pk, "account": account.pk, "amount": "1200.50"})
    deal = reload(deal)
    assert (deal.stage, deal.status, deal.currency, deal.owner, deal.stage_changed_at) == (stages[0], DealStatus.OPEN, "EUR", seller, MOMENT)
    [change] = StageChange.objects.filter(deal=deal)
    assert (change.from_stage, change.to_stage, change.from_status, change.to_status) == (None, stages[0], "", DealStatus.OPEN)
    assert (change.amount, change.actor, change.changed_at, change.pipeline) == (Decimal("1200.50"), seller, MOMENT, pipeline)
    [event] = events_of(deal)
    assert event.after["stage"] == ref(stages[0]) and event.after["pipeline"] == ref(pipeline)
    assert event.after["account"] == ref(account) and event.after["amount"] == "1200.50"


def test_create_in_a_chosen_stage_with_contacts(workspace, seller, pipeline, stages):
    buyer = ContactFactory(actor=seller)
    user = ContactFactory(actor=seller)
    deal = services.deal_create(
        actor=seller, data={"name": "Big", "pipeline": pipeline.pk, "stage": stages[2].pk, "currency": "USD"},
        contacts=[{"contact": buyer.pk, "role": "Decision maker"}, {"contact": user.pk}],
    )
    assert deal.stage == stages[2] and deal.currency == "USD"
    assert dict(DealContact.objects.filter(deal=deal).values_list("contact_id", "role")) == {buyer.pk: "Decision maker", user.pk: ""}
    linked = [e.after for e in events_of(deal, EventType.LINKED)]
    assert linked == [{"id": buyer.pk, "name": str(buyer), "role": "Decision maker"}, {"id": user.pk, "name": str(user), "role": ""}]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"pipeline": "P"}, "name"),
        ({"name": "D"}, "pipeline"),
        ({"name": "D", "pipeline": "P", "amount": "-5"}, "amount"),
        ({"name": "D", "pipeline": "P", "amount": "1e15"}, "amount"),
        ({"name": "D", "pipeline": "P", "amount": "much"}, "amount"),
        ({"name": "D", "pipeline": "P", "currency": "euro"}, "currency"),
        ({"name": "D", "pipeline": "P", "expected_close": "next week"}, "expected_close"),
        ({"name": "D", "pipeline": "P", "status": "won"}, "status"),
        ({"name": "D", "pipeline": "P", "is_locked": True}, "is_locked"),
        ({"name": "D", "pipeline": "abc"}, "pipeline"),
        ({"name": "D", "pipeline": 10**9}, "pipeline"),
        ({"name": "D", "pipeline": "P", "stage": "S-other"}, "stage"),
        ({"name": "D", "pipeline": "P", "account": 10**9}, "account"),
        ({"name": "D", "pipeline": "P", "tags": "hot"}, "tags"),
    ],
)
def test_create_refuses_bad_input(workspace, seller, pipeline, other_pipeline, data, field):
    data = {k: {"P": pipeline.pk, "S-other": other_pipeline.first_stage().pk}.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.deal_create(actor=seller, data=data)
    assert field in exc.value.message_dict


def test_create_in_a_pipeline_without_stages(workspace, admin, seller):
    empty = services.pipeline_create(actor=admin, data={"name": "Empty"})
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.deal_create(actor=seller, data={"name": "D", "pipeline": empty.pk})
    assert "stages" in exc.value.message_dict["pipeline"][0]


@pytest.mark.parametrize("field", ["pipeline", "stage", "account", "owner", "tags", "contacts"])
def test_ids_of_another_workspace_are_field_errors(workspace, seller, pipeline, foreign, field):
    data = {"name": "D", "pipeline": pipeline.pk}
    contacts = []
    if field == "contacts":
        contacts = [{"contact": foreign.contact.pk}]
    else:
        data[field] = {"pipeline": foreign.pipeline.pk, "stage": foreign.stage.pk, "account": foreign.account.pk,
                       "owner": foreign.member.pk, "tags": [foreign.tag.pk]}[field]
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.deal_create(actor=seller, data=data, contacts=contacts)
    assert field in exc.value.message_dict


def test_create_denied_without_add_permission(workspace, seller, pipeline):
    seller.role.permissions["deal"]["add"] = "none"
    seller.role.save()
    with unchanged(), pytest.raises(PermissionDenied):
        services.deal_create(actor=seller, data={"name": "D", "pipeline": pipeline.pk})


# -- update --------------------------------------------------------------------------------------


def test_update_logs_references_as_id_and_name(workspace, seller, pipeline):
    first, second = AccountFactory(actor=seller, name="First"), AccountFactory(actor=seller, name="Second")
    deal = DealFactory(actor=seller, account=first, amount=Decimal("10"))
    services.deal_update(actor=seller, deal=deal, data={"account": second.pk, "amount": "25.5", "expected_close": "2025-12-31"}, expected_version=1)
    changes = {e.field: (e.before, e.after) for e in events_of(deal, EventType.FIELD_CHANGED)}
    assert changes == {"account": (ref(first), ref(second)), "amount": ("10.00", "25.5"), "expected_close": (None, "2025-12-31")}
    deal = reload(deal)
    assert (deal.amount, deal.version) == (Decimal("25.50"), 2)


@pytest.mark.parametrize("field", ["pipeline", "stage", "status", "lost_reason", "closed_at", "is_locked"])
def test_stage_pipeline_and_status_change_only_through_actions(workspace, seller, pipeline, stages, field):
    deal = DealFactory(actor=seller)
    value = {"pipeline": pipeline.pk, "stage": stages[1].pk, "status": "won", "lost_reason": "x", "closed_at": "2025-01-01T00:00:00Z", "is_locked": False}[field]
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.deal_update(actor=seller, deal=deal, data={field: value})
    assert field in exc.value.message_dict


def test_update_with_a_stale_version(workspace, seller):
    deal = DealFactory(actor=seller)
    services.deal_update(actor=seller, deal=deal, data={"name": "Renamed"})
    with unchanged(), pytest.raises(StaleVersion):
        services.deal_update(actor=seller, deal=deal, data={"name": "Again"}, expected_version=1)


@pytest.mark.parametrize(("who", "error"), [("seller2", NotFound), ("loner", NotFound), ("outsider", NotFound)])
def test_update_refused(workspace, seller, seller2, loner, outsider, who, error):
    deal = DealFactory(actor=seller)
    with unchanged(), pytest.raises(error):
        services.deal_update(actor={"seller2": seller2, "loner": loner, "outsider": outsider}[who], deal=deal, data={"name": "X"})


def test_manager_sees_but_may_not_edit_outside_the_team(workspace, manager, loner):
    deal = DealFactory(actor=loner)
    with unchanged(), pytest.raises(PermissionDenied):
        services.deal_update(actor=manager, deal=deal, data={"name": "X"})


# -- move ----------------------------------------------------------------------------------------


def test_move_within_the_pipeline(workspace, seller, pipeline, stages):
    with clock.frozen_at(MOMENT):
        deal = DealFactory(actor=seller, amount=Decimal("500"))
    with clock.frozen_at(LATER):
        services.deal_move(actor=seller, deal=deal, stage=stages[2].pk, expected_version=1)
    deal = reload(deal)
    assert (deal.stage, deal.stage_changed_at, deal.version, deal.updated_at) == (stages[2], LATER, 2, LATER)
    change = StageChange.objects.filter(deal=deal).latest("id")
    assert (change.from_stage, change.to_stage, change.from_status, change.to_status) == (stages[0], stages[2], "open", "open")
    assert (change.amount, change.actor, change.changed_at) == (Decimal("500.00"), seller, LATER)
    [event] = events_of(deal, EventType.STAGE_CHANGED)
    assert (event.field, event.before, event.after, event.occurred_at) == ("stage", ref(stages[0]), ref(stages[2]), LATER)
    assert not events_of(deal, EventType.PIPELINE_CHANGED)


def test_move_to_another_pipeline_lands_in_its_first_stage(workspace, seller, pipeline, stages, other_pipeline):
    deal = DealFactory(actor=seller)
    services.deal_move(actor=seller, deal=deal, pipeline=other_pipeline.pk)
    deal = reload(deal)
    due = other_pipeline.first_stage()
    assert (deal.pipeline, deal.stage) == (other_pipeline, due)
    [moved] = events_of(deal, EventType.PIPELINE_CHANGED)
    assert (moved.field, moved.before, moved.after) == ("pipeline", ref(pipeline), ref(other_pipeline))
    [staged] = events_of(deal, EventType.STAGE_CHANGED)
    assert (staged.before, staged.after) == (ref(stages[0]), ref(due))
    change = StageChange.objects.filter(deal=deal).latest("id")
    assert (change.pipeline, change.from_stage, change.to_stage) == (other_pipeline, stages[0], due)


def test_move_to_a_chosen_stage_of_another_pipeline(workspace, seller, other_pipeline):
    quoted = other_pipeline.stages.get(name="Quoted")
    deal = DealFactory(actor=seller)
    services.deal_move(actor=seller, deal=deal, pipeline=other_pipeline.pk, stage=quoted.pk)
    assert reload(deal).stage == quoted


def test_move_to_the_current_stage_changes_nothing(workspace, seller, stages):
    deal = DealFactory(actor=seller)
    with unchanged():
        services.deal_move(actor=seller, deal=deal, stage=stages[0].pk)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "stage"),
        ({"stage": "other-pipeline"}, "stage"),
        ({"stage": "abc"}, "stage"),
        ({"stage": 2**64}, "stage"),
        ({"stage": 10**9}, "stage"),
        ({"stage": "foreign"}, "stage"),
        ({"pipeline": "foreign"}, "pipeline"),
        ({"pipeline": "abc"}, "pipeline"),
        ({"pipeline": "other", "stage": "first-of-current"}, "stage"),
    ],
)
def test_move_refuses_a_stage_it_cannot_go_to(workspace, seller, stages, other_pipeline, foreign, kwargs, field):
    values = {
        "other-pipeline": other_pipeline.first_stage().pk, "foreign": foreign.stage.pk, "other": other_pipeline.pk,
        "first-of-current": stages[1].pk,
    }
    if kwargs.get("pipeline") == "foreign":
        values["foreign"] = foreign.pipeline.pk
    kwargs = {k: values.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    deal = DealFactory(actor=seller)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.deal_move(actor=seller, deal=deal, **kwargs)
    assert field in exc.value.message_dict


def test_move_with_a_stale_version(workspace, seller, stages):
    deal = DealFactory(actor=seller)
    services.deal_move(actor=seller, deal=deal, stage=stages[1].pk)
    with unchanged(), pytest.raises(StaleVersion):
        services.deal_move(actor=seller, deal=deal, stage=stages[2].pk, expected_version=1)


@pytest.mark.parametrize(("who", "error"), [("seller2", NotFound), ("outsider", NotFound), ("manager_outside_team", PermissionDenied)])
def test_move_refused(workspace, seller, seller2, outsider, manager, loner, stages, who, error):
    owner = loner if who == "manager_outside_team" else seller
    deal = DealFactory(actor=owner)
    actor = {"seller2": seller2, "outsider": outsider, "manager_outside_team": manager}[who]
    with unchanged(), pytest.raises(error):
        services.deal_move(actor=actor, deal=deal, stage=stages[1].pk)


def test_manager_moves_the_teams_deals(workspace, manager, seller, stages):
    deal = DealFactory(actor=seller)
    services.deal_move(actor=manager, deal=deal, stage=stages[3].pk)
    assert reload(deal).stage == stages[3]
    assert StageChange.objects.filter(deal=deal).latest("id").actor == manager


# -- won, lost, reopen ---------------------------------------------------------------------------


def test_won(workspace, seller, stages):
    deal = DealFactory(actor=seller)
    services.deal_move(actor=seller, deal=deal, stage=stages[3].pk)
    with clock.frozen_at(LATER):
        services.deal_mark_won(actor=seller, deal=deal, expected_version=2)
    deal = reload(deal)
    assert (deal.status, deal.closed_at, deal.stage) == (DealStatus.WON, LATER, stages[3])
    [event] = events_of(deal, EventType.WON)
    assert (event.field, event.before, event.after) == ("status", "open", "won")
    change = StageChange.objects.filter(deal=deal).latest("id")
    assert (change.from_stage, change.to_stage, change.from_status, change.to_status) == (stages[3], stages[3], "open", "won")


def test_lost_needs_a_reason_and_keeps_it(workspace, seller):
    deal = DealFactory(actor=seller)
    services.deal_mark_lost(actor=seller, deal=deal, reason=" Too expensive ")
    deal = reload(deal)
    assert (deal.status, deal.lost_reason) == (DealStatus.LOST, "Too expensive")
    lost = {e.field: (e.before, e.after) for e in events_of(deal, EventType.LOST)}
    assert lost == {"status": ("open", "lost"), "lost_reason": ("", "Too expensive")}
    assert StageChange.objects.filter(deal=deal).latest("id").to_status == DealStatus.LOST


@pytest.mark.parametrize("reason", ["", "  ", None, "x" * 201])
def test_lost_without_a_proper_reason_is_refused(workspace, seller, reason):
    deal = DealFactory(actor=seller)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.deal_mark_lost(actor=seller, deal=deal, reason=reason)
    assert "reason" in exc.value.message_dict


@pytest.mark.parametrize("first", ["won", "lost"])
def test_a_closed_deal_cannot_be_closed_or_moved_again(workspace, seller, stages, first):
    deal = DealFactory(actor=seller)
    if first == "won":
        services.deal_mark_won(actor=seller, deal=deal)
    else:
        services.deal_mark_lost(actor=seller, deal=deal, reason="Gone quiet")
    deal = reload(deal)
    for call in (
        lambda: services.deal_mark_won(actor=seller, deal=deal),
        lambda: services.deal_mark_lost(actor=seller, deal=deal, reason="Again"),
        lambda: services.deal_move(actor=seller, deal=deal, stage=stages[1].pk),
    ):
        with unchanged(), pytest.raises(Conflict):
            call()


def test_reopen_a_lost_deal(workspace, seller, stages):
    deal = DealFactory(actor=seller)
    services.deal_mark_lost(actor=seller, deal=deal, reason="No budget")
    with clock.frozen_at(LATER):
        services.deal_reopen(actor=seller, deal=deal)
    deal = reload(deal)
    assert (deal.status, deal.lost_reason, deal.closed_at, deal.stage_changed_at) == (DealStatus.OPEN, "", None, LATER)
    reopened = {e.field: (e.before, e.after) for e in events_of(deal, EventType.REOPENED)}
    assert reopened["status"] == ("lost", "open")
    change = StageChange.objects.filter(deal=deal).latest("id")
    assert (change.from_status, change.to_status, change.to_stage) == ("lost", "open", stages[0])
    with unchanged(), pytest.raises(Conflict):
        services.deal_reopen(actor=seller, deal=deal)


@pytest.mark.parametrize("action", ["won", "lost", "reopen"])
@pytest.mark.parametrize(("who", "error"), [("seller2", NotFound), ("outsider", NotFound)])
def test_closing_actions_refused(workspace, seller, seller2, outsider, action, who, error):
    deal = DealFactory(actor=seller)
    if action == "reopen":
        services.deal_mark_won(actor=seller, deal=deal)
        deal = reload(deal)
    actor = {"seller2": seller2, "outsider": outsider}[who]
    call = {
        "won": lambda: services.deal_mark_won(actor=actor, deal=deal),
        "lost": lambda: services.deal_mark_lost(actor=actor, deal=deal, reason=""),
        "reopen": lambda: services.deal_reopen(actor=actor, deal=deal),
    }[action]
    with unchanged(), pytest.raises(error):
        call()


# -- locked deals --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["update", "delete", "move", "won", "lost", "reopen", "link", "unlink"])
def test_a_locked_deal_refuses_every_change(workspace, admin, seller, stages, action):
    contact, newcomer = ContactFactory(actor=seller), ContactFactory(actor=admin)
    deal = DealFactory(actor=seller)
    services.deal_contact_link(actor=seller, deal=deal, contact_id=contact.pk)
    if action == "reopen":
        services.deal_mark_won(actor=seller, deal=deal)
    # Locking a sold deal belongs to the contracts feature, which has no service yet.
    Deal.objects.filter(pk=deal.pk).update(is_locked=True)
    deal = reload(deal)
    call = {
        "update": lambda: services.deal_update(actor=admin, deal=deal, data={"name": "X"}),
        "delete": lambda: services.deal_delete(actor=admin, deal=deal),
        "move": lambda: services.deal_move(actor=admin, deal=deal, stage=stages[1].pk),
        "won": lambda: services.deal_mark_won(actor=admin, deal=deal),
        "lost": lambda: services.deal_mark_lost(actor=admin, deal=deal, reason="R"),
        "reopen": lambda: services.deal_reopen(actor=admin, deal=deal),
        "link": lambda: services.deal_contact_link(actor=admin, deal=deal, contact_id=newcomer.pk),
        "unlink": lambda: services.deal_contact_unlink(actor=admin, deal=deal, contact_id=contact.pk),
    }[action]
    with unchanged(), pytest.raises(Conflict):
        call()


def test_a_locked_deal_answers_not_found_to_an_outsider(workspace, seller, outsider):
    deal = DealFactory(actor=seller)
    Deal.objects.filter(pk=deal.pk).update(is_locked=True)
    with unchanged(), pytest.raises(NotFound):
        services.deal_update(actor=outsider, deal=reload(deal), data={"name": "X"})


# -- contacts on a deal --------------------------------------------------------------------------


def test_link_change_role_and_unlink_contacts(workspace, seller):
    deal = DealFactory(actor=seller)
    contact = ContactFactory(actor=seller, first_name="Ann", last_name="Lee")
    services.deal_contact_link(actor=seller, deal=deal, contact_id=contact.pk, role="User")
    services.deal_contact_link(actor=seller, deal=deal, contact_id=contact.pk, role="Decision maker")
    with unchanged():
        services.deal_contact_link(actor=seller, deal=deal, contact_id=contact.pk, role="Decision maker")
    assert DealContact.objects.get(deal=deal).role == "Decision maker"
    [role_change] = events_of(deal, EventType.FIELD_CHANGED)
    assert (role_change.field, role_change.before, role_change.after) == (f"contact_role.{contact.pk}", "User", "Decision maker")
    services.deal_contact_unlink(actor=seller, deal=deal, contact_id=contact.pk)
    assert not DealContact.objects.filter(deal=deal).exists()
    [unlinked] = events_of(deal, EventType.UNLINKED)
    assert unlinked.before == {"id": contact.pk, "name": "Ann Lee", "role": "Decision maker"}


@pytest.mark.parametrize(("contact", "role", "field"), [("foreign", "", "contact"), ("missing", "", "contact"), ("abc", "", "contact"), ("own", "x" * 81, "role")])
def test_link_refuses_bad_input(workspace, seller, foreign, contact, role, field):
    deal = DealFactory(actor=seller)
    contact_id = {"foreign": foreign.contact.pk, "missing": 10**9, "abc": "abc", "own": ContactFactory(actor=seller).pk}[contact]
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.deal_contact_link(actor=seller, deal=deal, contact_id=contact_id, role=role)
    assert field in exc.value.message_dict


@pytest.mark.parametrize("contact_id", ["abc", 10**9, 2**70])
def test_unlink_of_a_contact_not_on_the_deal(workspace, seller, contact_id):
    deal = DealFactory(actor=seller)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.deal_contact_unlink(actor=seller, deal=deal, contact_id=contact_id)
    assert "contact" in exc.value.message_dict


@pytest.mark.parametrize("who", ["seller2", "outsider"])
def test_contact_links_refused(workspace, seller, seller2, outsider, who):
    deal = DealFactory(actor=seller)
    contact = ContactFactory(actor=seller)
    services.deal_contact_link(actor=seller, deal=deal, contact_id=contact.pk)
    actor = {"seller2": seller2, "outsider": outsider}[who]
    with unchanged(), pytest.raises(NotFound):
        services.deal_contact_link(actor=actor, deal=deal, contact_id=contact.pk, role="Spy")
    with unchanged(), pytest.raises(NotFound):
        services.deal_contact_unlink(actor=actor, deal=deal, contact_id=contact.pk)


# -- delete and history --------------------------------------------------------------------------


def test_delete_unlinks_leads_and_activities(workspace, seller, manager):
    lead = LeadFactory(actor=seller)
    deal = services.lead_qualify(actor=seller, lead=lead).deal
    task = ActivityFactory(actor=seller, deal=deal)
    services.deal_delete(actor=manager, deal=deal)
    assert not Deal.objects.filter(pk=deal.pk).exists()
    assert Lead.objects.get(pk=lead.pk).deal is None
    assert reload(task).deal is None
    [deleted] = events_of(deal, EventType.DELETED)
    assert deleted.before["name"] == deal.name and deleted.actor == manager
    assert events_of(lead, EventType.UNLINKED)[0].field == "deal"


@pytest.mark.parametrize(("who", "error"), [("seller", PermissionDenied), ("seller2", NotFound), ("outsider", NotFound)])
def test_delete_refused(workspace, seller, seller2, outsider, who, error):
    deal = DealFactory(actor=seller)
    with unchanged(), pytest.raises(error):
        services.deal_delete(actor={"seller": seller, "seller2": seller2, "outsider": outsider}[who], deal=deal)


def test_the_event_log_replays_to_the_current_stage(workspace, seller, stages, other_pipeline):
    """The history in events and in StageChange rows tells the same story as the deal's row."""
    deal = DealFactory(actor=seller)
    services.deal_move(actor=seller, deal=deal, stage=stages[1].pk)
    services.deal_move(actor=seller, deal=deal, stage=stages[3].pk)
    services.deal_move(actor=seller, deal=deal, pipeline=other_pipeline.pk)
    services.deal_mark_lost(actor=seller, deal=deal, reason="Budget cut")
    services.deal_reopen(actor=seller, deal=deal)
    services.deal_move(actor=seller, deal=deal, stage=other_pipeline.stages.get(name="Quoted").pk)
    deal = reload(deal)
    events = events_of(deal)
    stage = events[0].after["stage"]["id"]
    for event in events[1:]:
        if event.event_type == EventType.STAGE_CHANGED:
            assert event.before["id"] == stage
            stage = event.after["id"]
    assert stage == deal.stage_id
    changes = list(StageChange.objects.filter(deal=deal).order_by("id"))
    assert [c.to_status for c in changes] == ["open", "open", "open", "open", "lost", "open", "open"]
    for previous, current in zip(changes, changes[1:], strict=False):
        assert current.from_stage_id == previous.to_stage_id
        assert current.from_status == previous.to_status
    assert changes[-1].to_stage_id == deal.stage_id and changes[-1].pipeline_id == deal.pipeline_id
