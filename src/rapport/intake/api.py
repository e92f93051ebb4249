"""The intake API at /api/v1/intake: telephony and chat webhooks, and the web app's usage heartbeat (SPEC L9, D14).

Every endpoint acts as the member the token belongs to (an integration usually gets a token of
its own member). Who may post what:

- calls and chat messages become activities, so posting needs the add permission for
  activities; a call may be filed under another member (`member`) and an outbound message
  written by another member (`author`) as far as that permission's scope allows;
- a conversation is answered, closed and rated by those who may see it (its owner's
  activities, see intake/selectors.py); closing needs the edit permission as well;
- a heartbeat only ever counts time for the member who sends it.

A repeated `external_id` answers 200 with the call or message already stored (201 the first time).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import AwareDatetime, Field

from rapport.api import schemas as s
from rapport.api.crud import actor_of
from rapport.records.models import Activity

from . import services
from .models import Channel, Conversation, Message
from .selectors import get_conversation

router = Router(tags=["intake"])

Url = Annotated[str, Field(max_length=500, pattern=r"^(https?://\S+)?$")]
PhoneOrEmpty = Annotated[str, Field(max_length=40, pattern=r"^(\+?[0-9 ()./-]{3,40})?$")]
Region = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]
ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]


class CallIn(s.In):
    external_id: s.Text(100, 1)
    direction: Literal["inbound", "outbound"]
    from_number: PhoneOrEmpty = ""
    to_number: PhoneOrEmpty = ""
    started_at: AwareDatetime | None = Field(None, description="When the call began (default: now).")
    duration_seconds: Annotated[int, Field(ge=0, le=86_400)] = 0
    recording_url: Url = ""
    member: s.Id | None = Field(None, description="The member whose call it is (default: the token's member).")
    contact: s.Id | None = Field(None, description="Link to this contact instead of matching the number.")
    lead: s.Id | None = None
    subject: s.Text(300, 1) | None = None
    region: Region | None = Field(None, description="Country for numbers written without +, e.g. DE.")


class CallOut(s.ActivityOut):
    external_id: str


class ChatMessageIn(s.In):
    channel: ChannelName
    conversation: s.Id | None = Field(None, description="Our id of the conversation; or give conversation_external_id.")
    conversation_external_id: s.Text(100, 1) | None = Field(None, description="The channel's id of the conversation.")
    external_id: s.Text(100) = Field("", description="The channel's id of the message: a repeat returns the stored one.")
    direction: Literal["inbound", "outbound"]
    text: s.Text(10_000, 1)
    sent_at: AwareDatetime | None = None
    author: s.Id | None = Field(None, description="Outbound: the member who wrote (default: the token's member).")
    author_name: s.Text(200) = Field("", description="Inbound: the customer's name.")
    customer_handle: s.Text(200) = Field("", description="The customer's phone number, user name or e-mail, to find their contact.")
    contact: s.Id | None = None
    lead: s.Id | None = None
    region: Region | None = None


class MessageOut(Schema):
    id: int
    conversation: int = Field(alias="conversation_id")
    direction: str
    author: int | None = Field(None, alias="author_id")
    author_name: str
    sent_at: dt.datetime
    text: str
    external_id: str
    activity: int | None = Field(None, alias="activity_id")
    response_seconds: int | None


class ConversationOut(Schema):
    id: int
    channel: str
    external_id: str
    customer_name: str
    customer_handle: str
    contact: int | None = Field(None, alias="contact_id")
    lead: int | None = Field(None, alias="lead_id")
    owner: int | None = Field(None, alias="owner_id")
    opened_at: dt.datetime
    last_message_at: dt.datetime
    closed_at: dt.datetime | None
    closed_by: int | None = Field(None, alias="closed_by_id")
    rating: int | None
    rated_at: dt.datetime | None


class RateIn(s.In):
    rating: Annotated[int, Field(ge=0, le=10, description="0 (would not recommend) to 10 (would recommend).")]


class UsageOut(Schema):
    member: int = Field(alias="member_id")
    started_at: dt.datetime
    ended_at: dt.datetime
    seconds: int

    @staticmethod
    def resolve_seconds(obj) -> int:
        return int((obj.ended_at - obj.started_at).total_seconds())


@router.post("/calls", response={200: CallOut, 201: CallOut}, operation_id="intake_call", summary="Report a call")
def intake_call(request: HttpRequest, payload: CallIn):
    """A call event from the telephony system; the same `external_id` again updates that call."""
    activity, created = services.call_log(actor=actor_of(request), data=payload.model_dump())
    activity = Activity.objects.prefetch_related("participant_members", "participant_contacts").get(pk=activity.pk)
    return (201 if created else 200), activity


@router.post("/chat/messages", response={200: MessageOut, 201: MessageOut}, operation_id="intake_chat_message", summary="Report a chat message")
def intake_chat_message(request: HttpRequest, payload: ChatMessageIn):
    """A message from (inbound) or to (outbound) a customer on a chat channel."""
    message, created = services.chat_message_receive(actor=actor_of(request), data=payload.model_dump())
    return (201 if created else 200), Message.objects.get(pk=message.pk)


@router.get("/chat/conversations/{int:conversation_id}", response=ConversationOut, operation_id="intake_conversation_get")
def intake_conversation_get(request: HttpRequest, conversation_id: int):
    return get_conversation(actor_of(request), conversation_id)


@router.post("/chat/conversations/{int:conversation_id}/close", response=ConversationOut, operation_id="intake_conversation_close")
def intake_conversation_close(request: HttpRequest, conversation_id: int):
    """The conversation is completed, by the token's member."""
    actor = actor_of(request)
    conversation = services.conversation_close(actor=actor, conversation=get_conversation(actor, conversation_id))
    return Conversation.objects.get(pk=conversation.pk)


@router.post("/chat/conversations/{int:conversation_id}/rate", response=ConversationOut, operation_id="intake_conversation_rate")
def intake_conversation_rate(request: HttpRequest, conversation_id: int, payload: RateIn):
    """The customer's 0-10 rating of a closed conversation (NPS)."""
    actor = actor_of(request)
    conversation = services.conversation_rate(actor=actor, conversation=get_conversation(actor, conversation_id), rating=payload.rating)
    return Conversation.objects.get(pk=conversation.pk)


@router.post("/usage/heartbeat", response=UsageOut, operation_id="intake_usage_heartbeat", summary="The app's window is focused and online")
def intake_usage_heartbeat(request: HttpRequest):
    """Sent by the web app every 30 seconds while its window has focus; counts towards system usage."""
    return services.usage_heartbeat(actor=actor_of(request))
