"""Time travel (SPEC D19): widgets as they stood at a past moment, from the stage-change table and the event log."""

from __future__ import annotations

from decimal import Decimal

from rapport.analytics.history import deal_states_at, open_deals_at
from rapport.records.services import deal_mark_won, deal_move, deal_update

from ..factories import DealFactory
from .support import at, moment, rows_by_key, widget


def test_which_stage_each_deal_was_in(admin, seller, seller2, stages):
    incoming, qualification, proposal, _ = stages
    with moment(at(2025, 4, 1, 9)):
        deal = DealFactory(actor=seller, amount=Decimal("100"))
    with moment(at(2025, 4, 2, 9)):
        deal = deal_move(actor=seller, deal=deal, stage=qualification.pk)
    with moment(at(2025, 4, 3, 9)):
        deal = deal_move(actor=seller, deal=deal, stage=proposal.pk)
    with moment(at(2025, 4, 4, 9)):
        deal_mark_won(actor=seller, deal=deal)

    def stage_at(*when):
        return [(s.to_stage_id, s.to_status) for s in deal_states_at(admin, at(*when))]

    assert stage_at(2025, 4, 1, 8) == []  # not made yet
    assert stage_at(2025, 4, 1, 9) == [(incoming.pk, "open")]
    assert stage_at(2025, 4, 2, 12) == [(qualification.pk, "open")]
    assert stage_at(2025, 4, 3, 9) == [(proposal.pk, "open")]
    assert stage_at(2025, 4, 5) == [(proposal.pk, "won")]
    assert open_deals_at(admin, at(2025, 4, 5)).count() == 0 and open_deals_at(admin, at(2025, 4, 3, 12)).count() == 1
    assert deal_states_at(seller, at(2025, 4, 2, 12)).count() == 1
    assert deal_states_at(seller2, at(2025, 4, 2, 12)).count() == 0  # the past is read through today's permissions


def test_pipeline_dynamics_as_of_counts_only_what_had_happened(api_as, manager, seller, stages, pipeline):
    with moment(at(2025, 4, 7, 9)):
        a, b = DealFactory(actor=seller), DealFactory(actor=seller)
    with moment(at(2025, 4, 7, 10)):
        deal_move(actor=seller, deal=a, stage=stages[1].pk)
    with moment(at(2025, 4, 7, 16)):
        deal_move(actor=seller, deal=b, stage=stages[1].pk)
    with moment(at(2025, 4, 8, 9)):
        api = api_as(manager)
        now = widget(api, "pipeline_dynamics", pipeline=pipeline.pk, period="yesterday")
        noon = widget(api, "pipeline_dynamics", pipeline=pipeline.pk, period="today", as_of="2025-04-07T12:00:00+02:00")
    assert rows_by_key(now)[f"stage:{stages[1].pk}"]["value"] == 2
    assert rows_by_key(noon)[f"stage:{stages[1].pk}"]["value"] == 1  # "today" is 7 April, as seen at noon
    assert noon["period"]["start"] == "2025-04-06T22:00:00Z" and noon["as_of"] == "2025-04-07T10:00:00Z"
    assert noon["extra"]["new"]["count"] == 2


def test_won_deals_as_of_credits_the_owner_of_that_moment(api_as, admin, seller, seller2):
    with moment(at(2025, 4, 1, 9)):
        deal = DealFactory(actor=seller, amount=Decimal("500"))
    with moment(at(2025, 4, 10, 9)):
        deal = deal_mark_won(actor=seller, deal=deal)
    with moment(at(2025, 4, 20, 9)):
        # Reassigned after it was won (say, the seller left): the past keeps the owner it had.
        deal_update(actor=admin, deal=deal, data={"owner": seller2.pk})
    api = api_as(admin)
    with moment(at(2025, 4, 25, 9)):
        now = rows_by_key(widget(api, "won_deals", period="month"))
        then = rows_by_key(widget(api, "won_deals", period="month", as_of="2025-04-15T00:00:00+02:00"))
        before = widget(api, "won_deals", period="month", as_of="2025-04-09T00:00:00+02:00")
        march = widget(api, "won_deals", period="month", as_of="2025-03-15T00:00:00+01:00")
    assert list(now) == [f"member:{seller2.pk}"]
    assert list(then) == [f"member:{seller.pk}"] and then[f"member:{seller.pk}"]["link"] is None
    assert before["number"]["value"] == 0
    assert march["period"]["start"] == "2025-02-28T23:00:00Z" and march["number"]["value"] == 0
