"""The demo's intake part (core/management/demo/intake.py), built small: every dashboard widget has data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.analytics.models import Goal
from rapport.analytics.periods import resolve_period
from rapport.analytics.widgets import REGISTRY, Params, compute
from rapport.core.management.demo import activities, build_demo, builder, intake
from rapport.events.models import Event, EventType
from rapport.intake.models import Conversation, Message, UsageInterval
from rapport.records.models import Activity
from rapport.workspaces.models import ExchangeRate, Member


@pytest.fixture
def small_demo(db, monkeypatch):
    # The same plan, a tenth of the size: what matters here is that each part is there.
    for module, name, value in (
        (builder, "ACCOUNTS", 40), (builder, "LEADS", 40), (builder, "DIRECT_DEALS", 30), (activities, "ACTIVITIES", 120),
        (intake, "CALLS", 25), (intake, "CHATS", 15), (intake, "USAGE_DAYS", 5),
    ):
        monkeypatch.setattr(module, name, value)
    return build_demo(slug="small", seed=3, now=timezone.now())


def test_the_demo_fills_the_intake_and_the_dashboard(small_demo):
    workspace = small_demo.workspace
    calls = Activity.objects.filter(workspace=workspace, kind="call").exclude(external_id="")
    assert calls.count() == 25 and calls.exclude(contact=None).count() == 25  # every number matched its contact
    assert Conversation.objects.filter(workspace=workspace).count() == 15
    assert Message.objects.filter(workspace=workspace, direction="outbound", response_seconds__isnull=False).exists()
    assert Conversation.objects.filter(workspace=workspace).exclude(closed_at=None).exists()
    assert UsageInterval.objects.filter(workspace=workspace).exists()
    assert Goal.objects.filter(workspace=workspace, scope="team").count() == 6  # 3 managers, 2 months
    assert set(ExchangeRate.objects.filter(workspace=workspace).values_list("currency", flat=True)) == {"USD", "GBP", "PLN", "CHF"}
    assert Event.objects.filter(workspace=workspace, object_type="message", event_type=EventType.CREATED, actor_kind="api").exists()
    assert not Event.objects.filter(workspace=workspace, occurred_at__gt=timezone.now()).exists()

    # Every widget answers on it, and the usage of the last days shows.
    admin = Member.objects.select_related("user", "role", "workspace").get(workspace=small_demo.workspace, user__username__startswith="admin@")
    now = timezone.now()
    period = resolve_period("month", time_zone=admin.workspace.time_zone, at=now)
    for key in REGISTRY:
        data = compute(admin, key, period, Params(workspace=admin.workspace, now=now))
        assert data["key"] == key
    usage = compute(admin, "system_usage", resolve_period("custom", time_zone="Europe/Berlin", at=now,
                                                             start=(now - dt.timedelta(days=8)).date(), end=now.date()), Params(workspace=admin.workspace))
    assert usage["number"]["value"] > 0
