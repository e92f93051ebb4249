"""Property: for any history of moves, pipeline dynamics per stage is the net of entries and exits.

Hypothesis draws deals, amounts and a sequence of moves (across two pipelines), wins, losses,
reopenings and amount changes at random moments over three days, some exactly at local midnight
or one second before it. The history is written through the services; the widget's figures for
a random window of days must equal the entries and exits counted (a) from the script that made
the history and (b) straight from the stage-change rows, in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.analytics.periods import resolve_period
from rapport.analytics.widgets import Params, compute
from rapport.core import clock
from rapport.records import services
from rapport.records.models import Deal, StageChange

from ..factories import DealFactory
from .support import at

BASE = at(2025, 3, 10)  # Monday 10 March 2025, 00:00 in Madrid
SECONDS = st.one_of(st.integers(0, 3 * 86400 - 1), st.sampled_from([86399, 86400, 172799, 172800, 0, 259199]))
STEP = st.tuples(
    st.integers(0, 3),  # which deal
    st.sampled_from(["move", "move", "move", "won", "lost", "reopen", "amount"]),
    st.integers(0, 5),  # target stage index among both pipelines' stages
    SECONDS,
    st.integers(1, 50),  # new amount, in hundreds
)


@pytest.fixture
def two_pipelines(admin, pipeline, stages):
    renewals = services.pipeline_create(actor=admin, data={"name": "Renewals"}, stages=[{"name": "Due"}, {"name": "Quoted"}])
    return [pipeline, renewals], [*stages, *renewals.stages.order_by("position")]


def apply(seller, deals, all_stages, steps):
    """Write the steps through the services; return the moves the script made (independent of the rows)."""
    moves = []  # (when, from_stage, to_stage, amount)
    for deal_index, action, target, offset, amount in sorted(steps, key=lambda s: s[3]):
        deal = Deal.objects.get(pk=deals[deal_index % len(deals)].pk)
        when = BASE + dt.timedelta(seconds=offset)
        with clock.frozen_at(when):
            if action == "move" and deal.status == "open":
                stage = all_stages[target]
                if stage.pk == deal.stage_id:
                    continue
                services.deal_move(actor=seller, deal=deal, stage=stage.pk, pipeline=stage.pipeline_id)
                moves.append((when, deal.stage_id, stage.pk, deal.amount))
            elif action in ("won", "lost") and deal.status == "open":
                if action == "won":
                    services.deal_mark_won(actor=seller, deal=deal)
                else:
                    services.deal_mark_lost(actor=seller, deal=deal, reason="r")
            elif action == "reopen" and deal.status != "open":
                services.deal_reopen(actor=seller, deal=deal)
            elif action == "amount":
                services.deal_update(actor=seller, deal=deal, data={"amount": Decimal(amount * 100)})
    return moves


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    amounts=st.lists(st.integers(1, 90), min_size=1, max_size=4),
    steps=st.lists(STEP, min_size=1, max_size=12),
    first_day=st.integers(0, 2),
    length=st.integers(1, 3),
)
def test_dynamics_per_stage_is_the_net_of_entries_and_exits(admin, seller, two_pipelines, amounts, steps, first_day, length):
    pipelines, all_stages = two_pipelines
    with transaction.atomic():
        with clock.frozen_at(BASE - dt.timedelta(days=1)):
            deals = [DealFactory(actor=seller, amount=Decimal(a * 100)) for a in amounts]
        moves = apply(seller, deals, all_stages, steps)
        start = (BASE + dt.timedelta(days=first_day)).date()
        end = start + dt.timedelta(days=length - 1)
        period = resolve_period("custom", time_zone="Europe/Madrid", at=BASE, start=start, end=end)
        in_window = [m for m in moves if period.start <= m[0] < period.end]

        by_script = defaultdict(lambda: [0, Decimal(0)])
        for _when, from_stage, to_stage, amount in in_window:
            by_script[to_stage][0] += 1
            by_script[to_stage][1] += amount
            by_script[from_stage][0] -= 1
            by_script[from_stage][1] -= amount

        by_rows = defaultdict(lambda: [0, Decimal(0)])
        for change in StageChange.objects.filter(changed_at__gte=period.start, changed_at__lt=period.end):
            if change.from_stage_id is not None and change.from_stage_id != change.to_stage_id:
                by_rows[change.to_stage_id][0] += 1
                by_rows[change.to_stage_id][1] += change.amount
                by_rows[change.from_stage_id][0] -= 1
                by_rows[change.from_stage_id][1] -= change.amount

        for pipeline in pipelines:
            params = Params(workspace=admin.workspace, pipeline=pipeline)
            data = compute(admin, "pipeline_dynamics", period, params)
            for figures in data["extra"]["stages"]:
                stage = figures["stage"]
                expected = by_script.get(stage, [0, Decimal(0)])
                assert figures["net_count"] == expected[0] == by_rows.get(stage, [0, 0])[0]
                assert Decimal(str(figures["net_amount"])) == expected[1] == by_rows.get(stage, [0, Decimal(0)])[1]
                assert figures["entered_count"] - figures["left_count"] == figures["net_count"]
        transaction.set_rollback(True)
