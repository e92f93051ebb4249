"""Chat intake: messages from external channels, closing conversations, the customer's rating (SPEC L9, D15-D17).

Every message is kept twice on purpose: as a `Message` of its conversation (the transcript that
response times are measured on) and as a message activity on the contact or lead, so it shows
in their timelines and in the activity lists the dashboard links to. A message's `external_id`
makes a repeated delivery return the message already stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core import clock
from rapport.core.errors import Conflict, NotFound, PermissionDenied
from rapport.events import log
from rapport.events.models import EventType
from rapport.records.models import Account, Activity, ActivityKind, Contact, Lead
from rapport.records.services.activities import ACTIVITY_FIELDS
from rapport.records.services.base import record_create
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import require, visible_to

from ..models import Channel, Conversation, Message, MessageDirection
from ..phones import contact_by_email, contact_by_phone, lead_by_email, lead_by_phone
from ..selectors import conversations_visible_to
from .common import active_member, moment, serialise

MAX_TEXT = 10_000


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or "\x00" in value or len(value) > limit:
        raise ValidationError({field: _("Give a text of at most %(n)d characters.") % {"n": limit}})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    return value


def _linked(actor: Member, model: type, value: Any, field: str) -> Any:
    if value is None:
        return None
    found = visible_to(actor, model).filter(pk=value).first() if isinstance(value, int) else None
    if found is None:
        raise ValidationError({field: _("No %(kind)s with id %(id)s in this workspace.") % {"kind": model._meta.verbose_name, "id": value}})
    return found


def _match(actor: Member, handle: str, region: str | None) -> tuple[Contact | None, Lead | None]:
    """The contact (or else the lead) whose phone or e-mail the customer wrote from."""
    if not handle:
        return None, None
    if "@" in handle:
        contact = contact_by_email(actor, handle)
        return (contact, None) if contact else (None, lead_by_email(actor, handle))
    contact = contact_by_phone(actor, handle, region)
    return (contact, None) if contact else (None, lead_by_phone(actor, handle, region))


def _conversation(actor: Member, data: Mapping[str, Any], channel: str, sent_at: Any) -> tuple[Conversation, bool]:
    """The conversation the message belongs to, found by id or by the channel's id, or a new one."""
    if data.get("conversation") is not None:
        found = conversations_visible_to(actor).filter(pk=data["conversation"]).first() if isinstance(data["conversation"], int) else None
        if found is None:
            raise ValidationError({"conversation": _("No conversation with id %(id)s that you may see.") % {"id": data["conversation"]}})
        if found.channel != channel:
            raise ValidationError({"channel": _("The conversation is on %(channel)s.") % {"channel": found.get_channel_display()}})
        return found, False
    external = _text(data.get("conversation_external_id"), "conversation_external_id", 100, required=True)
    serialise("conversation", actor.workspace_id, channel, external)
    existing = Conversation.objects.filter(workspace_id=actor.workspace_id, channel=channel, external_id=external).first()
    if existing is not None:
        if not conversations_visible_to(actor).filter(pk=existing.pk).exists():
            raise PermissionDenied(_("This conversation belongs to someone whose conversations you may not see."))
        return existing, False
    handle = _text(data.get("customer_handle"), "customer_handle", 200)
    contact = _linked(actor, Contact, data.get("contact"), "contact")
    lead = _linked(actor, Lead, data.get("lead"), "lead")
    if contact is None and lead is None:
        contact, lead = _match(actor, handle, data.get("region") or None)
    conversation = Conversation.objects.create(
        workspace_id=actor.workspace_id,
        channel=channel,
        external_id=external,
        customer_name=_text(data.get("author_name"), "author_name", 200),
        customer_handle=handle,
        contact=contact,
        lead=lead,
        opened_at=sent_at,
        last_message_at=sent_at,
    )
    log.log(actor, conversation, EventType.CREATED, after={"channel": channel, "contact": contact, "lead": lead})
    return conversation, True


def _record_activity(actor: Member, conversation: Conversation, message: Message, owner: Member | None) -> Activity:
    first_line = message.text.splitlines()[0] if message.text else ""
    account_id = conversation.contact.account_id if conversation.contact_id else (conversation.lead.account_id if conversation.lead_id else None)
    if account_id is not None and not visible_to(actor, Account).filter(pk=account_id).exists():
        account_id = None
    data = {
        "kind": ActivityKind.MESSAGE,
        "subject": first_line[:120] or conversation.get_channel_display(),
        "body": message.text,
        "direction": message.direction,
        "done_at": message.sent_at,
        "category": conversation.channel,
        # No owner yet means the robot's: the message waits in the shared inbox.
        "owner": owner.pk if owner else None,
        "contact": conversation.contact_id,
        "lead": conversation.lead_id,
        "account": account_id,
    }
    return record_create(actor, Activity, data, fields=ACTIVITY_FIELDS)


def _response_seconds(direction: str, sent_at: Any, previous: Message | None) -> int | None:
    """A reply is an outbound message right after an inbound one: the time it took us."""
    if direction != MessageDirection.OUTBOUND or previous is None or previous.direction != MessageDirection.INBOUND:
        return None
    return max(0, int((sent_at - previous.sent_at).total_seconds()))


def _neighbours(conversation: Conversation, sent_at: Any) -> tuple[Message | None, Message | None]:
    """The messages right before and right after a new one sent at `sent_at` (the newest row wins ties)."""
    siblings = Message.objects.filter(conversation=conversation).only("id", "direction", "sent_at", "response_seconds")
    return (
        siblings.filter(sent_at__lte=sent_at).order_by("-sent_at", "-id").first(),
        siblings.filter(sent_at__gt=sent_at).order_by("sent_at", "id").first(),
    )


