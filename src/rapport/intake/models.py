"""Chat conversations and their messages, and the time members spend in the app (SPEC L9, D14-D17)."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TenantModel


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    WEB_CHAT = "web_chat", _("Web chat")
    EMAIL = "email", _("E-mail")
    FACEBOOK = "facebook", _("Facebook Messenger")
    INSTAGRAM = "instagram", _("Instagram")
    SMS = "sms", _("SMS")
    OTHER = "other", _("Other")


class MessageDirection(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Conversation(TenantModel):
    """A chat with one customer on one channel, from its first message until a member closes it.

    Who may see it follows its `owner` the way activities follow theirs (intake/selectors.py);
    an unowned conversation is the shared inbox of those who see every activity.
    """

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    external_id = models.CharField(_("external id"), max_length=100, blank=True, help_text=_("The channel's id of the conversation."))
    customer_name = models.CharField(_("customer"), max_length=200, blank=True)
    customer_handle = models.CharField(_("customer address"), max_length=200, blank=True, help_text=_("Phone number, user name or e-mail on the channel."))
    contact = models.ForeignKey("records.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations", verbose_name=_("contact"))
    lead = models.ForeignKey("records.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations", verbose_name=_("lead"))
    owner = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner"))
    opened_at = models.DateTimeField(_("opened"))
    last_message_at = models.DateTimeField(_("last message"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("closed by"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True, validators=[MaxValueValidator(10)])
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "external_id"], condition=~models.Q(external_id=""), name="conversation_unique_external"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "owner", "-last_message_at"], name="conversation_ws_owner"),
            models.Index(fields=["workspace", "closed_at"], name="conversation_ws_closed"),
            models.Index(fields=["workspace", "rated_at"], name="conversation_ws_rated"),
        ]

    def __str__(self) -> str:
        # Shown in the event log to every member, so it carries no personal data.
        return f"{self.get_channel_display()} #{self.pk}"


class Message(TenantModel):
    """One message of a conversation, written by the customer (inbound) or by a member (outbound).

    `response_seconds` is kept by the services: for a reply (an outbound message right after an
    inbound one) the seconds since that customer message, so response times are plain averages.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=8, choices=MessageDirection.choices)
    author = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("author"))
    author_name = models.CharField(_("author name"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent"))
    text = models.TextField(_("text"), blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    activity = models.OneToOneField("records.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="chat_message")
    response_seconds = models.PositiveIntegerField(_("response time (s)"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("message")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "external_id"], condition=~models.Q(external_id=""), name="message_unique_external"),
        ]
        indexes = [
            models.Index(fields=["conversation", "sent_at", "id"], name="message_conversation_time"),
            models.Index(fields=["workspace", "direction", "sent_at"], name="message_ws_direction"),
            models.Index(fields=["workspace", "author", "sent_at"], name="message_ws_author"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.pk}"


class UsageInterval(TenantModel):
    """A stretch of time a member had the app open, focused and online (SPEC D14).

    Built from the heartbeats the web app sends every 30 seconds while its window has focus:
    each heartbeat vouches for the 30 seconds before it, and touching stretches are merged.
    """

    member = models.ForeignKey("workspaces.Member", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = _("usage interval")
        indexes = [
            models.Index(fields=["workspace", "member", "-ended_at"], name="usage_ws_member"),
            models.Index(fields=["workspace", "started_at"], name="usage_ws_start"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.started_at:%Y-%m-%d %H:%M}–{self.ended_at:%H:%M}"
