"""Tasks (SPEC D4) and activity (D8) widgets: overdue includes late completions, links list the same."""

from __future__ import annotations

import pytest

from rapport.records.models import Activity
from rapport.records.services import activity_complete

from ..factories import ActivityFactory, DealFactory, LeadFactory
from .support import at, listed, moment, rows_by_key, widget

DAY = {"period": "custom", "start": "2025-03-12", "end": "2025-03-12"}
NOW = at(2025, 3, 12, 18, 0)


def complete(actor, activity, when):
    with moment(when):
        return activity_complete(actor=actor, activity=Activity.objects.get(pk=activity.pk))


@pytest.fixture
def tasks(seller, seller2):
    with moment(at(2025, 3, 10, 9)):
        busy_deal, idle_deal = DealFactory(actor=seller), DealFactory(actor=seller)
        busy_lead, idle_lead = LeadFactory(actor=seller), LeadFactory(actor=seller)
        t = {
            "open_late": ActivityFactory(actor=seller, due_at=at(2025, 3, 12, 10), lead=busy_lead.pk),
            "done_late": ActivityFactory(actor=seller, due_at=at(2025, 3, 12, 11)),
            "on_time": ActivityFactory(actor=seller, due_at=at(2025, 3, 12, 15)),
            "later": ActivityFactory(actor=seller, due_at=at(2025, 3, 12, 20), deal=busy_deal.pk),
            "call": ActivityFactory(actor=seller, kind="call", subject="Call back", due_at=at(2025, 3, 11, 10)),
            "note": ActivityFactory(actor=seller, kind="note", subject="Note"),
            "theirs": ActivityFactory(actor=seller2, due_at=at(2025, 3, 12, 9)),
        }
    complete(seller, t["done_late"], at(2025, 3, 12, 12))
    complete(seller, t["on_time"], at(2025, 3, 12, 14))
    complete(seller, t["call"], at(2025, 3, 12, 9))
    return {**t, "idle_deal": idle_deal, "idle_lead": idle_lead, "busy_deal": busy_deal}


def test_tasks_figures_for_a_manager_and_a_seller(api_as, manager, seller, tasks):
    with moment(NOW):
        team = rows_by_key(widget(api_as(manager), "tasks", **DAY))
        mine = rows_by_key(widget(api_as(seller), "tasks", **DAY))
    assert {k: r["value"] for k, r in team.items()} == {"overdue": 3, "current": 3, "completed": 1, "idle_deals": 1, "idle_leads": 1}
    assert {k: r["value"] for k, r in mine.items()} == {"overdue": 2, "current": 2, "completed": 1, "idle_deals": 1, "idle_leads": 1}


def test_tasks_links_list_the_same_records(api_as, manager, tasks):
    api = api_as(manager)
    with moment(NOW):
        rows = rows_by_key(widget(api, "tasks", **DAY))
        assert sorted(listed(api, rows["overdue"]["link"])) == sorted([tasks["open_late"].pk, tasks["done_late"].pk, tasks["theirs"].pk])
        assert listed(api, rows["completed"]["link"]) == [tasks["on_time"].pk]
        assert listed(api, rows["idle_deals"]["link"]) == [tasks["idle_deal"].pk]
        assert listed(api, rows["idle_leads"]["link"]) == [tasks["idle_lead"].pk]
        for row in rows.values():
            assert len(listed(api, row["link"])) == row["value"], row["key"]


def test_tasks_as_they_stood_in_the_morning(api_as, manager, tasks):
    with moment(NOW):
        past = widget(api_as(manager), "tasks", as_of="2025-03-12T11:30:00+01:00", **DAY)
    rows = rows_by_key(past)
    # At 11:30 the 10:00 and 11:00 tasks (the latter done only at 12:00) and seller2's 9:00 one were late.
    assert rows["overdue"]["value"] == 3 and rows["completed"]["value"] == 0
    assert rows["current"]["value"] == 5  # everything but the call, done at 9:00
    assert rows["overdue"]["link"] is None  # lists show the present


def test_activity_counts_completed_tasks_per_member_and_kind(api_as, manager, seller, seller2, tasks):
    complete(seller2, tasks["theirs"], at(2025, 3, 12, 16))
    with moment(NOW):
        data = widget(api_as(manager), "activity", **DAY)
    rows = rows_by_key(data)
    mine = rows[f"member:{seller.pk}"]
    assert mine["value"] == 3  # two tasks (one late) and the call
    assert mine["extra"]["kinds"]["task"]["count"] == 2 and mine["extra"]["kinds"]["call"]["count"] == 1
    assert rows[f"member:{seller2.pk}"]["value"] == 1
    assert data["number"]["value"] == 4
    api = api_as(manager)
    assert len(listed(api, mine["link"])) == 3
    assert listed(api, mine["extra"]["kinds"]["call"]["link"]) == [tasks["call"].pk]
    assert [d["label"] for d in data["chart"]["datasets"]] == ["Task", "Call"]


def test_other_workspace_counts_none_of_it(api_as, outsider, tasks):
    with moment(NOW):
        rows = rows_by_key(widget(api_as(outsider), "tasks", **DAY))
        activity = widget(api_as(outsider), "activity", **DAY)
    assert all(r["value"] == 0 for r in rows.values())
    assert activity["number"]["value"] == 0 and activity["rows"] == []
