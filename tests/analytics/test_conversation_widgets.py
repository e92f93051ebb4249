"""NPS (SPEC D15), messages (D16) and response time (D17), from chat intake written through its services."""

from __future__ import annotations

import datetime as dt

from rapport.intake.models import Conversation
from rapport.intake.services import chat_message_receive, conversation_close, conversation_rate

from ..factories import ActivityFactory, LeadFactory
from .support import at, listed, moment, rows_by_key, widget

DAY = {"period": "custom", "start": "2025-03-12", "end": "2025-03-12"}


def message(actor, when, conversation, direction="inbound", channel="whatsapp", author=None, text="hola"):
    with moment(when):
        msg, _ = chat_message_receive(actor=actor, data={
            "channel": channel, "conversation_external_id": conversation, "direction": direction, "text": text,
            "author": author.pk if author else None,
        })
    return msg


def closed_and_rated(admin, owner, name, rating, when):
    msg = message(admin, when, name, direction="outbound", author=owner)
    with moment(when + dt.timedelta(minutes=5)):
        conversation = conversation_close(actor=owner, conversation=msg.conversation)
    with moment(when + dt.timedelta(minutes=6)):
        conversation_rate(actor=admin, conversation=conversation, rating=rating)
    return conversation


def test_nps_is_promoters_minus_detractors(api_as, admin, manager, seller, seller2):
    for i, rating in enumerate((10, 9, 8, 3, 6)):
        closed_and_rated(admin, seller, f"c{i}", rating, at(2025, 3, 12, 9 + i))
    closed_and_rated(admin, seller2, "late", 10, at(2025, 3, 12, 23, 50))  # rated 23:56: still the 12th
    closed_and_rated(admin, seller, "next", 0, at(2025, 3, 12, 23, 54))  # rated 00:00 on the 13th
    closed_and_rated(admin, seller, "before", 0, at(2025, 3, 11, 12))
    data = widget(api_as(manager), "nps", **DAY)
    extra = data["extra"]
    assert (extra["answers"], extra["promoters"], extra["passives"], extra["detractors"]) == (6, 3, 1, 2)
    assert data["number"]["value"] == round((3 - 2) / 6 * 100, 1) and data["number"]["display"] == "+16.7"
    assert data["number"]["previous"] == -100.0
    assert rows_by_key(data)["promoters"]["share"] == 50.0
    mine = widget(api_as(seller), "nps", **DAY)["extra"]
    assert (mine["answers"], mine["promoters"]) == (5, 2)
    assert widget(api_as(seller), "nps", period="custom", start="2025-03-20", end="2025-03-20")["number"] is None


def test_messages_incoming_per_source_outgoing_and_completed(api_as, admin, manager, seller, seller2):
    for hour in (9, 10, 11):
        message(admin, at(2025, 3, 12, hour), f"wa{hour}")
    message(admin, at(2025, 3, 12, 12), "tg1", channel="telegram")
    message(admin, at(2025, 3, 12, 13), "wa9", direction="outbound", author=seller)
    message(admin, at(2025, 3, 12, 14), "wa10", direction="outbound", author=seller)
    message(admin, at(2025, 3, 12, 15), "tg1", direction="outbound", author=seller2, channel="telegram")
    with moment(at(2025, 3, 12, 16)):
        ActivityFactory(actor=seller, kind="email", subject="Re: offer", direction="inbound", done_at=at(2025, 3, 12, 16))
        LeadFactory(actor=admin, source="web_form")
        conversation_close(actor=seller, conversation=Conversation.objects.get(external_id="wa9"))
    message(admin, at(2025, 3, 13, 9), "wa13")  # the next day
    api = api_as(manager)
    data = widget(api, "messages", **DAY)
    rows = rows_by_key(data)
    assert rows["in:whatsapp"]["value"] == 3 and rows["in:whatsapp"]["share"] == 100.0
    assert rows["in:telegram"]["value"] == 1 and rows["in:email"]["value"] == 1 and rows["in:web_form"]["value"] == 1
    assert rows[f"out:member:{seller.pk}"]["value"] == 2 and rows[f"out:member:{seller2.pk}"]["value"] == 1
    assert rows[f"completed:member:{seller.pk}"]["value"] == 1
    assert data["number"]["value"] == 6
    # Unanswered chats belong to the robot's inbox: a manager sees them, as the figures show.
    for key in ("in:telegram", "in:email", "in:web_form", f"out:member:{seller.pk}", f"completed:member:{seller.pk}"):
        assert len(listed(api, rows[key]["link"])) == rows[key]["value"], key
    assert len(listed(api, rows["in:whatsapp"]["link"])) == 3
    seller_view = rows_by_key(widget(api_as(seller), "messages", **DAY))
    assert "in:whatsapp" not in seller_view  # the customer wrote before anyone owned the chats: the robot's inbox
    assert (seller_view["in:email"]["value"], seller_view["in:web_form"]["value"]) == (1, 0)
    assert seller_view[f"out:member:{seller.pk}"]["value"] == 2 and f"out:member:{seller2.pk}" not in seller_view


def test_response_time_per_day_beside_the_previous_period(api_as, admin, manager, seller, seller2):
    message(admin, at(2025, 3, 12, 10, 0), "a")
    message(admin, at(2025, 3, 12, 10, 5), "a", direction="outbound", author=seller)  # 5 min
    message(admin, at(2025, 3, 13, 11, 0), "b")
    message(admin, at(2025, 3, 13, 11, 20), "b", direction="outbound", author=seller2)  # 20 min
    message(admin, at(2025, 3, 10, 9, 0), "c")
    message(admin, at(2025, 3, 10, 9, 10), "c", direction="outbound", author=seller)  # 10 min, previous period
    data = widget(api_as(manager), "response_time", period="custom", start="2025-03-12", end="2025-03-13")
    assert data["number"]["value"] == 12.5 and data["number"]["previous"] == 10.0 and data["number"]["change_percent"] == 25.0
    assert data["chart"]["labels"] == ["2025-03-12", "2025-03-13"]
    assert data["chart"]["datasets"][0]["data"] == [5.0, 20.0]
    assert data["chart"]["datasets"][1] == {"label": "Previous period", "data": [10.0, None], "links": None, "style": "muted"}
    assert data["extra"]["previous_labels"] == ["2025-03-10", "2025-03-11"]
    rows = rows_by_key(data)
    assert rows[f"member:{seller.pk}"]["value"] == 5.0 and rows[f"member:{seller2.pk}"]["value"] == 20.0
    assert widget(api_as(seller), "response_time", period="custom", start="2025-03-12", end="2025-03-13")["number"]["value"] == 5.0


def test_other_workspace_sees_no_conversations(api_as, admin, seller, outsider):
    closed_and_rated(admin, seller, "x", 10, at(2025, 3, 12, 9))
    api = api_as(outsider)
    assert widget(api, "nps", **DAY)["number"] is None
    assert widget(api, "messages", **DAY)["number"]["value"] == 0
    assert widget(api, "response_time", **DAY)["number"] is None
