"""The generated API matrix: every resource × list/detail/create/update/delete × who asks.

Each action runs as an allowed member, as denied members, and as a member of another workspace.

One `Resource` row per API resource says how to make its subject record, a valid create body and
patch, and who is allowed or denied each action (with the answer a denied member gets: 403 when
they can see the record, 404 when they cannot). The cases are generated from the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models

from rapport.events.models import ActorKind, Event, EventType
from rapport.records import services
from rapport.records.models import (
    Account,
    Activity,
    Contact,
    CustomFieldDefinition,
    Deal,
    Lead,
    Pipeline,
    Stage,
    Tag,
)
from rapport.workspaces.models import Member

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .support import World, assert_problem, db_state, ids_of

ACTIONS = ("list", "detail", "create", "update", "delete")

Body = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Resource:
    path: str
    model: type[models.Model]
    make: Callable[[World, Member], models.Model]  # the subject record, made in the member's workspace
    create_body: Body
    patch: Body
    allowed: dict[str, str]  # action -> member allowed to do it on a record `seller` made
    denied: dict[str, tuple[tuple[str, int], ...]]  # action -> (member, answer) pairs
    # Bodies the outsider sends naming acme's rows: (body, field the 422 must name).
    foreign: Callable[[World], list[tuple[dict[str, Any], str]]] = lambda w: []
    versioned: bool = True  # records carry a version (ETag); settings rows do not
    expect: Callable[[World, dict[str, Any]], dict[str, Any]] = lambda w, body: body
    has_detail: bool = True
    has_list: bool = True
    create_path: Callable[[World], str] | None = None  # when not POST on `path`
    item_path: str | None = None  # when items live elsewhere than `path/<id>`
    owner: str = "seller"  # who makes the subject record

    def url(self, obj_id: int) -> str:
        return f"{self.item_path or self.path}/{obj_id}"


def _stage_pipeline(world: World, actor: Member) -> Pipeline:
    return services.pipeline_create(
        actor=world.admin if actor.workspace_id == world.admin.workspace_id else actor,
        data={"name": f"Partners {Pipeline.objects.count()}"},
        stages=[{"name": "Intro"}, {"name": "Pilot"}],
    )


def _settings_actor(world: World, actor: Member) -> Member:
    """Settings rows are made by an administrator of the member's workspace."""
    return world.admin if actor.workspace_id == world.admin.workspace_id else actor


RECORD_DENIALS_VIEW_ALL = {
    # Accounts and contacts: sellers see all, add all, edit their own, delete none.
    "list": (("intern", 200),),
    "detail": (("intern", 404),),
    "create": (("intern", 403), ("auditor", 403)),
    "update": (("seller2", 403), ("auditor", 403), ("intern", 404)),
    "delete": (("seller", 403), ("seller2", 403), ("auditor", 403), ("intern", 404)),
}
RECORD_DENIALS_VIEW_OWN = {
    # Leads and deals: sellers see and edit their own, delete none.
    "list": (("seller2", 200), ("loner", 200), ("intern", 200)),
    "detail": (("seller2", 404), ("loner", 404), ("intern", 404)),
    "create": (("intern", 403), ("auditor", 403)),
    "update": (("seller2", 404), ("auditor", 403)),
    "delete": (("seller", 403), ("seller2", 404), ("auditor", 403)),
}
SETTINGS_DENIALS = {
    # Every member sees settings; only administrators change them.
    "create": (("manager", 403), ("seller", 403)),
    "update": (("manager", 403), ("seller", 403)),
    "delete": (("manager", 403), ("seller", 403)),
}
RECORD_ALLOWED = {"list": "seller", "detail": "seller", "create": "seller", "update": "seller", "delete": "manager"}
SETTINGS_ALLOWED = {"list": "seller", "detail": "seller", "create": "admin", "update": "admin", "delete": "admin"}

