"""Chat intake: messages, conversations, closing and rating (SPEC L9, D15-D17)."""

from __future__ import annotations

import pytest

from rapport.events.models import Event, EventType
from rapport.intake.models import Conversation, Message
from rapport.records.models import Activity

from ..analytics.support import at, moment, unchanged
from ..factories import ContactFactory

INBOUND = {
    "channel": "whatsapp",
    "conversation_external_id": "wa-chat-1",
    "external_id": "wa-msg-1",
    "direction": "inbound",
    "text": "Hola, ¿tienen stock?",
    "author_name": "Lucía",
    "customer_handle": "+34 600 111 222",
}


def send(api, when, **change):
    with moment(when):
        return api.post("intake/chat/messages", {**INBOUND, **change})


@pytest.fixture
def lucia(seller):
    return ContactFactory(actor=seller, first_name="Lucía", last_name="Pérez", phones=["+34600111222"])


def test_an_inbound_message_opens_a_conversation_and_an_activity(api_as, admin, lucia):
    response = send(api_as(admin), at(2025, 3, 12, 10))
    assert response.status_code == 201, response.content
    message = response.json()
    conversation = Conversation.objects.get(pk=message["conversation"])
    assert conversation.channel == "whatsapp" and conversation.contact_id == lucia.pk and conversation.owner_id is None
    assert conversation.customer_name == "Lucía" and conversation.closed_at is None
    activity = Activity.objects.get(pk=message["activity"])
    assert (activity.kind, activity.direction, activity.category, activity.contact_id) == ("message", "inbound", "whatsapp", lucia.pk)
    assert activity.owner_id is None and activity.body == "Hola, ¿tienen stock?"
    assert message["response_seconds"] is None
    created = Event.objects.get(object_type="message", object_id=message["id"])
    assert "Hola" not in str(created.after)  # the text stays out of the shared event log
    assert Event.objects.filter(object_type="conversation", object_id=conversation.pk, event_type=EventType.CREATED).exists()


def test_a_repeated_message_id_returns_the_stored_message(api_as, admin):
    api = api_as(admin)
    first = send(api, at(2025, 3, 12, 10)).json()
    again = send(api, at(2025, 3, 12, 10, 5))
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert Message.objects.count() == 1 and Activity.objects.filter(kind="message").count() == 1


def test_the_first_member_to_reply_owns_the_conversation_and_reply_time_is_measured(api_as, admin, seller):
    api = api_as(admin)
    send(api, at(2025, 3, 12, 10, 0), external_id="m1")
    send(api, at(2025, 3, 12, 10, 2), external_id="m2", text="¿Hola?")
    reply = send(api, at(2025, 3, 12, 10, 7), external_id="m3", direction="outbound", author=seller.pk, text="¡Sí!").json()
    follow_up = send(api, at(2025, 3, 12, 10, 8), external_id="m4", direction="outbound", author=seller.pk, text="¿Algo más?").json()
    assert reply["response_seconds"] == 300  # from the customer's previous message, 10:02
    assert follow_up["response_seconds"] is None  # not a reply to anything new
    conversation = Conversation.objects.get(pk=reply["conversation"])
    assert conversation.owner_id == seller.pk
    assert Activity.objects.get(pk=reply["activity"]).owner_id == seller.pk
    later_inbound = send(api, at(2025, 3, 12, 11), external_id="m5", text="Gracias").json()
    assert Activity.objects.get(pk=later_inbound["activity"]).owner_id == seller.pk


def test_a_message_delivered_late_recomputes_the_reply_after_it(api_as, admin, seller):
    api = api_as(admin)
    send(api, at(2025, 3, 12, 10, 0), external_id="m1")
    reply = send(api, at(2025, 3, 12, 10, 10), external_id="m3", direction="outbound", author=seller.pk, text="ok").json()
    assert reply["response_seconds"] == 600
    send(api, at(2025, 3, 12, 10, 20), external_id="m2", sent_at="2025-03-12T10:06:00+01:00", text="late")
    assert Message.objects.get(pk=reply["id"]).response_seconds == 240


def test_an_inbound_message_reopens_a_closed_conversation(api_as, admin, seller):
    api = api_as(admin)
    message = send(api, at(2025, 3, 12, 10)).json()
    with moment(at(2025, 3, 12, 10, 30)):
        closed = api.post(f"intake/chat/conversations/{message['conversation']}/close")
    assert closed.status_code == 200 and closed.json()["closed_by"] == admin.pk and closed.json()["owner"] == admin.pk
    send(api, at(2025, 3, 12, 12), external_id="m2", text="Otra pregunta")
    conversation = Conversation.objects.get(pk=message["conversation"])
    assert conversation.closed_at is None
    assert Event.objects.filter(object_type="conversation", object_id=conversation.pk, event_type=EventType.REOPENED).exists()
    assert Event.objects.filter(object_type="conversation", object_id=conversation.pk, event_type=EventType.COMPLETED).count() == 1


