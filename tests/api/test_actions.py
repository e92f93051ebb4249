"""The API's record actions (qualify, move, won, anonymise, ...) and the event log endpoint.

Each action: what the member sees happen, its event, the answer of a member who may not do it
(the database unchanged), of another workspace (404), and of a record in the wrong state (409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models

from rapport.core import clock
from rapport.events.models import Event, EventType
from rapport.records import services
from rapport.records.models import Account, Contact, Deal, DealContact, Lead, StageChange

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .support import World, assert_problem, db_state, ids_of

# --- The table of actions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    make: Callable[[World], models.Model]  # the subject, made by `seller`
    method: str
    path: str  # with {id}
    body: Callable[[World, models.Model], dict[str, Any] | None]
    ok: int  # the answer when allowed
    event: str | None  # the event the action logs
    denied: tuple[tuple[str, int], ...]  # (member, answer)
    # Puts the subject in a state where the action is not possible (409), or None.
    spoil: Callable[[World, models.Model], Any] | None = None


def _no_body(world: World, obj: models.Model) -> None:
    return None


def _lead(world: World) -> Lead:
    return LeadFactory(actor=world.seller, company="Initech", first_name="Peter", last_name="Gibbons", budget="900.00")


def _deal(world: World) -> Deal:
    return DealFactory(actor=world.seller, amount="500.00")


def _won(world: World, deal: Deal) -> None:
    services.deal_mark_won(actor=world.seller, deal=deal)


SEES_NOT = (("seller2", 404), ("intern", 404), ("auditor", 403))  # leads, deals, activities
SEES_ALL = (("seller2", 403), ("auditor", 403), ("intern", 404))  # accounts, contacts

ACTIONS: dict[str, Action] = {
    "lead-qualify": Action(
        _lead, "post", "leads/{id}/qualify", lambda w, o: {"amount": "1500.00"}, 200, EventType.QUALIFIED, SEES_NOT,
        spoil=lambda w, o: services.lead_disqualify(actor=w.seller, lead=o, reason="No budget"),
    ),
    "lead-disqualify": Action(
        _lead, "post", "leads/{id}/disqualify", lambda w, o: {"reason": "No budget"}, 200, EventType.DISQUALIFIED, SEES_NOT,
        spoil=lambda w, o: services.lead_archive(actor=w.seller, lead=o),
    ),
    "lead-archive": Action(
        _lead, "post", "leads/{id}/archive", _no_body, 200, EventType.ARCHIVED, SEES_NOT,
        spoil=lambda w, o: services.lead_archive(actor=w.seller, lead=o),
    ),
    "lead-unarchive": Action(
        lambda w: services.lead_archive(actor=w.seller, lead=_lead(w)), "post", "leads/{id}/unarchive", _no_body, 200,
        EventType.UNARCHIVED, SEES_NOT, spoil=lambda w, o: services.lead_archive(actor=w.seller, lead=o, archived=False),
    ),
    "deal-move": Action(
        _deal, "post", "deals/{id}/move", lambda w, o: {"stage": w.stages[2].pk}, 200, EventType.STAGE_CHANGED, SEES_NOT,
        spoil=_won,
    ),
    "deal-won": Action(_deal, "post", "deals/{id}/won", _no_body, 200, EventType.WON, SEES_NOT, spoil=_won),
    "deal-lost": Action(
        _deal, "post", "deals/{id}/lost", lambda w, o: {"reason": "Price"}, 200, EventType.LOST, SEES_NOT, spoil=_won,
    ),
    "deal-reopen": Action(
        lambda w: services.deal_mark_lost(actor=w.seller, deal=_deal(w), reason="Price"), "post", "deals/{id}/reopen",
        _no_body, 200, EventType.REOPENED, SEES_NOT, spoil=lambda w, o: services.deal_reopen(actor=w.seller, deal=o),
    ),
    "deal-contact-link": Action(
        _deal, "post", "deals/{id}/contacts", lambda w, o: {"contact": w.contact.pk, "role": "Champion"}, 200,
        EventType.LINKED, SEES_NOT,
    ),
    "deal-contact-unlink": Action(
        lambda w: _deal_with_contact(w),
        "delete", "deals/{id}/contacts/" + "{contact}", _no_body, 200, EventType.UNLINKED, SEES_NOT,
    ),
    "activity-complete": Action(
        lambda w: ActivityFactory(actor=w.seller), "post", "activities/{id}/complete", _no_body, 200, EventType.COMPLETED,
        SEES_NOT, spoil=lambda w, o: services.activity_complete(actor=w.seller, activity=o),
    ),
    "activity-reopen": Action(
        lambda w: services.activity_complete(actor=w.seller, activity=ActivityFactory(actor=w.seller)), "post",
        "activities/{id}/reopen", _no_body, 200, EventType.FIELD_CHANGED, SEES_NOT,
        spoil=lambda w, o: services.activity_complete(actor=w.seller, activity=o, done=False),
    ),
    "account-archive": Action(
        lambda w: AccountFactory(actor=w.seller), "post", "accounts/{id}/archive", _no_body, 200, EventType.ARCHIVED, SEES_ALL,
        spoil=lambda w, o: services.account_archive(actor=w.seller, account=o),
    ),
    "account-unarchive": Action(
        lambda w: services.account_archive(actor=w.seller, account=AccountFactory(actor=w.seller)), "post",
        "accounts/{id}/unarchive", _no_body, 200, EventType.UNARCHIVED, SEES_ALL,
        spoil=lambda w, o: services.account_archive(actor=w.seller, account=o, archived=False),
    ),
    "account-favourite": Action(
        lambda w: AccountFactory(actor=w.seller), "put", "accounts/{id}/favourite", _no_body, 204, EventType.LINKED,
        (("intern", 404),),  # a personal list: anyone who sees the account may star it
    ),
    "account-unfavourite": Action(
        lambda w: _favourite(w, AccountFactory(actor=w.seller)), "delete", "accounts/{id}/favourite", _no_body, 204,
        EventType.UNLINKED,
        (("intern", 404),),
    ),
    "contact-anonymise": Action(
        lambda w: ContactFactory(actor=w.seller, emails=["ana@example.test"]), "post", "contacts/{id}/anonymise", _no_body,
        200, EventType.ANONYMISED, SEES_ALL, spoil=lambda w, o: services.contact_anonymise(actor=w.seller, contact=o),
    ),
}


def _favourite(world: World, account: Account) -> Account:
    services.account_favourite(actor=world.seller, account=account)
    return account


def _deal_with_contact(world: World) -> Deal:
    deal = _deal(world)
    services.deal_contact_link(actor=world.seller, deal=deal, contact_id=world.contact.pk, role="User")
    return deal


def _send(world: World, who: str, action: Action, subject: models.Model):
    api = world.api(who)
    path = action.path.format(id=subject.pk, contact=world.contact.pk)
    body = action.body(world, subject)
    if action.method == "post":
        return api.post(path, body)
    if action.method == "put":
        return api.put(path, body)
    return api.delete(path)


def _object_type(obj: models.Model) -> str:
    return type(obj).RECORD_TYPE  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(ACTIONS))
def test_action_as_the_owner(world: World, name: str) -> None:
    action = ACTIONS[name]
    subject = action.make(world)
    events = Event.objects.filter(object_type=_object_type(subject), object_id=subject.pk, event_type=action.event)
    before = events.count()

    response = _send(world, "seller", action, subject)

    assert response.status_code == action.ok, response.content
    assert events.count() > before  # qualify logs one event per changed field
    assert events.latest("id").actor_id == world.seller.pk
    subject.refresh_from_db()
    if name == "lead-qualify":
        assert response.json()["lead"]["version"] == subject.version
    elif action.ok == 200:
        assert response["ETag"] == f'"{subject.version}"' == f'"{response.json()["version"]}"'


@pytest.mark.parametrize(
    ("name", "who", "status"),
    [pytest.param(name, who, status, id=f"{name}-{who}") for name, a in ACTIONS.items() for who, status in a.denied],
)
def test_action_denied_changes_nothing(world: World, name: str, who: str, status: int) -> None:
    action = ACTIONS[name]
    subject = action.make(world)
    before = db_state()

    assert_problem(_send(world, who, action, subject), status)
    assert db_state() == before


@pytest.mark.parametrize("name", list(ACTIONS))
def test_action_on_another_workspace_is_404(world: World, name: str) -> None:
    action = ACTIONS[name]
    subject = action.make(world)
    before = db_state()

    assert_problem(_send(world, "outsider", action, subject), 404)
    assert db_state() == before


@pytest.mark.parametrize("name", [name for name, a in ACTIONS.items() if a.spoil])
def test_action_in_the_wrong_state_is_409(world: World, name: str) -> None:
    action = ACTIONS[name]
    subject = action.make(world)
    action.spoil(world, subject)  # type: ignore[misc]
    before = db_state()

    body = assert_problem(_send(world, "seller", action, subject), 409)
    assert body["type"] == "urn:rapport:problem:conflict"
    assert db_state() == before


# --- What each action does ------------------------------------------------------------------------


def test_qualify_turns_the_lead_into_a_deal_account_and_contact(world: World) -> None:
    lead = _lead(world)

    response = world.api("seller").post(f"leads/{lead.pk}/qualify", {"deal_name": "Initech fleet", "pipeline": world.pipeline.pk})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["lead"]["status"] == "qualified"
    assert body["lead"]["deal"] == body["deal"]["id"]
    assert body["deal"]["name"] == "Initech fleet"
    assert body["deal"]["amount"] == "900.00"  # the lead's budget
    assert body["deal"]["stage"] == world.stages[0].pk
    assert body["account"]["name"] == "Initech"
    assert body["contact"]["last_name"] == "Gibbons"
    assert body["deal"]["contacts"] == [{"contact": body["contact"]["id"], "role": ""}]
    assert Deal.objects.filter(pk=body["deal"]["id"], owner=world.seller).exists()


def test_qualify_with_a_pipeline_of_another_workspace_names_the_field(world: World) -> None:
    lead = _lead(world)
    before = db_state()

    response = world.api("seller").post(f"leads/{lead.pk}/qualify", {"pipeline": world.outsider_pipeline.pk})

    assert_problem(response, 422, "pipeline")
    assert db_state() == before


def test_disqualify_needs_a_reason(world: World) -> None:
    lead = _lead(world)

    assert_problem(world.api("seller").post(f"leads/{lead.pk}/disqualify", {"reason": "   "}), 422, "reason")
    assert_problem(world.api("seller").post(f"leads/{lead.pk}/disqualify", {}), 422, "reason")
    response = world.api("seller").post(f"leads/{lead.pk}/disqualify", {"reason": "Went with a competitor"})
    assert response.json()["status"] == "disqualified"
    assert response.json()["disqualify_reason"] == "Went with a competitor"


def test_archive_and_unarchive_a_lead(world: World) -> None:
    lead = _lead(world)
    api = world.api("seller")

    archived = api.post(f"leads/{lead.pk}/archive").json()
    assert archived["archived_at"] is not None
    assert lead.pk in ids_of(api.get("leads", archived=True))
    assert lead.pk not in ids_of(api.get("leads", archived=False))
    assert api.post(f"leads/{lead.pk}/unarchive").json()["archived_at"] is None


def test_move_then_win_lose_and_reopen_a_deal(world: World) -> None:
    deal = _deal(world)
    api = world.api("seller")

    moved = api.post(f"deals/{deal.pk}/move", {"stage": world.stages[2].pk}, headers={"If-Match": '"1"'})
    assert moved.json()["stage"] == world.stages[2].pk and moved["ETag"] == '"2"'
    won = api.post(f"deals/{deal.pk}/won", headers={"If-Match": '"2"'})
    assert won.json()["status"] == "won" and won.json()["closed_at"] is not None
    reopened = api.post(f"deals/{deal.pk}/reopen")
    assert reopened.json()["status"] == "open" and reopened.json()["stage"] == world.stages[2].pk
    lost = api.post(f"deals/{deal.pk}/lost", {"reason": "Budget cut"})
    assert lost.json()["status"] == "lost" and lost.json()["lost_reason"] == "Budget cut"

    event = Event.objects.filter(object_type="deal", object_id=deal.pk, event_type=EventType.STAGE_CHANGED).get()
    assert (event.before["id"], event.after["id"]) == (world.stages[0].pk, world.stages[2].pk)
    history = api.get(f"deals/{deal.pk}/stage-changes").json()
    assert [(h["from_status"], h["to_status"], h["to_stage"]) for h in history] == [
        ("", "open", world.stages[0].pk),
        ("open", "open", world.stages[2].pk),
        ("open", "won", world.stages[2].pk),
        ("won", "open", world.stages[2].pk),
        ("open", "lost", world.stages[2].pk),
    ]
    assert history[1]["from_stage"] == world.stages[0].pk
    assert history[0]["actor"] == world.seller.pk


def test_move_to_another_pipeline_lands_in_its_first_stage(world: World) -> None:
    deal = _deal(world)
    renewals = services.pipeline_create(actor=world.admin, data={"name": "Renewals"}, stages=[{"name": "Due"}, {"name": "Quoted"}])

    response = world.api("seller").post(f"deals/{deal.pk}/move", {"pipeline": renewals.pk})

    assert response.json()["pipeline"] == renewals.pk
    assert response.json()["stage"] == renewals.first_stage().pk
    types = set(Event.objects.filter(object_type="deal", object_id=deal.pk).values_list("event_type", flat=True))
    assert {EventType.STAGE_CHANGED, EventType.PIPELINE_CHANGED} <= types


def test_move_to_a_stage_of_another_pipeline_is_422(world: World) -> None:
    deal = _deal(world)
    renewals = services.pipeline_create(actor=world.admin, data={"name": "Renewals"}, stages=[{"name": "Due"}])
    before = db_state()

    response = world.api("seller").post(f"deals/{deal.pk}/move", {"stage": renewals.first_stage().pk})

    assert_problem(response, 422, "stage")
    assert db_state() == before


def test_lost_needs_a_reason(world: World) -> None:
    deal = _deal(world)
    before = db_state()

    assert_problem(world.api("seller").post(f"deals/{deal.pk}/lost", {"reason": ""}), 422, "reason")
    assert db_state() == before


def test_link_change_role_and_unlink_a_deal_contact(world: World) -> None:
    deal = _deal(world)
    api = world.api("seller")

    linked = api.post(f"deals/{deal.pk}/contacts", {"contact": world.contact.pk, "role": "Champion"})
    assert linked.json()["contacts"] == [{"contact": world.contact.pk, "role": "Champion"}]
    changed = api.post(f"deals/{deal.pk}/contacts", {"contact": world.contact.pk, "role": "Decision maker"})
    assert changed.json()["contacts"] == [{"contact": world.contact.pk, "role": "Decision maker"}]
    unlinked = api.delete(f"deals/{deal.pk}/contacts/{world.contact.pk}")
    assert unlinked.json()["contacts"] == []
    assert not DealContact.objects.filter(deal=deal).exists()
    assert_problem(api.delete(f"deals/{deal.pk}/contacts/{world.contact.pk}"), 422, "contact")


def test_complete_and_reopen_an_activity(world: World) -> None:
    activity = ActivityFactory(actor=world.seller)
    api = world.api("seller")

    done = api.post(f"activities/{activity.pk}/complete")
    assert done.json()["done_at"] is not None
    assert activity.pk in ids_of(api.get("activities", done=True))
    reopened = api.post(f"activities/{activity.pk}/reopen")
    assert reopened.json()["done_at"] is None
    assert activity.pk in ids_of(api.get("activities", done=False))


def test_favourites_are_personal(world: World) -> None:
    account = AccountFactory(actor=world.seller)

    assert world.api("seller2").put(f"accounts/{account.pk}/favourite").status_code == 204

    assert list(Account.objects.get(pk=account.pk).favourited_by.all()) == [world.seller2]
    assert world.api("seller2").delete(f"accounts/{account.pk}/favourite").status_code == 204
    assert not Account.objects.get(pk=account.pk).favourited_by.exists()


def test_anonymise_erases_the_person_and_keeps_the_row(world: World) -> None:
    contact = ContactFactory(actor=world.seller, first_name="Ana", emails=["ana@example.test"], phones=["+34 600 000 000"])

    body = world.api("seller").post(f"contacts/{contact.pk}/anonymise").json()

    assert body["first_name"] == "" and body["emails"] == [] and body["phones"] == []
    assert body["last_name"] == f"Anonymised #{contact.pk}"
    assert body["anonymised_at"] is not None
    event = Event.objects.get(object_type="contact", object_id=contact.pk, event_type=EventType.ANONYMISED)
    assert event.before is None and event.after is None  # the log does not keep what was erased
    assert_problem(world.api("seller").patch(f"contacts/{contact.pk}", {"first_name": "Ana"}), 409)


def test_stage_changes_are_visible_only_with_the_deal(world: World) -> None:
    deal = _deal(world)

    assert len(world.api("manager").get(f"deals/{deal.pk}/stage-changes").json()) == 1
    assert_problem(world.api("seller2").get(f"deals/{deal.pk}/stage-changes"), 404)
    assert_problem(world.api("outsider").get(f"deals/{deal.pk}/stage-changes"), 404)
    assert StageChange.objects.filter(deal=deal).count() == 1


# --- /events ------------------------------------------------------------------------------------

T0 = dt.datetime(2031, 5, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def history(world: World) -> dict[str, Any]:
    """Deals of seller and seller2, changed at known moments."""
    with clock.frozen_at(T0):
        mine = DealFactory(actor=world.seller, name="Mine")
        theirs = DealFactory(actor=world.seller2, name="Theirs")
    with clock.frozen_at(T0 + dt.timedelta(hours=1)):
        services.deal_move(actor=world.seller, deal=mine, stage=world.stages[1].pk)
    with clock.frozen_at(T0 + dt.timedelta(hours=2)):
        services.deal_mark_won(actor=world.seller2, deal=theirs)
    with clock.frozen_at(T0 + dt.timedelta(hours=3)):
        activity = ActivityFactory(actor=world.seller, deal=mine.pk)
    return {"mine": mine, "theirs": theirs, "activity": activity}


def _events(world: World, who: str, **params: Any) -> list[dict[str, Any]]:
    response = world.api(who).get("events", limit=200, **params)
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_events_filter_by_user(world: World, history: dict[str, Any]) -> None:
    items = _events(world, "admin", user=world.seller2.pk)

    assert items and {e["actor"] for e in items} == {world.seller2.pk}
    assert {(e["object_type"], e["object_id"]) for e in items} == {("deal", history["theirs"].pk)}


def test_events_filter_by_type_object_and_time(world: World, history: dict[str, Any]) -> None:
    mine = history["mine"]

    won = _events(world, "admin", event_type="won")
    assert [(e["object_id"], e["after"]) for e in won] == [(history["theirs"].pk, "won")]

    of_deal = _events(world, "admin", object_type="deal", object_id=mine.pk)
    assert [e["event_type"] for e in of_deal] == ["stage_changed", "created"]  # newest first
    assert of_deal[0]["before"] == {"id": world.stages[0].pk, "name": world.stages[0].name}

    window = _events(world, "admin", since=(T0 + dt.timedelta(minutes=30)).isoformat(), until=(T0 + dt.timedelta(hours=2)).isoformat())
    assert [e["event_type"] for e in window] == ["stage_changed"]  # `until` is exclusive

    activities = _events(world, "admin", object_type="activity")
    assert [e["object_id"] for e in activities] == [history["activity"].pk]


def test_a_seller_sees_only_events_of_records_they_may_see(world: World, history: dict[str, Any]) -> None:
    seen = {(e["object_type"], e["object_id"]) for e in _events(world, "seller")}
    manager_seen = {(e["object_type"], e["object_id"]) for e in _events(world, "manager")}

    assert ("deal", history["mine"].pk) in seen
    assert ("deal", history["theirs"].pk) not in seen
    assert _events(world, "seller", object_type="deal", object_id=history["theirs"].pk) == []
    assert _events(world, "seller", event_type="won") == []
    assert {("deal", history["mine"].pk), ("deal", history["theirs"].pk)} <= manager_seen  # P2


def test_events_of_a_record_stay_hidden_after_its_owner_changes(world: World, history: dict[str, Any]) -> None:
    mine = history["mine"]
    services.deal_update(actor=world.admin, deal=mine, data={"owner": world.seller2.pk})

    seen = {(e["object_type"], e["object_id"], e["actor"]) for e in _events(world, "seller")}

    # The seller no longer sees the deal, only their own actions on it.
    assert {actor for kind, obj, actor in seen if (kind, obj) == ("deal", mine.pk)} == {world.seller.pk}


def test_another_workspace_sees_none_of_acme_events(world: World, history: dict[str, Any]) -> None:
    DealFactory(actor=world.outsider)
    acme_objects = {("deal", history["mine"].pk), ("deal", history["theirs"].pk), ("activity", history["activity"].pk)}

    items = _events(world, "outsider")

    assert items
    assert not acme_objects & {(e["object_type"], e["object_id"]) for e in items if e["object_type"] != "pipeline"}
    assert {e["actor"] for e in items} <= {world.outsider.pk, None}
    assert _events(world, "outsider", user=world.seller.pk) == []


def test_events_reads_need_a_token(client, world: World) -> None:
    assert_problem(client.get("/api/v1/events"), 401)


def test_event_filters_refuse_bad_values(world: World) -> None:
    api = world.api("admin")

    assert_problem(api.get("events", event_type="exploded"), 422, "event_type")
    assert_problem(api.get("events", since="yesterday"), 422, "since")
    assert_problem(api.get("events", object_type="x" * 33), 422, "object_type")


def test_records_touched_by_actions_remain_in_their_workspace(world: World) -> None:
    """Qualifying makes an account, a contact and a deal: all in the lead's workspace."""
    lead = _lead(world)
    body = world.api("seller").post(f"leads/{lead.pk}/qualify", {}).json()

    assert Account.objects.get(pk=body["account"]["id"]).workspace_id == world.admin.workspace_id
    assert Contact.objects.get(pk=body["contact"]["id"]).workspace_id == world.admin.workspace_id
    assert body["deal"]["id"] not in ids_of(world.api("outsider").get("deals"))
