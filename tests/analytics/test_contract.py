"""The dashboard widget contract (analytics/widgets/base.py): shapes, parameters, errors, links."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from rapport.analytics.models import Goal
from rapport.analytics.services import goal_create
from rapport.api.events import EventFilter
from rapport.intake.services import (
    call_log,
    chat_message_receive,
    conversation_close,
    conversation_rate,
    usage_heartbeat,
)
from rapport.records.filters import ActivityFilter, DealFilter, LeadFilter
from rapport.records.services import deal_mark_won, deal_move

from ..factories import ActivityFactory, DealFactory, LeadFactory
from .support import at, listed, moment

KEYS = [
    "pipeline_dynamics", "tasks", "lead_sources", "leads_per_user", "goals", "activity", "latest_uploads",
    "forecast", "calls", "notes", "won_deals", "system_usage", "nps", "messages", "response_time",
]
NOW = at(2025, 3, 20, 15)
FILTERS = {"/deals/": DealFilter, "/leads/": LeadFilter, "/activities/": ActivityFilter, "/events/": EventFilter}
PERIODS = [
    {"period": "today"}, {"period": "yesterday"}, {"period": "week"}, {"period": "month"},
    {"period": "custom", "start": "2025-03-01", "end": "2025-03-20"},
    {"period": "month", "as_of": "2025-03-18T12:00:00+01:00"},
]


@pytest.fixture
def lively(admin, seller, seller2, stages):
    """A little of everything the widgets count, in March 2025."""
    with moment(at(2025, 3, 17, 9)):
        deal = DealFactory(actor=seller, amount=Decimal("1200"))
        other = DealFactory(actor=seller2, amount=Decimal("800"))
        LeadFactory(actor=seller, source="web_form")
        LeadFactory(actor=admin, owner=None, source="chat")
        ActivityFactory(actor=seller, due_at=at(2025, 3, 18, 9), deal=deal.pk)
        ActivityFactory(actor=seller, kind="note", subject="Note", body="Met them")
        call_log(actor=seller, data={"external_id": "c1", "direction": "inbound", "from_number": "+34600000000", "duration_seconds": 60})
        goal_create(actor=admin, data={"member": seller.pk, "month": "2025-03", "target": "1000"})
        usage_heartbeat(actor=seller)
    with moment(at(2025, 3, 18, 9)):
        deal_move(actor=seller, deal=deal, stage=stages[1].pk)
        msg, _ = chat_message_receive(actor=admin, data={"channel": "telegram", "conversation_external_id": "t", "direction": "inbound", "text": "hi"})
    with moment(at(2025, 3, 18, 9, 3)):
        chat_message_receive(actor=admin, data={"channel": "telegram", "conversation_external_id": "t", "direction": "outbound", "text": "hello", "author": seller.pk})
        conversation = conversation_close(actor=seller, conversation=msg.conversation)
        conversation_rate(actor=admin, conversation=conversation, rating=9)
    with moment(at(2025, 3, 19, 9)):
        deal_mark_won(actor=seller2, deal=other)
    assert Goal.objects.count() == 1


def check_link(link: Any) -> None:
    if link is None:
        return
    parts = urlsplit(link)
    if parts.path in FILTERS:
        unknown = {name for name, _v in parse_qsl(parts.query)} - set(FILTERS[parts.path].model_fields)
        assert not unknown, f"{link}: the list does not filter on {unknown}"
    else:  # a record's page
        assert parts.path.count("/") == 3 and parts.path.split("/")[2].isdigit(), link


def check_answer(data: dict[str, Any], key: str) -> list[str]:
    """Assert the contract's shape; return every link in the answer."""
    assert set(data) == {"key", "title", "period", "as_of", "currency", "number", "rows", "chart", "extra"}
    assert data["key"] == key and isinstance(data["title"], str) and data["currency"] == "EUR"
    assert set(data["period"]) == {"start", "end", "label", "time_zone"}
    start, end = (dt.datetime.fromisoformat(data["period"][k]) for k in ("start", "end"))
    assert start < end and start.tzinfo is not None
    links = []
    if data["number"] is not None:
        number = data["number"]
        assert set(number) == {"value", "display", "label", "link", "previous", "change_percent"}
        assert isinstance(number["value"], int | float) and isinstance(number["display"], str)
        links.append(number["link"])
    for row in data["rows"]:
        assert set(row) == {"key", "label", "value", "display", "share", "link", "extra"}
        assert isinstance(row["key"], str) and isinstance(row["label"], str) and isinstance(row["display"], str)
        assert row["value"] is None or isinstance(row["value"], int | float)
        assert row["share"] is None or 0 <= row["share"] <= 100
        assert isinstance(row["extra"], dict)
        links.append(row["link"])
        links += [v for k, v in row["extra"].items() if k.endswith("_link")]
    if data["chart"] is not None:
        chart = data["chart"]
        assert set(chart) == {"type", "labels", "datasets"} and chart["type"] in ("bar", "line", "doughnut")
        for dataset in chart["datasets"]:
            assert set(dataset) == {"label", "data", "links", "style"}
            assert dataset["style"] in ("primary", "muted", "band-low", "band-high")
            assert len(dataset["data"]) == len(chart["labels"])
            if dataset["links"] is not None:
                assert len(dataset["links"]) == len(dataset["data"])
                links += dataset["links"]
    assert isinstance(data["extra"], dict)
    return [link for link in links if link]


