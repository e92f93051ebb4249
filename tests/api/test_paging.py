"""Paging of API lists: cursors, offsets and limits.

Keyset cursors walk every row exactly once under every allowed ordering, ties in the sort field
included; offset paging agrees; limits are bounded.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from rapport.api import records
from rapport.api.crud import Resource
from rapport.core import clock
from rapport.events.selectors import events_visible_to
from rapport.records.models import Deal
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .support import World, assert_problem

T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
RESOURCES: dict[str, tuple[Resource, Any]] = {
    "accounts": (records.accounts, AccountFactory),
    "contacts": (records.contacts, ContactFactory),
    "leads": (records.leads, LeadFactory),
    "deals": (records.deals, DealFactory),
    "activities": (records.activities, ActivityFactory),
}
NAME_FIELD = {"accounts": "name", "contacts": "last_name", "leads": "title", "deals": "name", "activities": "subject"}


def _seed_ties(world: World, path: str, count: int = 8) -> None:
    """Rows made two at a moment, with three names and two amounts: every sort field has ties."""
    _, factory = RESOURCES[path]
    for i in range(count):
        extra: dict[str, Any] = {NAME_FIELD[path]: f"Same {i % 3}"}
        if path == "deals":
            extra["amount"] = Decimal(100 * (i % 2))
        with clock.frozen_at(T0 + dt.timedelta(minutes=i // 2)):
            factory(actor=world.seller if i % 3 else world.seller2, **extra)


def _walk(world: World, who: str, path: str, limit: int, **params: Any) -> list[int]:
    """Follow next_cursor from the first page to the last."""
    api = world.api(who)
    ids: list[int] = []
    cursor = None
    for _ in range(100):
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = api.get(path, **query)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["items"]) <= limit
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        assert body["next_offset"] is None
        if cursor is None:
            return ids
        assert len(body["items"]) == limit  # only a full page promises more
    raise AssertionError("the cursor never ended")


def _offset_walk(world: World, who: str, path: str, limit: int, **params: Any) -> list[int]:
    api = world.api(who)
    ids: list[int] = []
    offset: int | None = 0
    while offset is not None:
        body = api.get(path, limit=limit, offset=offset, **params).json()
        ids += [item["id"] for item in body["items"]]
        assert body["next_cursor"] is None
        offset = body["next_offset"]
    return ids


def _expected(qs: models.QuerySet, ordering: str) -> list[int]:
    sign = "-" if ordering.startswith("-") else ""
    # The database's own order (its collation decides how text sorts), with id breaking ties.
    return list(qs.order_by(ordering, f"{sign}id").values_list("id", flat=True))


CASES = [
    pytest.param(path, f"{sign}{field}", id=f"{path}-{sign}{field}")
    for path, (resource, _) in RESOURCES.items()
    for field in resource.orderings
    for sign in ("", "-")
]


@pytest.mark.parametrize(("path", "ordering"), CASES)
def test_cursor_walk_sees_every_row_once_in_order(world: World, path: str, ordering: str) -> None:
    _seed_ties(world, path)
    resource, _ = RESOURCES[path]
    field = ordering.removeprefix("-")
    expected = _expected(visible_to(world.admin, resource.model), ordering)
    values = list(resource.model._default_manager.values_list(field, flat=True))
    assert len(set(values)) < len(values), "the data must have ties in the sort field"

    walked = _walk(world, "admin", path, 3, ordering=ordering)

    assert len(walked) == len(set(walked))
    assert walked == expected
    assert _offset_walk(world, "admin", path, 3, ordering=ordering) == expected


def test_the_default_ordering_is_the_resource_default(world: World) -> None:
    _seed_ties(world, "accounts")

    assert _walk(world, "admin", "accounts", 4) == _expected(visible_to(world.admin, records.accounts.model), "name")
    assert _walk(world, "admin", "deals", 4) == _expected(visible_to(world.admin, Deal), "-created_at")


def test_pages_hold_only_what_the_member_may_see(world: World) -> None:
    _seed_ties(world, "deals", count=9)

    for who in ("seller", "seller2", "manager", "loner", "intern"):
        member: Member = world.members[who]
        assert _walk(world, who, "deals", 2, ordering="amount") == _expected(visible_to(member, Deal), "amount")
    assert _walk(world, "outsider", "deals", 2) == []


def test_filters_and_cursor_page_together(world: World) -> None:
    _seed_ties(world, "deals", count=9)
    expected = _expected(visible_to(world.admin, Deal).filter(amount__gte=50), "-name")

    assert _walk(world, "admin", "deals", 2, ordering="-name", amount_min="50") == expected


def test_a_page_ending_exactly_at_the_last_row_has_no_next_cursor(world: World) -> None:
    total = visible_to(world.admin, Deal).count()

    body = world.api("admin").get("deals", limit=total).json()

    assert len(body["items"]) == total and body["next_cursor"] is None


def test_long_non_ascii_sort_values_still_page(world: World) -> None:
    for _ in range(3):
        DealFactory(actor=world.admin, name="é" * 200)  # cursors carry the value: 400 bytes of UTF-8

    walked = _walk(world, "admin", "deals", 1, ordering="name")

    assert walked == _expected(visible_to(world.admin, Deal), "name")


def test_limit_defaults_to_50_and_stops_at_200(world: World) -> None:
    for i in range(51):
        ActivityFactory(actor=world.admin, subject=f"Call {i}")
    api = world.api("admin")

    assert len(api.get("activities").json()["items"]) == 50
    assert len(api.get("activities", limit=200).json()["items"]) == 51
    assert len(api.get("activities", limit=1).json()["items"]) == 1
    assert_problem(api.get("activities", limit=201), 422, "limit")
    assert_problem(api.get("activities", limit=0), 422, "limit")


def test_offset_past_the_end_is_an_empty_page(world: World) -> None:
    body = world.api("admin").get("deals", offset=1000).json()

    assert body == {"items": [], "next_cursor": None, "next_offset": None}


def test_the_event_log_pages_newest_first_without_gaps(world: World) -> None:
    with clock.frozen_at(T0):  # many events share one moment
        for _ in range(4):
            DealFactory(actor=world.seller)
    expected = list(events_visible_to(world.seller).order_by("-occurred_at", "-id").values_list("id", flat=True))

    walked = _walk(world, "seller", "events", 3)

    assert walked == expected
    assert len(walked) == len(set(walked)) > 6