RESOURCES: dict[str, Resource] = {
    "accounts": Resource(
        path="accounts",
        model=Account,
        make=lambda w, actor: AccountFactory(actor=actor, city="Bilbao"),
        create_body=lambda w: {"name": "Northwind", "city": "Bilbao", "emails": ["Sales@Northwind.test"], "tags": []},
        expect=lambda w, body: {**body, "emails": ["sales@northwind.test"]},
        patch=lambda w: {"city": "Vigo", "is_global": True},
        allowed=RECORD_ALLOWED,
        denied=RECORD_DENIALS_VIEW_ALL,
        foreign=lambda w: [
            ({"name": "Mine", "parent": w.account.pk}, "parent"),
            ({"name": "Mine", "owner": w.seller.pk}, "owner"),
        ],
    ),
    "contacts": Resource(
        path="contacts",
        model=Contact,
        make=lambda w, actor: ContactFactory(actor=actor),
        create_body=lambda w: {"first_name": "Ana", "last_name": "Pérez", "job_title": "CTO", "account": w.account.pk},
        patch=lambda w: {"job_title": "CEO", "consent_email": True},
        allowed=RECORD_ALLOWED,
        denied=RECORD_DENIALS_VIEW_ALL,
        foreign=lambda w: [({"last_name": "Mine", "account": w.account.pk}, "account")],
    ),
    "leads": Resource(
        path="leads",
        model=Lead,
        make=lambda w, actor: LeadFactory(actor=actor),
        create_body=lambda w: {"title": "Fleet renewal", "company": "Initech", "priority": "high", "budget": "1200.50"},
        patch=lambda w: {"priority": "low", "status": "working"},
        allowed=RECORD_ALLOWED,
        denied=RECORD_DENIALS_VIEW_OWN,
        foreign=lambda w: [
            ({"title": "Mine", "account": w.account.pk}, "account"),
            ({"title": "Mine", "owner": w.seller.pk}, "owner"),
        ],
    ),
    "deals": Resource(
        path="deals",
        model=Deal,
        make=lambda w, actor: DealFactory(actor=actor),
        create_body=lambda w: {
            "name": "Fleet deal", "pipeline": w.pipeline.pk, "stage": w.stages[1].pk, "amount": "2500.00",
            "currency": "USD", "contacts": [{"contact": w.contact.pk, "role": "Buyer"}],
        },
        expect=lambda w, body: {**body, "contacts": [{"contact": w.contact.pk, "role": "Buyer"}], "status": "open"},
        patch=lambda w: {"amount": "3000.00", "expected_close": "2031-03-31"},
        allowed=RECORD_ALLOWED,
        denied=RECORD_DENIALS_VIEW_OWN,
        foreign=lambda w: [
            ({"name": "Mine", "pipeline": w.pipeline.pk}, "pipeline"),
            ({"name": "Mine", "pipeline": w.outsider_pipeline.pk, "stage": w.stages[0].pk}, "stage"),
            ({"name": "Mine", "pipeline": w.outsider_pipeline.pk, "account": w.account.pk}, "account"),
            ({"name": "Mine", "pipeline": w.outsider_pipeline.pk, "contacts": [{"contact": w.contact.pk}]}, "contacts"),
        ],
    ),
    "activities": Resource(
        path="activities",
        model=Activity,
        make=lambda w, actor: ActivityFactory(actor=actor),
        create_body=lambda w: {
            "kind": "call", "subject": "Call Ana", "direction": "outbound", "duration_minutes": 12,
            "account": w.account.pk, "contact": w.contact.pk, "participant_members": [w.seller2.pk],
        },
        patch=lambda w: {"subject": "Call Ana again", "due_at": "2031-01-02T09:30:00Z"},
        allowed={**RECORD_ALLOWED, "delete": "seller"},  # sellers delete their own activities
        denied={**RECORD_DENIALS_VIEW_OWN, "delete": (("seller2", 404), ("auditor", 403), ("intern", 404))},
        foreign=lambda w: [
            ({"kind": "task", "subject": "Mine", "deal": w.deal.pk}, "deal"),
            ({"kind": "task", "subject": "Mine", "participant_contacts": [w.contact.pk]}, "participant_contacts"),
            ({"kind": "task", "subject": "Mine", "participant_members": [w.seller.pk]}, "participant_members"),
        ],
    ),
    "pipelines": Resource(
        path="pipelines",
        model=Pipeline,
        make=_stage_pipeline,
        create_body=lambda w: {"name": "Renewals", "stages": [{"name": "Due"}, {"name": "Renewed", "probability": 90}]},
        expect=lambda w, body: {"name": "Renewals", "is_active": True},
        patch=lambda w: {"name": "Partner deals", "is_active": False},
        allowed=SETTINGS_ALLOWED,
        denied=SETTINGS_DENIALS,
        versioned=False,
        owner="admin",
    ),
    "stages": Resource(
        path="stages",
        model=Stage,
        make=lambda w, actor: _stage_pipeline(w, actor).stages.order_by("position").last(),
        create_path=lambda w: f"pipelines/{w.pipeline.pk}/stages",
        create_body=lambda w: {"name": "Closing", "probability": 80},
        expect=lambda w, body: {**body, "pipeline": w.pipeline.pk, "position": len(w.stages)},
        patch=lambda w: {"probability": 60, "name": "Pilot run"},
        allowed=SETTINGS_ALLOWED,
        denied=SETTINGS_DENIALS,
        versioned=False,
        has_list=False,
        has_detail=False,
        owner="admin",
    ),
    "custom-fields": Resource(
        path="custom-fields",
        model=CustomFieldDefinition,
        make=lambda w, actor: services.custom_field_create(
            actor=_settings_actor(w, actor), data={"record_type": "deal", "key": "region", "label": "Region", "field_type": "text"}
        ),
        create_body=lambda w: {"record_type": "account", "key": "tier", "label": "Tier", "field_type": "choice", "choices": ["gold", "silver"]},
        patch=lambda w: {"label": "Sales region", "required": True},
        allowed=SETTINGS_ALLOWED,
        denied=SETTINGS_DENIALS,
        versioned=False,
        has_detail=False,
        owner="admin",
    ),
    "tags": Resource(
        path="tags",
        model=Tag,
        make=lambda w, actor: services.tag_create(actor=_settings_actor(w, actor), data={"name": "hot"}),
        create_body=lambda w: {"name": "cold", "color": "#0000ff"},
        patch=lambda w: {"color": "#ff0000"},
        allowed=SETTINGS_ALLOWED,
        denied=SETTINGS_DENIALS,
        versioned=False,
        has_detail=False,
        owner="admin",
    ),
}


