"""Usage heartbeats merge into intervals (SPEC D14), and the system usage widget sums them."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.core.errors import PermissionDenied
from rapport.events.models import Event
from rapport.intake.models import UsageInterval
from rapport.intake.services import usage_heartbeat, usage_interval_record

from ..analytics.support import at, moment, rows_by_key, unchanged, widget


def beat(api, when):
    with moment(when):
        response = api.post("intake/usage/heartbeat")
    assert response.status_code == 200, response.content
    return response.json()


def test_heartbeats_30_seconds_apart_make_one_interval(api_as, seller):
    api = api_as(seller)
    first = beat(api, at(2025, 3, 12, 9, 0, 0))
    assert first["seconds"] == 30 and first["member"] == seller.pk
    for second in (30, 60, 90):
        last = beat(api, at(2025, 3, 12, 9, 0, 0) + dt.timedelta(seconds=second))
    assert UsageInterval.objects.count() == 1
    assert last["seconds"] == 120 and last["started_at"] == "2025-03-12T07:59:30Z"
    assert Event.objects.filter(object_type="usageinterval").count() == 1  # only the start is logged


def test_a_repeated_or_late_heartbeat_changes_nothing(api_as, seller):
    api = api_as(seller)
    beat(api, at(2025, 3, 12, 9, 0, 30))
    interval = UsageInterval.objects.get()
    with moment(at(2025, 3, 12, 9, 0, 30)):
        usage_heartbeat(actor=seller)
    with moment(at(2025, 3, 12, 9, 0, 10)):  # an older beat arriving late
        usage_heartbeat(actor=seller)
    interval.refresh_from_db()
    assert (interval.ended_at - interval.started_at).total_seconds() == 30
    assert UsageInterval.objects.count() == 1


def test_a_pause_longer_than_a_heartbeat_starts_a_new_interval(api_as, seller, seller2):
    api = api_as(seller)
    beat(api, at(2025, 3, 12, 9, 0, 0))
    beat(api, at(2025, 3, 12, 9, 0, 40))  # 40 s later: within 30 s + 15 s tolerance
    beat(api, at(2025, 3, 12, 9, 5, 0))  # the window was blurred or offline meanwhile
    beat(api_as(seller2), at(2025, 3, 12, 9, 5, 0))
    assert [(i.member_id, round((i.ended_at - i.started_at).total_seconds())) for i in UsageInterval.objects.order_by("member_id", "started_at")] == [
        (seller.pk, 70), (seller.pk, 30), (seller2.pk, 30),
    ]


def test_recording_an_interval_is_for_the_member_their_managers_and_admins(seller, seller2, manager, admin):
    start, end = at(2025, 3, 1, 9), at(2025, 3, 1, 10)
    with unchanged():
        with pytest.raises(PermissionDenied):
            usage_interval_record(actor=seller2, member=seller, started_at=start, ended_at=end)
    usage_interval_record(actor=manager, member=seller, started_at=start, ended_at=end)
    usage_interval_record(actor=admin, member=seller, started_at=end, ended_at=end + dt.timedelta(minutes=30))
    assert UsageInterval.objects.get().ended_at == end + dt.timedelta(minutes=30)  # touching stretches merged


def test_system_usage_counts_hours_inside_the_period_and_compares(api_as, manager, seller, seller2, admin, outsider):
    def record(member, start, hours):
        usage_interval_record(actor=admin, member=member, started_at=start, ended_at=start + dt.timedelta(hours=hours))

    with moment(at(2025, 3, 20)):
        record(seller, at(2025, 3, 11, 9), 2)  # previous day
        record(seller, at(2025, 3, 12, 9), 3)
        record(seller, at(2025, 3, 12, 23), 2)  # one hour on the 12th, one on the 13th
        record(seller2, at(2025, 3, 12, 14), 1.5)
    day = {"period": "custom", "start": "2025-03-12", "end": "2025-03-12"}
    data = widget(api_as(manager), "system_usage", **day)
    rows = rows_by_key(data)
    assert rows[f"member:{seller.pk}"]["value"] == 4.0
    assert rows[f"member:{seller.pk}"]["extra"]["previous"] == 2.0
    assert rows[f"member:{seller.pk}"]["extra"]["change_percent"] == 100.0
    assert rows[f"member:{seller2.pk}"]["value"] == 1.5
    assert data["number"]["value"] == 5.5 and data["number"]["previous"] == 2.0
    assert data["rows"][0]["key"] == f"member:{seller.pk}" and data["extra"]["unit"] == "hours"
    assert set(rows) == {f"member:{m.pk}" for m in (manager, seller, seller2)}  # the manager's team
    mine = widget(api_as(seller), "system_usage", **day)
    assert [r["key"] for r in mine["rows"]] == [f"member:{seller.pk}"] and mine["number"]["value"] == 4.0
    assert widget(api_as(admin), "system_usage", **day)["number"]["value"] == 5.5
    theirs = widget(api_as(outsider), "system_usage", **day)
    assert theirs["number"]["value"] == 0 and [r["key"] for r in theirs["rows"]] == [f"member:{outsider.pk}"]


def test_heartbeat_needs_a_signed_in_member(client, web_as, seller):
    assert client.post("/api/v1/intake/usage/heartbeat").status_code == 401
    with moment(at(2025, 3, 12, 9)):
        response = web_as(seller).post("/api/v1/intake/usage/heartbeat")  # the web app's own session
    assert response.status_code == 200
    assert UsageInterval.objects.get().member_id == seller.pk
