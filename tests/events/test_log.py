"""The event log: written in the change's own transaction, with the right fields (SPEC E1-E3)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from rapport.core import bus, clock
from rapport.events import log
from rapport.events.models import ActorKind, Event, EventType
from rapport.events.selectors import events_visible_to
from rapport.records import services
from rapport.records.models import Account, Deal, Pipeline, StageChange
from rapport.workspaces import services as workspace_services
from rapport.workspaces.permissions import visible_to
from rapport.workspaces.services import member_update

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from ..records.helpers import events_of, reload, unchanged

MOMENT = datetime(2025, 10, 20, 8, 15, tzinfo=UTC)


def ref(obj) -> dict:
    return {"id": obj.pk, "name": str(obj)}


# -- one transaction -----------------------------------------------------------------------------


def test_a_service_failing_after_its_first_writes_leaves_no_row_and_no_event(workspace, seller, pipeline, foreign):
    """deal_create saves the deal, its event and its stage change before it links contacts."""
    with unchanged(), pytest.raises(ValidationError):
        services.deal_create(actor=seller, data={"name": "Half made", "pipeline": pipeline.pk}, contacts=[{"contact": foreign.contact.pk}])
    assert not Deal.objects.filter(name="Half made").exists()
    assert not StageChange.objects.filter(workspace=workspace).exists()


class Boom(Exception):
    pass


def _no_log(*args, **kwargs):
    raise Boom("the event log is unavailable")


def _nothing(ctx):
    return None


# Every service: (what exists before, the change). The change runs with the event log broken.
CHANGES = {
    "account_create": (_nothing, lambda c, _: services.account_create(actor=c.seller, data={"name": "Never"})),
    "account_update": (lambda c: AccountFactory(actor=c.seller), lambda c, a: services.account_update(actor=c.seller, account=a, data={"name": "Never"})),
    "account_delete": (lambda c: AccountFactory(actor=c.seller), lambda c, a: services.account_delete(actor=c.admin, account=a)),
    "account_archive": (lambda c: AccountFactory(actor=c.seller), lambda c, a: services.account_archive(actor=c.seller, account=a)),
    "account_favourite": (lambda c: AccountFactory(actor=c.seller), lambda c, a: services.account_favourite(actor=c.seller, account=a)),
    "contact_create": (_nothing, lambda c, _: services.contact_create(actor=c.seller, data={"last_name": "Never"})),
    "contact_update": (lambda c: ContactFactory(actor=c.seller), lambda c, x: services.contact_update(actor=c.seller, contact=x, data={"last_name": "Never"})),
    "contact_delete": (lambda c: ContactFactory(actor=c.seller), lambda c, x: services.contact_delete(actor=c.admin, contact=x)),
    "contact_anonymise": (lambda c: ContactFactory(actor=c.seller), lambda c, x: services.contact_anonymise(actor=c.seller, contact=x)),
    "lead_create": (_nothing, lambda c, _: services.lead_create(actor=c.seller, data={"title": "Never"})),
    "lead_update": (lambda c: LeadFactory(actor=c.seller), lambda c, x: services.lead_update(actor=c.seller, lead=x, data={"title": "Never"})),
    "lead_delete": (lambda c: LeadFactory(actor=c.seller), lambda c, x: services.lead_delete(actor=c.admin, lead=x)),
    "lead_qualify": (lambda c: LeadFactory(actor=c.seller), lambda c, x: services.lead_qualify(actor=c.seller, lead=x)),
    "lead_disqualify": (lambda c: LeadFactory(actor=c.seller), lambda c, x: services.lead_disqualify(actor=c.seller, lead=x, reason="No")),
    "lead_archive": (lambda c: LeadFactory(actor=c.seller), lambda c, x: services.lead_archive(actor=c.seller, lead=x)),
    "deal_create": (_nothing, lambda c, _: DealFactory(actor=c.seller)),
    "deal_update": (lambda c: DealFactory(actor=c.seller), lambda c, d: services.deal_update(actor=c.seller, deal=d, data={"name": "Never"})),
    "deal_delete": (lambda c: DealFactory(actor=c.seller), lambda c, d: services.deal_delete(actor=c.admin, deal=d)),
    "deal_move": (lambda c: DealFactory(actor=c.seller), lambda c, d: services.deal_move(actor=c.seller, deal=d, stage=c.stages[1].pk)),
    "deal_mark_won": (lambda c: DealFactory(actor=c.seller), lambda c, d: services.deal_mark_won(actor=c.seller, deal=d)),
    "deal_mark_lost": (lambda c: DealFactory(actor=c.seller), lambda c, d: services.deal_mark_lost(actor=c.seller, deal=d, reason="No")),
    "deal_reopen": (
        lambda c: services.deal_mark_won(actor=c.seller, deal=DealFactory(actor=c.seller)),
        lambda c, d: services.deal_reopen(actor=c.seller, deal=d),
    ),
    "deal_contact_link": (
        lambda c: (DealFactory(actor=c.seller), ContactFactory(actor=c.seller)),
        lambda c, dc: services.deal_contact_link(actor=c.seller, deal=dc[0], contact_id=dc[1].pk),
    ),
    "deal_contact_unlink": (
        lambda c: services.deal_contact_link(actor=c.seller, deal=DealFactory(actor=c.seller), contact_id=ContactFactory(actor=c.seller).pk),
        lambda c, link: services.deal_contact_unlink(actor=c.seller, deal=link.deal, contact_id=link.contact_id),
    ),
    "activity_create": (_nothing, lambda c, _: ActivityFactory(actor=c.seller)),
    "activity_update": (lambda c: ActivityFactory(actor=c.seller), lambda c, a: services.activity_update(actor=c.seller, activity=a, data={"subject": "Never"})),
    "activity_complete": (lambda c: ActivityFactory(actor=c.seller), lambda c, a: services.activity_complete(actor=c.seller, activity=a)),
    "activity_delete": (lambda c: ActivityFactory(actor=c.seller), lambda c, a: services.activity_delete(actor=c.seller, activity=a)),
    "pipeline_create": (_nothing, lambda c, _: services.pipeline_create(actor=c.admin, data={"name": "Never"}, stages=[{"name": "S"}])),
    "pipeline_update": (_nothing, lambda c, _: services.pipeline_update(actor=c.admin, pipeline=c.stages[0].pipeline, data={"name": "Never"})),
    "pipeline_delete": (
        lambda c: services.pipeline_create(actor=c.admin, data={"name": "Short-lived"}, stages=[{"name": "S"}]),
        lambda c, p: services.pipeline_delete(actor=c.admin, pipeline=p),
    ),
    "stage_create": (_nothing, lambda c, _: services.stage_create(actor=c.admin, data={"pipeline": c.stages[0].pipeline_id, "name": "Never"})),
    "stage_update": (_nothing, lambda c, _: services.stage_update(actor=c.admin, stage=c.stages[3], data={"probability": 99})),
    "stage_delete": (_nothing, lambda c, _: services.stage_delete(actor=c.admin, stage=c.stages[3])),
    "custom_field_create": (_nothing, lambda c, _: services.custom_field_create(actor=c.admin, data={"record_type": "deal", "key": "k", "label": "K", "field_type": "text"})),
    "custom_field_update": (
        lambda c: services.custom_field_create(actor=c.admin, data={"record_type": "deal", "key": "k", "label": "K", "field_type": "text"}),
        lambda c, f: services.custom_field_update(actor=c.admin, definition=f, data={"label": "Never"}),
    ),
    "custom_field_delete": (
        lambda c: services.custom_field_create(actor=c.admin, data={"record_type": "deal", "key": "k", "label": "K", "field_type": "text"}),
        lambda c, f: services.custom_field_delete(actor=c.admin, definition=f),
    ),
    "tag_create": (_nothing, lambda c, _: services.tag_create(actor=c.admin, data={"name": "Never"})),
    "tag_update": (lambda c: services.tag_create(actor=c.admin, data={"name": "T"}), lambda c, t: services.tag_update(actor=c.admin, tag=t, data={"name": "Never"})),
    "tag_delete": (lambda c: services.tag_create(actor=c.admin, data={"name": "T"}), lambda c, t: services.tag_delete(actor=c.admin, tag=t)),
    "workspace_create": (_nothing, lambda c, _: workspace_services.workspace_create(name="Never")),
    "member_create": (_nothing, lambda c, _: workspace_services.member_create(actor=c.admin, workspace=c.workspace, email="never@acme.test")),
    "member_update": (_nothing, lambda c, _: workspace_services.member_update(actor=c.admin, member=c.seller, data={"title": "Never"})),
    "token_create": (_nothing, lambda c, _: workspace_services.token_create(actor=c.seller, member=c.seller, name="Never")),
    "token_revoke": (
        lambda c: workspace_services.token_create(actor=c.seller, member=c.seller, name="T")[0],
        lambda c, t: workspace_services.token_revoke(actor=c.seller, token=t),
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_when_its_event_cannot_be_written_a_change_leaves_nothing_behind(workspace, admin, seller, stages, monkeypatch, change):
    """Every service writes its rows and events in one transaction: no event, no row either."""
    context = SimpleNamespace(workspace=workspace, admin=admin, seller=seller, stages=stages)
    prepare, act = CHANGES[change]
    existing = prepare(context)
    if isinstance(existing, Deal | Account):
        existing = reload(existing)
    monkeypatch.setattr(log, "_event", _no_log)
    with unchanged(), pytest.raises(Boom):
        act(context, existing)


@pytest.mark.django_db(transaction=True)
def test_committed_changes_are_announced_and_rolled_back_ones_are_not(workspace, seller, monkeypatch):
    published: list[list[dict]] = []
    monkeypatch.setattr(bus, "publish_events", lambda payload: published.append(payload))
    account = AccountFactory(actor=seller, name="Announced")
    assert published == [[{"workspace": workspace.pk, "object_type": "account", "object_id": account.pk, "event_type": "created", "field": ""}]]
    published.clear()
    with pytest.raises(ValidationError):
        services.account_update(actor=seller, account=account, data={"name": "Renamed", "website": "nope"})
    assert published == []
    assert Account.objects.get(pk=account.pk).name == "Announced"
    assert not Event.objects.filter(event_type=EventType.FIELD_CHANGED).exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused(workspace, seller):
    account = AccountFactory(actor=seller)
    count = Event.objects.count()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        log.log(seller, account, EventType.FIELD_CHANGED, field="name", before="a", after="b")
    assert Event.objects.count() == count


def test_a_rolled_back_change_announces_nothing(workspace, seller, django_capture_on_commit_callbacks, monkeypatch):
    published: list[list[dict]] = []
    monkeypatch.setattr(bus, "publish_events", lambda payload: published.append(payload))
    account = AccountFactory(actor=seller)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            services.account_update(actor=seller, account=account, data={"name": "", "city": "Vigo"})
    assert callbacks == [] and published == []
    with django_capture_on_commit_callbacks(execute=True):
        services.account_update(actor=seller, account=account, data={"city": "Vigo"})
    assert published == [[{"workspace": workspace.pk, "object_type": "account", "object_id": account.pk, "event_type": "field_changed", "field": "city"}]]


# -- the fields of each kind of event ------------------------------------------------------------


def test_created_event_has_who_when_what_and_a_snapshot(workspace, seller):
    with clock.frozen_at(MOMENT):
        account = AccountFactory(actor=seller, name="Snapshot Ltd", city="Vigo")
    [event] = events_of(account)
    assert (event.workspace_id, event.occurred_at, event.actor, event.actor_kind, event.actor_name) == (workspace.pk, MOMENT, seller, ActorKind.USER, "Sam Seller")
    assert (event.object_type, event.object_id, event.object_name) == ("account", account.pk, "Snapshot Ltd")
    assert (event.event_type, event.field, event.before) == (EventType.CREATED, "", None)
    assert event.after == {"kind": "company", "name": "Snapshot Ltd", "city": "Vigo", "owner": ref(seller), "is_global": False, "is_private": False}


def test_field_changed_event_per_field_with_references_as_id_and_name(workspace, seller, seller2):
    account = AccountFactory(actor=seller)
    deal = DealFactory(actor=seller, amount=Decimal("100"))
    with clock.frozen_at(MOMENT):
        services.deal_update(actor=seller, deal=deal, data={"amount": "150", "account": account.pk, "owner": seller2.pk})
    events = events_of(deal, EventType.FIELD_CHANGED)
    assert {(e.field, _freeze(e.before), _freeze(e.after)) for e in events} == {
        ("amount", "100.00", "150"),
        ("account", None, _freeze(ref(account))),
        ("owner", _freeze(ref(seller)), _freeze(ref(seller2))),
    }
    assert {(e.occurred_at, e.actor, e.object_name) for e in events} == {(MOMENT, seller, deal.name)}


def _freeze(value):
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


@pytest.mark.parametrize(
    ("action", "event_type", "field", "before", "after"),
    [
        ("move", EventType.STAGE_CHANGED, "stage", "stage:0", "stage:2"),
        ("pipeline", EventType.PIPELINE_CHANGED, "pipeline", "pipeline:sales", "pipeline:other"),
        ("won", EventType.WON, "status", "open", "won"),
        ("lost", EventType.LOST, "status", "open", "lost"),
        ("lost", EventType.LOST, "lost_reason", "", "Timing"),
        ("reopen", EventType.REOPENED, "status", "won", "open"),
    ],
)
def test_deal_action_events(workspace, seller, stages, other_pipeline, action, event_type, field, before, after):
    deal = DealFactory(actor=seller)
    if action == "move":
        services.deal_move(actor=seller, deal=deal, stage=stages[2].pk)
    elif action == "pipeline":
        services.deal_move(actor=seller, deal=deal, pipeline=other_pipeline.pk)
    elif action == "won":
        services.deal_mark_won(actor=seller, deal=deal)
    elif action == "lost":
        services.deal_mark_lost(actor=seller, deal=deal, reason="Timing")
    else:
        services.deal_mark_won(actor=seller, deal=deal)
        services.deal_reopen(actor=seller, deal=reload(deal))
    values = {"stage:0": ref(stages[0]), "stage:2": ref(stages[2]), "pipeline:sales": ref(stages[0].pipeline), "pipeline:other": ref(other_pipeline)}
    [event] = [e for e in events_of(deal, event_type) if e.field == field]
    assert (event.before, event.after) == (values.get(before, before), values.get(after, after))
    assert (event.actor, event.object_type, event.object_id) == (seller, "deal", deal.pk)


def test_qualified_event(workspace, seller):
    lead = LeadFactory(actor=seller, title="Hot lead", company="")
    deal = services.lead_qualify(actor=seller, lead=lead).deal
    events = {e.field: (e.before, e.after) for e in events_of(lead, EventType.QUALIFIED)}
    assert events == {"status": ("new", "qualified"), "deal": (None, ref(deal))}


def test_deleted_event_keeps_the_name_and_last_values(workspace, admin, seller):
    deal = DealFactory(actor=seller, name="Soon gone", amount=Decimal("42"))
    pk = deal.pk
    services.deal_delete(actor=admin, deal=deal)
    event = Event.objects.get(object_type="deal", object_id=pk, event_type=EventType.DELETED)
    assert (event.object_name, event.actor, event.after, event.field) == ("Soon gone", admin, None, "")
    assert event.before["amount"] == "42.00" and event.before["name"] == "Soon gone"
    assert event.before["stage"]["name"] == "Incoming"


def test_anonymised_event_says_that_it_happened_not_what(workspace, seller):
    contact = ContactFactory(actor=seller, first_name="Secret", last_name="Person", emails=["secret@person.test"])
    services.contact_anonymise(actor=seller, contact=contact)
    [event] = events_of(contact, EventType.ANONYMISED)
    assert (event.field, event.before, event.after, event.object_name) == ("", None, None, f"Anonymised #{contact.pk}")


# -- who did it ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [ActorKind.API, ActorKind.AUTOMATION])
def test_actor_kind_follows_the_channel(workspace, seller, kind):
    with log.acting_as(kind):
        account = AccountFactory(actor=seller)
    plain = AccountFactory(actor=seller)
    assert (events_of(account)[0].actor_kind, events_of(account)[0].actor) == (kind, seller)
    assert events_of(plain)[0].actor_kind == ActorKind.USER


def test_changes_without_a_member_are_the_robots(workspace):
    [event] = events_of(Pipeline.objects.get(workspace=workspace))
    assert (event.actor, event.actor_kind, event.actor_name) == (None, ActorKind.ROBOT, "Robot")


def test_the_actors_name_survives_in_the_event(workspace, admin, seller):
    account = AccountFactory(actor=seller)
    member_update(actor=admin, member=seller, data={"is_active": False})
    assert events_of(account)[0].actor_name == "Sam Seller"


# -- who may read it -----------------------------------------------------------------------------


def test_events_page_shows_what_the_member_may_see(workspace, admin, manager, seller, seller2, outsider, foreign):
    mine = DealFactory(actor=seller)
    theirs = DealFactory(actor=seller2)
    private = AccountFactory(actor=seller2, is_private=True)
    services.tag_create(actor=admin, data={"name": "Settings are public"})

    def seen(member) -> set[tuple[str, int]]:
        return set(events_visible_to(member).values_list("object_type", "object_id"))

    assert ("deal", mine.pk) in seen(seller) and ("deal", theirs.pk) not in seen(seller)
    assert ("account", private.pk) not in seen(seller) and ("account", private.pk) not in seen(admin)
    assert ("account", private.pk) in seen(seller2)
    assert {("deal", mine.pk), ("deal", theirs.pk)} <= seen(manager)
    assert any(t == "tag" for t, _ in seen(seller))
    assert not events_visible_to(outsider).filter(workspace=workspace).exists()
    assert ("deal", foreign.deal.pk) in seen(outsider) and ("deal", foreign.deal.pk) not in seen(admin)


def test_a_member_sees_their_own_actions_on_records_they_no_longer_see(workspace, seller, seller2):
    deal = DealFactory(actor=seller)
    services.deal_update(actor=seller, deal=deal, data={"owner": seller2.pk})
    assert not visible_to(seller, Deal).filter(pk=deal.pk).exists()
    assert [e.actor for e in visible_events_of(seller, deal, EventType.CREATED)] == [seller]
    assert visible_events_of(seller2, deal, EventType.CREATED) != []


def visible_events_of(member, obj, event_type) -> list[Event]:
    return list(events_visible_to(member).filter(object_type=obj.RECORD_TYPE, object_id=obj.pk, event_type=event_type))


def test_an_inactive_member_reads_no_events(workspace, admin, seller):
    DealFactory(actor=seller)
    assert events_visible_to(seller).exists()
    member_update(actor=admin, member=seller, data={"is_active": False})
    assert not events_visible_to(reload(seller)).exists()
