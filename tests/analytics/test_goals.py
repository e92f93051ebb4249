"""Goals (SPEC D7): who sets them, the API, and the widget's achieved against target."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.analytics.models import Goal
from rapport.analytics.services import goal_create, goal_delete, goal_update
from rapport.core.errors import PermissionDenied
from rapport.events.models import Event, EventType
from rapport.records.services import deal_mark_won

from ..factories import DealFactory
from .support import at, listed, moment, rows_by_key, unchanged, widget

MARCH = {"period": "month"}


def new_goal(actor, member, **data):
    with moment(at(2025, 3, 1, 9)):
        return goal_create(actor=actor, data={"member": member.pk, "month": "2025-03", "target": "5000", **data})


def test_admins_set_anyones_goals_managers_their_teams_sellers_none(admin, manager, seller, seller2, loner):
    assert new_goal(admin, manager).member_id == manager.pk
    assert new_goal(manager, seller).created_by_id == manager.pk
    for actor, member in ((manager, manager), (manager, loner), (seller, seller), (seller, seller2)):
        with unchanged(), pytest.raises(PermissionDenied):
            new_goal(actor, member)
    goal = Goal.objects.get(member=seller)
    assert Event.objects.filter(object_type="goal", object_id=goal.pk, event_type=EventType.CREATED).exists()


def test_goal_validation(admin, seller):
    from django.core.exceptions import ValidationError

    for data, field in (
        ({"target": "0"}, "target"), ({"target": "1.234"}, "target"), ({"month": "2025-13"}, "month"),
        ({"metric": "count", "target": "2.5"}, "target"), ({"scope": "galaxy"}, "scope"), ({"colour": "red"}, "colour"),
    ):
        with unchanged(), pytest.raises(ValidationError) as error:
            new_goal(admin, seller, **data)
        assert field in error.value.message_dict


def test_update_and_delete_are_logged_and_guarded(admin, manager, seller, seller2):
    goal = new_goal(manager, seller)
    goal = goal_update(actor=manager, goal=goal, data={"target": "6000"})
    assert goal.target == Decimal("6000") and Event.objects.filter(object_type="goal", field="target").count() == 1
    with unchanged(), pytest.raises(PermissionDenied):
        goal_update(actor=seller2, goal=goal, data={"target": "1"})
    with unchanged(), pytest.raises(PermissionDenied):
        goal_delete(actor=seller, goal=goal)
    goal_delete(actor=admin, goal=goal)
    assert not Goal.objects.exists() and Event.objects.filter(object_type="goal", event_type=EventType.DELETED).exists()


def test_goals_api(api_as, admin, manager, seller, seller2, outsider):
    api = api_as(manager)
    created = api.post("goals", {"member": seller.pk, "month": "2025-03", "target": "5000.00"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["month"] == "2025-03" and body["member_name"] == "Sam Seller" and body["scope"] == "member"
    assert api.post("goals", {"member": seller.pk, "month": "2025-03", "target": "1"}).status_code == 409
    assert api.post("goals", {"member": seller.pk, "month": "March", "target": "1"}).status_code == 422
    assert api.post("goals", {"member": seller.pk, "month": "2025-04", "target": "-1"}).status_code == 422
    assert api_as(seller).post("goals", {"member": seller.pk, "month": "2025-04", "target": "1"}).status_code == 403
    assert api.patch(f"goals/{body['id']}", {"target": "7000"}).json()["target"] == "7000.00"
    assert [g["id"] for g in api_as(seller).get("goals").json()] == [body["id"]]
    assert api_as(seller2).get("goals").json() == []
    assert api_as(seller2).get(f"goals/{body['id']}").status_code == 404
    assert api_as(outsider).get(f"goals/{body['id']}").status_code == 404
    assert api_as(outsider).delete(f"goals/{body['id']}").status_code == 404
    assert [g["id"] for g in api_as(admin).get("goals", month="2025-03").json()] == [body["id"]]
    assert api_as(admin).get("goals", month="2025-04").json() == []
    assert api.delete(f"goals/{body['id']}").status_code == 204


def test_goal_widget_achieved_against_target(api_as, admin, manager, seller, seller2):
    new_goal(admin, seller, target="5000")
    new_goal(admin, manager, scope="team", metric="count", target="3")
    with moment(at(2025, 2, 20, 9)):
        deals = [DealFactory(actor=seller, amount=Decimal(a)) for a in ("1500", "1000", "800")]
        theirs = DealFactory(actor=seller2, amount=Decimal("400"))
    with moment(at(2025, 2, 28, 23, 59, 59)):
        deal_mark_won(actor=seller, deal=deals[2])  # February: not this month's
    with moment(at(2025, 3, 1, 0, 0, 0)):
        deal_mark_won(actor=seller, deal=deals[0])
    with moment(at(2025, 3, 15, 12)):
        deal_mark_won(actor=seller, deal=deals[1])
        deal_mark_won(actor=seller2, deal=theirs)
    api = api_as(manager)
    with moment(at(2025, 3, 20, 12)):
        data = widget(api, "goals", **MARCH)
        mine = widget(api_as(seller), "goals", **MARCH)
        week = widget(api, "goals", period="week")  # the month the period starts in
    rows = {r["extra"]["scope"]: r for r in data["rows"]}
    assert rows["member"]["value"] == 2500 and rows["member"]["extra"]["percent"] == 50.0 and rows["member"]["share"] == 50.0
    assert rows["member"]["display"] == "€2,500.00 / €5,000.00"
    assert rows["team"]["value"] == 3 and rows["team"]["extra"]["percent"] == 100.0 and rows["team"]["label"] == "Team of Max Manager"
    assert data["number"]["value"] == 75.0 and data["extra"]["month"] == "2025-03"
    assert sorted(listed(api, rows["member"]["link"])) == sorted([deals[0].pk, deals[1].pk])
    assert len(listed(api, rows["team"]["link"])) == 3
    assert [r["extra"]["scope"] for r in mine["rows"]] == ["member"]  # a seller sees their own goal only
    assert rows_by_key(week) == rows_by_key(data)
    with moment(at(2025, 3, 20, 12)):
        then = widget(api, "goals", as_of="2025-03-10T12:00:00+01:00", **MARCH)
    assert {r["extra"]["scope"]: r["value"] for r in then["rows"]} == {"member": 1500, "team": 1}


def test_other_workspace_sees_no_goals(api_as, admin, seller, outsider):
    new_goal(admin, seller)
    with moment(at(2025, 3, 20, 12)):
        data = widget(api_as(outsider), "goals", **MARCH)
    assert data["rows"] == [] and data["number"] is None