@transaction.atomic
def chat_message_receive(*, actor: Member, data: Mapping[str, Any]) -> tuple[Message, bool]:
    """Store a message from (inbound) or to (outbound) a customer on a chat channel; (message, created).

    Inbound messages reopen a closed conversation. The first member to write in an unowned
    conversation becomes its owner. The posting member needs the add permission for activities.
    """
    require(actor, Action.ADD, Activity)
    channel = data.get("channel")
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose one of: %(names)s.") % {"names": ", ".join(Channel.values)}})
    direction = data.get("direction")
    if direction not in MessageDirection.values:
        raise ValidationError({"direction": _("Say whether the message is inbound or outbound.")})
    text = _text(data.get("text"), "text", MAX_TEXT, required=True)
    external_id = _text(data.get("external_id"), "external_id", 100)
    sent_at = moment(data.get("sent_at"), "sent_at")
    author = active_member(actor, data.get("author"), "author") if direction == MessageDirection.OUTBOUND else None
    if direction == MessageDirection.INBOUND and data.get("author") is not None:
        raise ValidationError({"author": _("An inbound message is written by the customer: give author_name instead.")})

    conversation, _opened = _conversation(actor, data, channel, sent_at)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if external_id:
        existing = Message.objects.filter(conversation=conversation, external_id=external_id).first()
        if existing is not None:
            return existing, False

    changed: list[str] = []
    if author is not None and conversation.owner_id is None:
        conversation.owner = author
        changed.append("owner")
        log.log(actor, conversation, EventType.FIELD_CHANGED, field="owner", before=None, after=author)
    if direction == MessageDirection.INBOUND and conversation.closed_at is not None and sent_at > conversation.closed_at:
        log.log(actor, conversation, EventType.REOPENED, field="closed_at", before=conversation.closed_at, after=None)
        conversation.closed_at, conversation.closed_by = None, None
        changed += ["closed_at", "closed_by"]
    if sent_at > conversation.last_message_at:
        conversation.last_message_at = sent_at
        changed.append("last_message_at")
    if changed:
        conversation.save(update_fields=changed)

    # A message delivered late may land between two others: the one after it may stop (or
    # start) being a reply, so its response time is recomputed too.
    previous, following = _neighbours(conversation, sent_at)
    message = Message.objects.create(
        workspace_id=actor.workspace_id,
        conversation=conversation,
        direction=direction,
        author=author,
        author_name=author.display_name if author else (_text(data.get("author_name"), "author_name", 200) or conversation.customer_name),
        sent_at=sent_at,
        text=text,
        external_id=external_id,
        response_seconds=_response_seconds(direction, sent_at, previous),
        created_at=clock.now(),
    )
    if following is not None:
        seconds = _response_seconds(following.direction, following.sent_at, message)
        if seconds != following.response_seconds:
            Message.objects.filter(pk=following.pk).update(response_seconds=seconds)
    owner = author or conversation.owner
    # A departed owner's chats fall back to the shared inbox rather than refusing the customer.
    message.activity = _record_activity(actor, conversation, message, owner if owner is not None and owner.is_active else None)
    message.save(update_fields=["activity"])
    # The text stays out of the event: the events page shows message events to every member.
    log.log(actor, message, EventType.CREATED, after={"conversation": conversation.pk, "channel": channel, "direction": direction})
    return message, True


def _editable(actor: Member, conversation: Conversation) -> Conversation:
    if not conversations_visible_to(actor).filter(pk=conversation.pk).exists():
        raise NotFound("conversation not found")
    if not conversations_visible_to(actor, Action.EDIT).filter(pk=conversation.pk).exists():
        raise PermissionDenied(_("You may not change this conversation."))
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


@transaction.atomic
def conversation_close(*, actor: Member, conversation: Conversation) -> Conversation:
    """Mark the conversation completed by the actor (SPEC D16); the customer may then rate it."""
    conversation = _editable(actor, conversation)
    if conversation.closed_at is not None:
        raise Conflict(_("The conversation is already closed."))
    conversation.closed_at = clock.now()
    conversation.closed_by = actor
    fields = ["closed_at", "closed_by"]
    if conversation.owner_id is None:
        conversation.owner = actor
        fields.append("owner")
    conversation.save(update_fields=fields)
    log.log(actor, conversation, EventType.COMPLETED, field="closed_at", after=conversation.closed_at)
    return conversation


@transaction.atomic
def conversation_rate(*, actor: Member, conversation: Conversation, rating: Any) -> Conversation:
    """Store the customer's 0-10 answer to "would you recommend us?" for a closed conversation (SPEC D15).

    Posted by the chat integration on the customer's behalf, so seeing the conversation is
    enough. One answer per closing: the same answer again changes nothing, a different one
    is a conflict; after the conversation is reopened and closed again, a new answer replaces it.
    """
    if isinstance(rating, bool) or not isinstance(rating, int) or not 0 <= rating <= 10:
        raise ValidationError({"rating": _("Give a whole number from 0 to 10.")})
    if not conversations_visible_to(actor).filter(pk=conversation.pk).exists():
        raise NotFound("conversation not found")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.closed_at is None:
        raise Conflict(_("The conversation is still open: the customer rates it once it is closed."))
    if conversation.rated_at is not None and conversation.rated_at >= conversation.closed_at:
        if conversation.rating == rating:
            return conversation
        raise Conflict(_("The customer already rated this conversation %(rating)d.") % {"rating": conversation.rating})
    before = conversation.rating
    conversation.rating, conversation.rated_at = rating, clock.now()
    conversation.save(update_fields=["rating", "rated_at"])
    log.log(actor, conversation, EventType.FIELD_CHANGED, field="rating", before=before, after=rating)
    return conversation