def test_the_catalogue(api_as, seller):
    response = api_as(seller).get("dashboard/widgets")
    assert response.status_code == 200
    catalogue = response.json()
    assert [w["key"] for w in catalogue] == KEYS
    for item in catalogue:
        assert set(item) == {"key", "title", "description", "views", "default_view", "uses_pipeline"}
        assert set(item["views"]) <= {"number", "list", "chart"} and item["default_view"] in item["views"]
    assert {w["key"] for w in catalogue if w["uses_pipeline"]} == {"pipeline_dynamics", "forecast", "won_deals"}


def test_every_widget_answers_the_contract_for_every_period(api_as, admin, seller, lively):
    for member in (admin, seller):
        api = api_as(member)
        for key in KEYS:
            for params in PERIODS:
                with moment(NOW):
                    response = api.get(f"dashboard/widgets/{key}", **params)
                assert response.status_code == 200, (key, params, response.content)
                data = response.json()
                for link in check_answer(data, key):
                    check_link(link)
                if "as_of" in params:
                    assert data["as_of"] == "2025-03-18T11:00:00Z"


def test_links_list_records_for_the_admin(api_as, admin, lively):
    api = api_as(admin)
    for key in KEYS:
        with moment(NOW):
            data = api.get(f"dashboard/widgets/{key}", period="month").json()
            for link in check_answer(data, key):
                if urlsplit(link).path in FILTERS:
                    listed(api, link)  # answers 200 with the same filters


def test_the_refresh_map_names_object_types(api_as, seller):
    mapping = api_as(seller).get("dashboard/refresh-map").json()
    assert "pipeline_dynamics" in mapping["deal"] and "nps" in mapping["conversation"]
    assert "system_usage" in mapping["usageinterval"] and "goals" in mapping["goal"]
    assert "response_time" in mapping["message"] and "pipeline_dynamics" in mapping["exchangerate"]
    assert {k for keys in mapping.values() for k in keys} == set(KEYS)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "fortnight"}, "period"),
        ({"period": "custom"}, "start"),
        ({"period": "custom", "start": "2025-03-02"}, "end"),
        ({"period": "custom", "start": "2025-03-02", "end": "2025-03-01"}, "end"),
        ({"period": "custom", "start": "2024-01-01", "end": "2025-03-01"}, "end"),
        ({"period": "custom", "start": "2025-02-30", "end": "2025-03-01"}, "start"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2999-01-01T00:00:00Z"}, "as_of"),
        ({"as_of": "1990-01-01T00:00:00Z"}, "as_of"),
        ({"pipeline": 0}, "pipeline"),
        ({"pipeline": 2**63}, "pipeline"),
        ({"pipeline": 999999}, "pipeline"),
        ({"days": 0}, "days"),
        ({"days": 366}, "days"),
    ],
)
def test_bad_parameters_are_422_problems(api_as, seller, params, field):
    response = api_as(seller).get("dashboard/widgets/pipeline_dynamics", **params)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_unknown_widget_and_no_token(api_as, client, seller):
    response = api_as(seller).get("dashboard/widgets/horoscope")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/dashboard/widgets/tasks").status_code == 401
    assert client.get("/api/v1/dashboard/widgets").status_code == 401


def test_named_periods_follow_the_workspace_calendar(api_as, seller):
    api = api_as(seller)
    with moment(at(2025, 3, 30, 12)):  # the day clocks go forward in Madrid: 23 hours long
        today = api.get("dashboard/widgets/notes", period="today").json()["period"]
        week = api.get("dashboard/widgets/notes", period="week").json()["period"]
        month = api.get("dashboard/widgets/notes", period="month").json()["period"]
    assert (today["start"], today["end"]) == ("2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z")
    assert (week["start"], week["end"]) == ("2025-03-23T23:00:00Z", "2025-03-30T22:00:00Z")
    assert (month["start"], month["end"]) == ("2025-02-28T23:00:00Z", "2025-03-31T22:00:00Z")
    assert today["label"] == "Today" and today["time_zone"] == "Europe/Madrid"
