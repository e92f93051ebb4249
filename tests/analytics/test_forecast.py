"""Sales forecast (SPEC D10): rates from the workspace's own history, expected values, band, back-test."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from rapport.records.models import Deal
from rapport.records.services import deal_mark_lost, deal_mark_won, deal_move

from ..factories import DealFactory
from .support import at, listed, moment, rows_by_key, widget

NOW = at(2025, 6, 1, 12)


def smoothed(won: int, entries: int, probability: float) -> float:
    return (won + 5 * probability) / (entries + 5)


@pytest.fixture
def history(seller, stages):
    """Four deals made 5 Jan, moved to Proposal 10 Jan: two won 20 Jan, two lost 20 Feb.

    One more made 15 Dec 2024 and won 10 Feb 2025 (open at the start of Q1: the back-test).
    Open now: 2000 in Incoming and 1000 in Proposal, both made in the last 30 days.
    """
    incoming, _qualification, proposal, _negotiation = stages
    with moment(at(2024, 12, 15, 9)):
        slow = DealFactory(actor=seller, amount=Decimal("4000"))
    with moment(at(2025, 1, 5, 9)):
        old = [DealFactory(actor=seller, amount=Decimal("100")) for _ in range(4)]
    with moment(at(2025, 1, 10, 9)):
        for d in old:
            deal_move(actor=seller, deal=d, stage=proposal.pk)
    with moment(at(2025, 1, 20, 9)):
        for d in old[:2]:
            deal_mark_won(actor=seller, deal=Deal.objects.get(pk=d.pk))
    with moment(at(2025, 2, 10, 9)):
        deal_mark_won(actor=seller, deal=slow)
    with moment(at(2025, 2, 20, 9)):
        for d in old[2:]:
            deal_mark_lost(actor=seller, deal=Deal.objects.get(pk=d.pk), reason="Lost")
    with moment(at(2025, 5, 25, 9)):
        fresh = DealFactory(actor=seller, amount=Decimal("2000"))
        late = DealFactory(actor=seller, amount=Decimal("1000"))
    with moment(at(2025, 5, 26, 9)):
        deal_move(actor=seller, deal=late, stage=proposal.pk)
    return {"incoming": incoming, "proposal": proposal, "fresh": fresh, "late": late}


def test_expected_values_from_the_stage_history(api_as, manager, history):
    incoming, proposal = history["incoming"], history["proposal"]
    with moment(NOW):
        data = widget(api_as(manager), "forecast")
    p_incoming = smoothed(2, 5, 0.10)  # 5 entries (the Dec deal's was not won within 30 days)
    p_proposal = smoothed(2, 4, 0.50)
    extra = data["extra"]
    assert extra["horizon_days"] == 30 and extra["open_count"] == 2 and extra["open_amount"] == 3000
    assert extra["expected_count"] == round(p_incoming + p_proposal, 2)
    assert extra["expected_amount"] == round(2000 * p_incoming + 1000 * p_proposal, 2)
    assert data["number"]["value"] == round(2000 * p_incoming + 1000 * p_proposal, 2)
    variance = 2000**2 * p_incoming * (1 - p_incoming) + 1000**2 * p_proposal * (1 - p_proposal)
    assert extra["band"]["amount_high"] == round(min(3000, extra["expected_amount"] + 1.645 * math.sqrt(variance)), 2)
    assert extra["band"]["amount_low"] == round(max(0, extra["expected_amount"] - 1.645 * math.sqrt(variance)), 2)
    rows = rows_by_key(data)
    assert rows[f"stage:{incoming.pk}"]["extra"]["history_entries"] == 5
    assert rows[f"stage:{incoming.pk}"]["extra"]["history_won"] == 2
    assert rows[f"stage:{proposal.pk}"]["extra"]["win_rate"] == round(p_proposal * 100, 1)
    assert listed(api_as(manager), rows[f"stage:{proposal.pk}"]["link"]) == [history["late"].pk]
    chart = data["chart"]
    assert chart["type"] == "line" and chart["labels"][0] == "7 days"
    assert [d["style"] for d in chart["datasets"]] == ["primary", "band-low", "band-high"]
    assert all(lo <= mid <= hi for lo, mid, hi in zip(chart["datasets"][1]["data"], chart["datasets"][0]["data"], chart["datasets"][2]["data"], strict=True))


def test_backtest_compares_last_quarters_forecast_with_what_was_won(api_as, manager, history):
    with moment(NOW):
        backtest = widget(api_as(manager), "forecast")["extra"]["backtest"]
    # At 1 January only the December deal was open; no history was 90 days old yet: the prior, 10%.
    assert backtest["quarter_start"] == "2025-01-01" and backtest["quarter_end"] == "2025-03-31"
    assert backtest["open_deals"] == 1
    assert backtest["forecast_amount"] == 400.0 and backtest["actual_amount"] == 4000.0
    assert backtest["actual_count"] == 1 and backtest["error_percent"] == -90.0
    assert backtest["within_band"] is False


def test_the_horizon_and_time_travel(api_as, manager, history):
    api = api_as(manager)
    with moment(NOW):
        week = widget(api, "forecast", days=7)
        before = widget(api, "forecast", as_of="2025-05-25T12:00:00+02:00")
        bad = api.get("dashboard/widgets/forecast", days=0)
    assert week["extra"]["horizon_days"] == 7
    assert before["extra"]["open_count"] == 2 and before["extra"]["open_amount"] == 3000  # both open in Incoming then
    assert all(r["link"] is None for r in before["rows"])
    assert bad.status_code == 422


def test_a_seller_and_another_workspace(api_as, seller2, outsider, history):
    with moment(NOW):
        theirs = widget(api_as(seller2), "forecast")
        foreign = widget(api_as(outsider), "forecast")
    assert theirs["extra"]["open_count"] == 0 and theirs["extra"]["expected_amount"] == 0
    assert foreign["extra"]["open_count"] == 0 and foreign["rows"] == []


def test_open_amounts_in_other_currencies_use_the_days_rate_and_missing_rates_are_reported(api_as, admin, seller, stages):
    """Open deals convert at the rate valid on the forecast's day; a currency with no rate is left out."""
    from rapport.workspaces.rates import exchange_rate_set

    incoming = stages[0]
    with moment(at(2025, 5, 20, 9)):
        exchange_rate_set(actor=admin, currency="USD", rate="0.90", valid_from="2025-05-01")
        exchange_rate_set(actor=admin, currency="USD", rate="0.80", valid_from="2025-06-02")  # after NOW: not used
        DealFactory(actor=seller, amount=Decimal("1000.10"), currency="USD")
        DealFactory(actor=seller, amount=Decimal("300.05"), currency="USD")
        DealFactory(actor=seller, amount=Decimal("500"), currency="GBP")
        DealFactory(actor=seller, amount=Decimal("100"))
    with moment(NOW):
        data = widget(api_as(admin), "forecast")
    extra = data["extra"]
    assert extra["open_count"] == 4
    assert extra["open_amount"] == 1270.14  # 1300.15 USD at 0.90 is 1170.135, plus 100 EUR, to cents
    assert extra["unconverted"] == 1 and extra["missing_rates"] == [{"currency": "GBP", "rows": 1}]
    p = smoothed(0, 0, 0.10)  # no history: the stage's probability
    assert extra["expected_amount"] == round(1270.14 * p, 2)
    variance = (900.09**2 + 270.045**2 + 100.0**2) * p * (1 - p)
    assert extra["band"]["amount_high"] == round(min(1270.14, 1270.14 * p + 1.645 * math.sqrt(variance)), 2)
    assert rows_by_key(data)[f"stage:{incoming.pk}"]["extra"]["open_count"] == 4