def _applies(resource: Resource, action: str) -> bool:
    return (action != "list" or resource.has_list) and (action != "detail" or resource.has_detail)


ALLOWED_CASES = [
    pytest.param(name, action, id=f"{name}-{action}")
    for name, resource in RESOURCES.items()
    for action in ACTIONS
    if _applies(resource, action)
]
DENIED_CASES = [
    pytest.param(name, action, who, status, id=f"{name}-{action}-{who}")
    for name, resource in RESOURCES.items()
    for action in ACTIONS
    if _applies(resource, action)
    for who, status in resource.denied.get(action, ())
]
OTHER_WORKSPACE_CASES = [
    pytest.param(name, action, id=f"{name}-{action}")
    for name, resource in RESOURCES.items()
    for action in ACTIONS
    if _applies(resource, action)
]


def _call(world: World, who: str, resource: Resource, action: str, subject: models.Model, headers: dict[str, str] | None = None):
    api = world.api(who)
    if action == "list":
        return api.get(resource.path)
    if action == "detail":
        return api.get(resource.url(subject.pk))
    if action == "create":
        path = resource.create_path(world) if resource.create_path else resource.path
        return api.post(path, resource.create_body(world), headers=headers)
    if action == "update":
        return api.patch(resource.url(subject.pk), resource.patch(world), headers=headers)
    return api.delete(resource.url(subject.pk), headers=headers)


def _assert_subset(expected: dict[str, Any], body: dict[str, Any]) -> None:
    for key, value in expected.items():
        if key in ("stages",):
            continue
        assert body[key] == value, (key, body[key], value)


def _events(obj_id: int, resource: Resource, event_type: str) -> list[Event]:
    object_type = getattr(resource.model, "RECORD_TYPE", None) or resource.model._meta.model_name
    return list(Event.objects.filter(object_type=object_type, object_id=obj_id, event_type=event_type).order_by("id"))


@pytest.mark.parametrize(("name", "action"), ALLOWED_CASES)
def test_allowed(world: World, name: str, action: str) -> None:
    resource = RESOURCES[name]
    subject = resource.make(world, world.members[resource.owner])
    who = resource.allowed[action]
    world.api(who)  # its token is issued (and logged) before the counting starts
    events_before = Event.objects.count()
    headers = {"If-Match": f'"{subject.version}"'} if resource.versioned and action in ("update", "delete") else None

    response = _call(world, who, resource, action, subject, headers)

    if action == "list":
        assert subject.pk in ids_of(response)
        assert Event.objects.count() == events_before
    elif action == "detail":
        assert response.status_code == 200, response.content
        assert response.json()["id"] == subject.pk
        if resource.versioned:
            assert response["ETag"] == f'"{subject.version}"'
        assert Event.objects.count() == events_before
    elif action == "create":
        assert response.status_code == 201, response.content
        body = response.json()
        _assert_subset(resource.expect(world, resource.create_body(world)), body)
        row = resource.model._default_manager.get(pk=body["id"])
        assert row.workspace_id == world.admin.workspace_id
        if resource.versioned:
            assert response["ETag"] == '"1"'
            assert body["created_by"] == world.members[who].pk
        [event] = _events(row.pk, resource, EventType.CREATED)
        assert event.actor_id == world.members[who].pk
        assert event.actor_kind == ActorKind.API
    elif action == "update":
        assert response.status_code == 200, response.content
        patch = resource.patch(world)
        body = response.json()
        _assert_subset(patch, body)
        if resource.versioned:
            assert response["ETag"] == f'"{subject.version + 1}"' == f'"{body["version"]}"'
        changed = {e.field for e in _events(subject.pk, resource, EventType.FIELD_CHANGED)}
        assert set(patch) <= changed
    else:
        assert response.status_code == 204, response.content
        assert not resource.model._default_manager.filter(pk=subject.pk).exists()
        [event] = _events(subject.pk, resource, EventType.DELETED)
        assert event.actor_id == world.members[who].pk