def test_closing_twice_is_a_conflict(api_as, admin):
    api = api_as(admin)
    message = send(api, at(2025, 3, 12, 10)).json()
    url = f"intake/chat/conversations/{message['conversation']}/close"
    with moment(at(2025, 3, 12, 11)):
        assert api.post(url).status_code == 200
        with unchanged():
            assert api.post(url).status_code == 409


def test_rating_rules(api_as, admin):
    api = api_as(admin)
    conversation = send(api, at(2025, 3, 12, 10)).json()["conversation"]
    rate = f"intake/chat/conversations/{conversation}/rate"
    with moment(at(2025, 3, 12, 10, 10)):
        with unchanged():
            still_open = api.post(rate, {"rating": 9})
        api.post(f"intake/chat/conversations/{conversation}/close")
        with unchanged():
            too_high = api.post(rate, {"rating": 11})
            not_a_number = api.post(rate, {"rating": "nine"})
        rated = api.post(rate, {"rating": 9})
        same = api.post(rate, {"rating": 9})
        with unchanged():
            changed_mind = api.post(rate, {"rating": 3})
    assert still_open.status_code == 409
    assert too_high.status_code == 422 and too_high.json()["errors"][0]["field"] == "rating"
    assert not_a_number.status_code == 422
    assert rated.status_code == 200 and rated.json()["rating"] == 9 and rated.json()["rated_at"] == "2025-03-12T09:10:00Z"
    assert same.status_code == 200
    assert changed_mind.status_code == 409


def test_a_seller_sees_only_their_conversations(api_as, admin, seller, seller2):
    api = api_as(admin)
    theirs = send(api, at(2025, 3, 12, 10), direction="outbound", author=seller2.pk, external_id="x", text="hi").json()
    inbox = send(api, at(2025, 3, 12, 10), conversation_external_id="wa-2", external_id="y").json()
    seller_api = api_as(seller)
    assert seller_api.get(f"intake/chat/conversations/{theirs['conversation']}").status_code == 404
    assert seller_api.get(f"intake/chat/conversations/{inbox['conversation']}").status_code == 404  # unowned: the shared inbox
    with unchanged():
        assert seller_api.post(f"intake/chat/conversations/{theirs['conversation']}/close").status_code == 404
        hidden = send(seller_api, at(2025, 3, 12, 11), external_id="z")  # same channel id as seller2's chat
    assert hidden.status_code == 403
    assert api_as(seller2).get(f"intake/chat/conversations/{theirs['conversation']}").status_code == 200


def test_a_manager_sees_but_a_read_only_role_may_not_close(api_as, workspace, admin, seller):
    from ..records.helpers import member_with

    api = api_as(admin)
    conversation = send(api, at(2025, 3, 12, 10), direction="outbound", author=seller.pk, text="hi").json()["conversation"]
    viewer = member_with(workspace, "viewer@acme.test", {"activity": {"view": "all", "add": "all", "edit": "none", "delete": "none"}})
    viewer_api = api_as(viewer)
    assert viewer_api.get(f"intake/chat/conversations/{conversation}").status_code == 200
    with unchanged():
        assert viewer_api.post(f"intake/chat/conversations/{conversation}/close").status_code == 403


def test_other_workspaces_get_404(api_as, admin, outsider):
    conversation = send(api_as(admin), at(2025, 3, 12, 10)).json()["conversation"]
    api = api_as(outsider)
    with unchanged():
        assert api.get(f"intake/chat/conversations/{conversation}").status_code == 404
        assert api.post(f"intake/chat/conversations/{conversation}/close").status_code == 404
        assert api.post(f"intake/chat/conversations/{conversation}/rate", {"rating": 10}).status_code == 404
        by_id = send(api, at(2025, 3, 12, 11), conversation=conversation, conversation_external_id=None)
    assert by_id.status_code == 422 and by_id.json()["errors"][0]["field"] == "conversation"
    # The same channel id in another workspace is another conversation.
    assert send(api, at(2025, 3, 12, 11)).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"direction": "up"}, "direction"),
        ({"text": ""}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"conversation_external_id": None}, "conversation_external_id"),
        ({"sent_at": "2999-01-01T00:00:00Z"}, "sent_at"),
        ({"author": 1}, "author"),
        ({"contact": 2**62}, "contact"),
        ({"rating": 5}, "rating"),
    ],
)
def test_bad_messages_are_422_and_write_nothing(api_as, admin, change, field):
    api = api_as(admin)
    with unchanged():
        response = send(api, at(2025, 3, 12, 10), **change)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_departed_owners_chat_returns_to_the_shared_inbox(api_as, admin, seller):
    from rapport.workspaces.services import member_update

    api = api_as(admin)
    send(api, at(2025, 3, 12, 10), external_id="m1", direction="outbound", author=seller.pk, text="hi")
    member_update(actor=admin, member=seller, data={"is_active": False})
    response = send(api, at(2025, 3, 12, 11), external_id="m2")
    assert response.status_code == 201
    assert Activity.objects.get(pk=response.json()["activity"]).owner_id is None
