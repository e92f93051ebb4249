"""The append-only event log: one row per change to any record (SPEC E1-E3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CREATED = "created", _("Created")
    FIELD_CHANGED = "field_changed", _("Field changed")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    PIPELINE_CHANGED = "pipeline_changed", _("Pipeline changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    REOPENED = "reopened", _("Reopened")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    ARCHIVED = "archived", _("Archived")
    UNARCHIVED = "unarchived", _("Unarchived")
    COMPLETED = "completed", _("Completed")
    LINKED = "linked", _("Linked")
    UNLINKED = "unlinked", _("Unlinked")
    DELETED = "deleted", _("Deleted")
    ANONYMISED = "anonymised", _("Anonymised")
    MERGED = "merged", _("Merged")


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    API = "api", _("API client")
    AUTOMATION = "automation", _("Automation")
    ROBOT = "robot", _("Robot")


class Event(models.Model):
    """Something that happened to a record: who, when, what, and the value before and after."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField(_("date"))
    actor = models.ForeignKey(
        "workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_kind = models.CharField(_("author kind"), max_length=12, choices=ActorKind.choices)
    actor_name = models.CharField(_("author"), max_length=200)
    object_type = models.CharField(_("object type"), max_length=32)
    object_id = models.BigIntegerField(_("object id"))
    object_name = models.CharField(_("name"), max_length=300)
    event_type = models.CharField(_("event"), max_length=32, choices=EventType.choices)
    field = models.CharField(_("field"), max_length=64, blank=True)
    before = models.JSONField(_("value before"), null=True, blank=True)
    after = models.JSONField(_("value after"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        indexes = [
            models.Index(fields=["workspace", "-occurred_at", "-id"], name="event_ws_time"),
            models.Index(fields=["workspace", "object_type", "object_id", "-occurred_at"], name="event_ws_object"),
            models.Index(fields=["workspace", "actor", "-occurred_at"], name="event_ws_actor"),
            models.Index(fields=["workspace", "event_type", "-occurred_at"], name="event_ws_type"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_name} {self.event_type} {self.object_type}:{self.object_id}"
