"""Activity services: create, update, complete, reopen, delete (SPEC R6)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from rapport.core import clock
from rapport.core.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from rapport.events.models import EventType
from rapport.records import services
from rapport.records.models import Activity

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .helpers import events_of, reload, unchanged

DUE = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
DONE = datetime(2025, 9, 2, 17, 45, tzinfo=UTC)


def test_create_a_call_about_several_records(workspace, seller, seller2):
    account = AccountFactory(actor=seller)
    contact = ContactFactory(actor=seller, account=account)
    deal = DealFactory(actor=seller, account=account)
    lead = LeadFactory(actor=seller)
    call = services.activity_create(
        actor=seller,
        data={"kind": "call", "subject": "Pricing call", "direction": "outbound", "duration_minutes": 25, "due_at": DUE,
              "account": account.pk, "contact": contact.pk, "deal": deal.pk, "lead": lead.pk,
              "participant_members": [seller2.pk], "participant_contacts": [contact.pk], "recording_url": "https://rec.test/1"},
    )
    call = reload(call)
    assert (call.owner, call.kind, call.direction, call.duration_minutes, call.due_at) == (seller, "call", "outbound", 25, DUE)
    assert (call.account, call.contact, call.deal, call.lead) == (account, contact, deal, lead)
    assert list(call.participant_members.all()) == [seller2]
    [event] = events_of(call)
    assert event.after["deal"] == {"id": deal.pk, "name": deal.name}
    assert event.after["participant_members"] == ["Sue Second"]
    assert event.after["due_at"] == DUE.isoformat()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": "No kind"}, "kind"),
        ({"kind": "telegram", "subject": "S"}, "kind"),
        ({"kind": "task"}, "subject"),
        ({"kind": "task", "subject": "S", "due_at": "tomorrow"}, "due_at"),
        ({"kind": "call", "subject": "S", "duration_minutes": -5}, "duration_minutes"),
        ({"kind": "call", "subject": "S", "direction": "sideways"}, "direction"),
        ({"kind": "call", "subject": "S", "recording_url": "not a url"}, "recording_url"),
        ({"kind": "task", "subject": "S", "deal": 10**9}, "deal"),
        ({"kind": "task", "subject": "S", "participant_members": [10**9]}, "participant_members"),
        ({"kind": "task", "subject": "S", "participant_contacts": "all"}, "participant_contacts"),
        ({"kind": "task", "subject": "S", "external_id": "x"}, "external_id"),
    ],
)
def test_create_refuses_bad_input(workspace, seller, data, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.activity_create(actor=seller, data=data)
    assert field in exc.value.message_dict


@pytest.mark.parametrize("field", ["account", "contact", "lead", "deal", "owner", "participant_members", "participant_contacts"])
def test_ids_of_another_workspace_are_field_errors(workspace, seller, foreign, field):
    value = {"account": foreign.account.pk, "contact": foreign.contact.pk, "lead": foreign.lead.pk, "deal": foreign.deal.pk,
             "owner": foreign.member.pk, "participant_members": [foreign.member.pk], "participant_contacts": [foreign.contact.pk]}[field]
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.activity_create(actor=seller, data={"kind": "task", "subject": "S", field: value})
    assert field in exc.value.message_dict


@pytest.mark.parametrize("field", ["lead", "deal"])
def test_records_the_actor_cannot_see_cannot_be_linked(workspace, seller, seller2, field):
    hidden = {"lead": LeadFactory, "deal": DealFactory}[field](actor=seller2)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.activity_create(actor=seller, data={"kind": "task", "subject": "S", field: hidden.pk})
    assert field in exc.value.message_dict


def test_create_denied_without_add_permission(workspace, seller):
    seller.role.permissions["activity"]["add"] = "none"
    seller.role.save()
    with unchanged(), pytest.raises(PermissionDenied):
        services.activity_create(actor=seller, data={"kind": "task", "subject": "S"})


# -- update --------------------------------------------------------------------------------------


def test_update_logs_changes_including_participants(workspace, seller, seller2, manager):
    task = ActivityFactory(actor=seller, participant_members=[seller2.pk])
    services.activity_update(actor=seller, activity=task, data={"subject": "Renamed", "participant_members": [manager.pk]}, expected_version=1)
    changes = {e.field: (e.before, e.after) for e in events_of(task, EventType.FIELD_CHANGED)}
    assert changes == {"subject": (task.subject, "Renamed"), "participant_members": (["Sue Second"], ["Max Manager"])}
    assert reload(task).version == 2


def test_participants_alone_bump_the_version(workspace, seller, seller2):
    task = ActivityFactory(actor=seller)
    services.activity_update(actor=seller, activity=task, data={"participant_members": [seller2.pk]})
    assert reload(task).version == 2


@pytest.mark.parametrize(("data", "field"), [({"due_at": "soon"}, "due_at"), ({"duration_minutes": "long"}, "duration_minutes"), ({"kind": "fax"}, "kind")])
def test_update_refuses_bad_input_field_by_field(workspace, seller, data, field):
    task = ActivityFactory(actor=seller)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.activity_update(actor=seller, activity=task, data=data)
    assert field in exc.value.message_dict


def test_update_with_a_stale_version(workspace, seller):
    task = ActivityFactory(actor=seller)
    services.activity_update(actor=seller, activity=task, data={"body": "Notes"})
    with unchanged(), pytest.raises(StaleVersion):
        services.activity_update(actor=seller, activity=task, data={"body": "Other"}, expected_version=1)


@pytest.mark.parametrize(("who", "error"), [("seller2", NotFound), ("outsider", NotFound)])
def test_update_refused(workspace, seller, seller2, outsider, who, error):
    task = ActivityFactory(actor=seller)
    with unchanged(), pytest.raises(error):
        services.activity_update(actor={"seller2": seller2, "outsider": outsider}[who], activity=task, data={"subject": "X"})


# -- complete ------------------------------------------------------------------------------------


def test_complete_and_reopen(workspace, seller):
    task = ActivityFactory(actor=seller, due_at=DUE)
    with clock.frozen_at(DONE):
        services.activity_complete(actor=seller, activity=task, expected_version=1)
    task = reload(task)
    assert (task.done_at, task.version) == (DONE, 2)
    [completed] = events_of(task, EventType.COMPLETED)
    assert (completed.field, completed.before, completed.after) == ("done_at", None, DONE.isoformat())
    with unchanged(), pytest.raises(Conflict):
        services.activity_complete(actor=seller, activity=task)
    services.activity_complete(actor=seller, activity=task, done=False)
    assert reload(task).done_at is None
    [reopened] = events_of(task, EventType.FIELD_CHANGED)
    assert (reopened.field, reopened.before, reopened.after) == ("done_at", DONE.isoformat(), None)
    with unchanged(), pytest.raises(Conflict):
        services.activity_complete(actor=seller, activity=task, done=False)


def test_complete_with_a_stale_version(workspace, seller):
    task = ActivityFactory(actor=seller)
    services.activity_update(actor=seller, activity=task, data={"body": "x"})
    with unchanged(), pytest.raises(StaleVersion):
        services.activity_complete(actor=seller, activity=task, expected_version=1)


@pytest.mark.parametrize(("who", "error"), [("seller2", NotFound), ("loner", NotFound), ("outsider", NotFound)])
def test_complete_refused(workspace, seller, seller2, loner, outsider, who, error):
    task = ActivityFactory(actor=seller)
    with unchanged(), pytest.raises(error):
        services.activity_complete(actor={"seller2": seller2, "loner": loner, "outsider": outsider}[who], activity=task)


def test_a_participant_who_cannot_see_the_task_cannot_complete_it(workspace, seller, seller2):
    task = ActivityFactory(actor=seller, participant_members=[seller2.pk])
    with unchanged(), pytest.raises(NotFound):
        services.activity_complete(actor=seller2, activity=task)


def test_manager_completes_the_teams_tasks(workspace, manager, seller):
    task = ActivityFactory(actor=seller)
    services.activity_complete(actor=manager, activity=task)
    assert events_of(task, EventType.COMPLETED)[0].actor == manager


# -- delete --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["seller", "manager", "admin"])
def test_delete_by_owner_manager_or_admin(workspace, seller, manager, admin, who):
    task = ActivityFactory(actor=seller, subject="Call back")
    actor = {"seller": seller, "manager": manager, "admin": admin}[who]
    services.activity_delete(actor=actor, activity=task)
    assert not Activity.objects.filter(pk=task.pk).exists()
    [deleted] = events_of(task, EventType.DELETED)
    assert (deleted.before["subject"], deleted.actor, deleted.object_name) == ("Call back", actor, "Call back")


@pytest.mark.parametrize(("who", "error"), [("seller2", NotFound), ("outsider", NotFound)])
def test_delete_refused(workspace, seller, seller2, outsider, who, error):
    task = ActivityFactory(actor=seller)
    with unchanged(), pytest.raises(error):
        services.activity_delete(actor={"seller2": seller2, "outsider": outsider}[who], activity=task)


def test_manager_cannot_delete_outside_the_team(workspace, manager, loner):
    task = ActivityFactory(actor=loner)
    with unchanged(), pytest.raises(PermissionDenied):
        services.activity_delete(actor=manager, activity=task)
