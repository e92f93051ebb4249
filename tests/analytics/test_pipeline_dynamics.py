"""Pipeline dynamics (SPEC D3) and won deals (D13) on hand-built histories with exact figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.records.models import Pipeline
from rapport.records.services import deal_mark_lost, deal_mark_won, deal_move, deal_reopen
from rapport.workspaces.rates import exchange_rate_set

from ..factories import DealFactory
from .support import UTC, at, listed, moment, rows_by_key, widget

DAY_12 = {"period": "custom", "start": "2025-03-12", "end": "2025-03-12"}
DAY_13 = {"period": "custom", "start": "2025-03-13", "end": "2025-03-13"}


@pytest.fixture
def history(seller, seller2, admin, stages):
    """Four deals of Acme (Europe/Madrid, UTC+1 in March 2025):

    d1 (seller, 1500): created 1 March in Incoming, moved to Qualification 12 March 23:59:59.
    d2 (seller, 1000): created 12 March 09:00, moved to Proposal 13 March 00:00:00.
    d3 (seller2, 2000): created 5 March, Qualification 6 March, lost 12 March 12:00.
    d4 (admin, 3000): created 2 March, won in Incoming 12 March 15:00.
    """
    incoming, qualification, proposal, _negotiation = stages
    with moment(at(2025, 3, 1, 10, 0)):
        d1 = DealFactory(actor=seller, amount=Decimal("1500"))
    with moment(at(2025, 3, 2, 10, 0)):
        d4 = DealFactory(actor=admin, amount=Decimal("3000"))
    with moment(at(2025, 3, 5, 10, 0)):
        d3 = DealFactory(actor=seller2, amount=Decimal("2000"))
    with moment(at(2025, 3, 6, 10, 0)):
        d3 = deal_move(actor=seller2, deal=d3, stage=qualification.pk)
    with moment(at(2025, 3, 12, 9, 0)):
        d2 = DealFactory(actor=seller, amount=Decimal("1000"))
    with moment(at(2025, 3, 12, 12, 0)):
        d3 = deal_mark_lost(actor=seller2, deal=d3, reason="Budget")
    with moment(at(2025, 3, 12, 15, 0)):
        d4 = deal_mark_won(actor=admin, deal=d4)
    with moment(at(2025, 3, 12, 23, 59, 59)):
        d1 = deal_move(actor=seller, deal=d1, stage=qualification.pk)
    with moment(at(2025, 3, 13, 0, 0, 0)):
        d2 = deal_move(actor=seller, deal=d2, stage=proposal.pk)
    return {"d1": d1, "d2": d2, "d3": d3, "d4": d4, "stages": stages}


def stage_figures(data, stage):
    return rows_by_key(data)[f"stage:{stage.pk}"]["extra"]


def test_a_move_counts_plus_on_the_new_stage_and_minus_on_the_old(api_as, manager, history, pipeline):
    incoming, qualification, proposal, negotiation = history["stages"]
    data = widget(api_as(manager), "pipeline_dynamics", pipeline=pipeline.pk, **DAY_12)
    assert data["key"] == "pipeline_dynamics" and data["currency"] == "EUR"
    assert data["period"]["start"] == "2025-03-11T23:00:00Z" and data["period"]["end"] == "2025-03-12T23:00:00Z"
    q = stage_figures(data, qualification)
    assert (q["entered_count"], q["entered_amount"], q["left_count"]) == (1, 1500, 0)
    assert (q["lost_count"], q["lost_amount"]) == (1, 2000)
    i = stage_figures(data, incoming)
    assert (i["entered_count"], i["left_count"], i["left_amount"], i["net_count"], i["net_amount"]) == (0, 1, 1500, -1, -1500)
    assert stage_figures(data, proposal)["entered_count"] == 0
    extra = data["extra"]
    assert extra["new"]["count"] == 1 and extra["new"]["amount"] == 1000
    assert extra["won"]["count"] == 1 and extra["won"]["amount"] == 3000
    assert data["number"]["value"] == 3000 and data["number"]["display"] == "€3,000.00"
    # Chart: New, the four stages, Won.
    entered = data["chart"]["datasets"][0]
    assert data["chart"]["labels"][0] == "New" and data["chart"]["labels"][-1] == "Won"
    assert entered["data"] == [1, 0, 1, 0, 0, 1]
    assert data["chart"]["datasets"][1]["data"] == [None, -1, 0, 0, 0, None]


def test_a_move_at_midnight_belongs_to_the_next_local_day(api_as, manager, history, pipeline):
    incoming, _qualification, proposal, _negotiation = history["stages"]
    day_13 = widget(api_as(manager), "pipeline_dynamics", pipeline=pipeline.pk, **DAY_13)
    assert stage_figures(day_13, proposal)["entered_count"] == 1
    assert stage_figures(day_13, incoming)["left_count"] == 1
    assert day_13["extra"]["new"]["count"] == 0 and day_13["extra"]["won"]["count"] == 0


def test_the_same_moves_fall_on_other_days_in_a_utc_workspace(api_as, outsider):
    """Globex keeps UTC: 13 March 00:00 Madrid is 12 March 23:00 UTC, so it is on the 12th."""
    pipeline = Pipeline.objects.get(workspace=outsider.workspace, name="Sales")
    incoming, qualification, proposal, _ = list(pipeline.stages.order_by("position"))
    with moment(at(2025, 3, 12, 9, 0)):
        deal = DealFactory(actor=outsider, amount=Decimal("1000"))
    with moment(at(2025, 3, 13, 0, 0, 0)):
        deal_move(actor=outsider, deal=deal, stage=proposal.pk)
    data = widget(api_as(outsider), "pipeline_dynamics", **DAY_12)
    assert data["period"]["start"] == "2025-03-12T00:00:00Z" and data["period"]["time_zone"] == "UTC"
    assert data["currency"] == "USD"
    assert stage_figures(data, proposal)["entered_count"] == 1
    assert widget(api_as(outsider), "pipeline_dynamics", **DAY_13)["extra"]["stages"][2]["entered_count"] == 0


def test_every_figure_links_to_a_list_of_the_same_deals(api_as, manager, history, pipeline):
    api = api_as(manager)
    data = widget(api, "pipeline_dynamics", pipeline=pipeline.pk, **DAY_12)
    _incoming, qualification, _proposal, _negotiation = history["stages"]
    q = stage_figures(data, qualification)
    assert listed(api, q["entered_link"]) == [history["d1"].pk]
    assert listed(api, q["lost_link"]) == [history["d3"].pk]
    assert listed(api, data["extra"]["won"]["link"]) == [history["d4"].pk]
    assert listed(api, data["extra"]["new"]["link"]) == [history["d2"].pk]
    assert listed(api, data["number"]["link"]) == [history["d4"].pk]
    for stage in data["extra"]["stages"]:
        assert len(listed(api, stage["entered_link"])) == stage["entered_count"]
        assert len(listed(api, stage["left_link"])) == stage["left_count"]
        assert len(listed(api, stage["lost_link"])) == stage["lost_count"]
    # The web list answers the same query parameters (the list page reads the same FilterSchema).
    assert "moved_to_stage=" in q["entered_link"] and q["entered_link"].startswith("/deals/?")


def test_a_seller_counts_only_the_deals_they_may_see(api_as, seller, seller2, history, pipeline):
    _incoming, qualification, _p, _n = history["stages"]
    mine = widget(api_as(seller), "pipeline_dynamics", pipeline=pipeline.pk, **DAY_12)
    assert stage_figures(mine, qualification)["entered_count"] == 1
    assert stage_figures(mine, qualification)["lost_count"] == 0
    assert mine["extra"]["won"]["count"] == 0 and mine["number"]["value"] == 0
    theirs = widget(api_as(seller2), "pipeline_dynamics", pipeline=pipeline.pk, **DAY_12)
    assert stage_figures(theirs, qualification)["lost_count"] == 1
    assert stage_figures(theirs, qualification)["entered_count"] == 0


def test_another_workspace_sees_nothing_and_cannot_name_the_pipeline(api_as, outsider, history, pipeline):
    api = api_as(outsider)
    response = api.get("dashboard/widgets/pipeline_dynamics", pipeline=pipeline.pk, **DAY_12)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "pipeline"
    theirs = widget(api, "pipeline_dynamics", **DAY_12)
    assert all(s["entered_count"] == 0 and s["lost_count"] == 0 for s in theirs["extra"]["stages"])
    assert theirs["extra"]["won"]["count"] == 0


def test_conversion_between_stages(api_as, manager, seller, stages, pipeline):
    incoming, qualification, proposal, negotiation = stages
    with moment(at(2025, 4, 1, 9)):
        deals = [DealFactory(actor=seller, amount=Decimal("100")) for _ in range(4)]
    with moment(at(2025, 4, 2, 9)):
        for d in deals[:3]:
            deal_move(actor=seller, deal=d, stage=qualification.pk)
    with moment(at(2025, 4, 3, 9)):
        deal_move(actor=seller, deal=deals[0], stage=proposal.pk)
    with moment(at(2025, 4, 4, 9)):
        deal_mark_won(actor=seller, deal=deals[0].__class__.objects.get(pk=deals[0].pk))
    data = widget(api_as(manager), "pipeline_dynamics", pipeline=pipeline.pk, period="custom", start="2025-04-01", end="2025-04-30")
    conversion = {(c["from_stage"], c["to_stage"]): c for c in data["extra"]["conversion"]}
    assert conversion[(incoming.pk, qualification.pk)]["percent"] == 75.0  # 3 of 4
    assert conversion[(qualification.pk, proposal.pk)]["percent"] == pytest.approx(33.3)  # 1 of 3
    assert conversion[(proposal.pk, negotiation.pk)]["percent"] == 100.0  # won skips Negotiation
    assert conversion[(negotiation.pk, "won")]["percent"] == 100.0
    assert data["extra"]["won_rate"] == 25.0


def test_reopened_and_lost_again_counts_each_loss(api_as, manager, seller, stages, pipeline):
    with moment(at(2025, 5, 5, 9)):
        deal = DealFactory(actor=seller, amount=Decimal("700"))
    for hour in (10, 12):
        with moment(at(2025, 5, 5, hour)):
            deal = deal_mark_lost(actor=seller, deal=deal, reason="No")
        with moment(at(2025, 5, 5, hour + 1)):
            deal = deal_reopen(actor=seller, deal=deal)
    data = widget(api_as(manager), "pipeline_dynamics", pipeline=pipeline.pk, period="custom", start="2025-05-05", end="2025-05-05")
    assert stage_figures(data, stages[0])["lost_count"] == 2
    assert stage_figures(data, stages[0])["entered_count"] == 0  # reopening is not a move


def test_amounts_are_converted_with_the_rate_of_the_day_and_missing_rates_are_reported(api_as, admin, seller, stages, pipeline):
    with moment(at(2025, 6, 1, 9)):
        exchange_rate_set(actor=admin, currency="USD", rate="0.90", valid_from="2025-06-01")
        exchange_rate_set(actor=admin, currency="USD", rate="0.80", valid_from="2025-06-10")
        usd = DealFactory(actor=seller, amount=Decimal("1000"), currency="USD")
        gbp = DealFactory(actor=seller, amount=Decimal("500"), currency="GBP")
        eur = DealFactory(actor=seller, amount=Decimal("100"))
    with moment(at(2025, 6, 9, 23, 30)):  # 9 June local: the 0.90 rate
        deal_move(actor=seller, deal=usd, stage=stages[1].pk)
        deal_move(actor=seller, deal=gbp, stage=stages[1].pk)
        deal_move(actor=seller, deal=eur, stage=stages[1].pk)
    data = widget(api_as(admin), "pipeline_dynamics", pipeline=pipeline.pk, period="custom", start="2025-06-09", end="2025-06-09")
    q = stage_figures(data, stages[1])
    assert q["entered_count"] == 3
    assert q["entered_amount"] == 900 + 100  # GBP has no rate: left out, not counted at 1
    assert data["extra"]["unconverted"] == 2  # the GBP move in and out
    assert data["extra"]["missing_rates"] == [{"currency": "GBP", "rows": 2}]
    with moment(at(2025, 6, 10, 0, 30)):  # 10 June local: the 0.80 rate
        deal_mark_won(actor=seller, deal=usd.__class__.objects.get(pk=usd.pk))
    won = widget(api_as(admin), "won_deals", period="custom", start="2025-06-10", end="2025-06-10")
    assert won["number"]["value"] == 1 and won["extra"]["amount"] == 800


def test_won_deals_per_owner_and_day(api_as, manager, seller, seller2, admin):
    with moment(at(2025, 7, 1, 9)):
        a = DealFactory(actor=seller, amount=Decimal("1000"))
        b = DealFactory(actor=seller, amount=Decimal("500"))
        c = DealFactory(actor=seller2, amount=Decimal("250"))
        old = DealFactory(actor=seller2, amount=Decimal("9999"))
    with moment(at(2025, 7, 2, 10)):
        deal_mark_won(actor=seller, deal=a)
        deal_mark_won(actor=seller2, deal=c)
    with moment(at(2025, 7, 3, 23, 59, 59)):
        deal_mark_won(actor=seller, deal=b)
    with moment(at(2025, 7, 4, 0, 0, 0)):
        deal_mark_won(actor=seller2, deal=old)
    api = api_as(manager)
    data = widget(api, "won_deals", period="custom", start="2025-07-02", end="2025-07-03")
    assert data["number"]["value"] == 3 and data["extra"]["amount"] == 1750
    rows = rows_by_key(data)
    assert rows[f"member:{seller.pk}"]["value"] == 2 and rows[f"member:{seller.pk}"]["extra"]["amount"] == 1500
    assert rows[f"member:{seller2.pk}"]["value"] == 1
    assert data["rows"][0]["key"] == f"member:{seller.pk}"  # the larger sum first
    assert data["chart"]["datasets"][0]["data"] == [1250, 500]
    assert sorted(listed(api, data["number"]["link"])) == sorted([a.pk, b.pk, c.pk])
    assert listed(api, rows[f"member:{seller2.pk}"]["link"]) == [c.pk]
    # The seller sees their own two only.
    assert widget(api_as(seller), "won_deals", period="custom", start="2025-07-02", end="2025-07-03")["number"]["value"] == 2


def test_the_previous_period_is_the_same_number_of_days_before(api_as, manager, seller):
    with moment(at(2025, 8, 1, 9)):
        a, b = DealFactory(actor=seller), DealFactory(actor=seller)
    with moment(at(2025, 8, 3, 9)):
        deal_mark_won(actor=seller, deal=a)
    with moment(at(2025, 8, 5, 9)):
        deal_mark_won(actor=seller, deal=b)
    data = widget(api_as(manager), "won_deals", period="custom", start="2025-08-05", end="2025-08-06")
    assert data["number"]["value"] == 1 and data["number"]["previous"] == 1 and data["number"]["change_percent"] == 0.0
    assert data["period"]["end"] == at(2025, 8, 7).astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_several_figures_in_one_query_equal_one_query_each(admin, seller, stages):
    """money_by_each groups by every figure's field at once: each figure adds up as money_by's."""
    from rapport.analytics.widgets.common import money_by, money_by_each
    from rapport.records.filters import stage_change_q
    from rapport.records.models import StageChange

    with moment(at(2025, 6, 1, 9)):
        exchange_rate_set(actor=admin, currency="USD", rate="0.91234567", valid_from="2025-06-01")
        exchange_rate_set(actor=admin, currency="USD", rate="0.80", valid_from="2025-06-03")
        deals = [
            DealFactory(actor=seller, amount=Decimal(amount), currency=currency)
            for amount, currency in [("1000.01", "USD"), ("333.33", "USD"), ("500", "GBP"), ("100.10", "EUR"), ("7", "EUR")]
        ]
    for day, hour in ((2, 10), (3, 23)):
        with moment(at(2025, 6, day, hour)):
            for d in deals[day - 2::2]:
                deal_move(actor=seller, deal=d.__class__.objects.get(pk=d.pk), stage=stages[day - 1].pk)
    with moment(at(2025, 6, 4, 9)):
        deal_mark_won(actor=seller, deal=deals[0].__class__.objects.get(pk=deals[0].pk))
        deal_mark_lost(actor=seller, deal=deals[1].__class__.objects.get(pk=deals[1].pk), reason="No")
    ws = admin.workspace
    changes = StageChange.objects.filter(workspace=ws)
    ps = [s.pk for s in stages]
    parts = {
        "entered": (stage_change_q("entered", pipeline_stages=ps), "to_stage"),
        "left": (stage_change_q("left", pipeline_stages=ps), "from_stage"),
        "lost": (stage_change_q("lost", pipeline_stages=ps), "to_stage"),
        "won": (stage_change_q("won", pipeline_stages=ps), None),
        "new": (stage_change_q("new", pipeline_stages=ps), None),
    }
    together = money_by_each(changes, ws, parts)
    for name, (q, group) in parts.items():
        alone = money_by(changes.filter(q), ws, group)
        assert together[name].groups == alone.groups, name
        assert together[name].missing_rates == alone.missing_rates, name
    assert together["entered"].total.count == 5 and together["new"].total.count == 5
    assert together["new"].missing_rates == [{"currency": "GBP", "rows": 1}]
    by_both = money_by_each(changes, ws, {"stage": (None, "to_stage"), "all": (None, None)})
    assert by_both["stage"].groups == money_by(changes, ws, "to_stage").groups
    assert by_both["all"].groups == money_by(changes, ws, None).groups