@pytest.mark.parametrize(("name", "action", "who", "status"), DENIED_CASES)
def test_denied(world: World, name: str, action: str, who: str, status: int) -> None:
    resource = RESOURCES[name]
    subject = resource.make(world, world.members[resource.owner])
    world.api(who)
    before = db_state()

    response = _call(world, who, resource, action, subject)

    if action == "list":
        assert subject.pk not in ids_of(response)
    else:
        assert_problem(response, status)
    assert db_state() == before


@pytest.mark.parametrize(("name", "action"), OTHER_WORKSPACE_CASES)
def test_other_workspace(world: World, name: str, action: str) -> None:
    resource = RESOURCES[name]
    subject = resource.make(world, world.members[resource.owner])
    theirs = resource.make(world, world.outsider)  # globex has rows of its own
    outsider = world.api("outsider")
    if action == "create" and not resource.foreign(world) and not resource.create_path:
        _same_name_in_both_workspaces(world, resource)
        return
    before = db_state()

    if action == "list":
        listed = ids_of(outsider.get(resource.path))
        assert theirs.pk in listed
        acme_ids = set(resource.model._default_manager.filter(workspace=world.admin.workspace).values_list("pk", flat=True))
        assert acme_ids and not acme_ids & set(listed)
    elif action == "create":
        if resource.create_path:  # creating under acme's pipeline: the path names a row it cannot see
            assert_problem(_call(world, "outsider", resource, action, subject), 404)
        for body, field_name in resource.foreign(world):
            assert_problem(outsider.post(resource.path, body), 422, field_name)
    else:
        assert_problem(_call(world, "outsider", resource, action, subject), 404)
    assert db_state() == before


def _same_name_in_both_workspaces(world: World, resource: Resource) -> None:
    """Bodies without ids: a name acme uses is free in globex, and acme's rows stay as they were."""
    assert world.api("admin").post(resource.path, resource.create_body(world)).status_code == 201
    acme_rows = list(resource.model._default_manager.filter(workspace=world.admin.workspace).order_by("pk").values())

    response = world.api("outsider").post(resource.path, resource.create_body(world))

    assert response.status_code == 201, response.content
    assert resource.model._default_manager.get(pk=response.json()["id"]).workspace_id == world.outsider.workspace_id
    assert list(resource.model._default_manager.filter(workspace=world.admin.workspace).order_by("pk").values()) == acme_rows


# --- Members: read-only over the API ----------------------------------------------------------


def test_members_list_only_the_workspace_of_the_caller(world: World) -> None:
    acme_ids = {m.pk for name, m in world.members.items() if name != "outsider"}

    assert set(ids_of(world.api("seller").get("members"))) == acme_ids
    assert ids_of(world.api("outsider").get("members")) == [world.outsider.pk]
    listed = {m["id"]: m for m in world.api("seller").get("members").json()}
    assert listed[world.seller.pk]["manager"] == world.manager.pk
    assert listed[world.seller.pk]["email"] == "seller@acme.test"


def test_me_says_who_i_am_and_what_i_may_do(world: World) -> None:
    body = world.api("seller").get("members/me").json()

    assert body["member"]["id"] == world.seller.pk
    assert body["workspace"]["slug"] == "acme"
    assert body["permissions"]["deal"] == {"view": "own", "add": "all", "edit": "own", "delete": "none"}
    assert world.api("outsider").get("members/me").json()["workspace"]["slug"] == "globex"


def test_members_cannot_be_written_through_the_api(world: World) -> None:
    before = db_state()

    assert world.api("admin").post("members", {"email": "new@acme.test"}).status_code == 405
    assert db_state() == before
