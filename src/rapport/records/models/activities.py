from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import RecordModel


class ActivityKind(models.TextChoices):
    TASK = "task", _("Task")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("E-mail")
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Note")


class Direction(models.TextChoices):
    NONE = "", _("—")
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


# An activity with a due time that is not done yet (records.filters.open_task_q).
OPEN_TASK = models.Q(done_at__isnull=True, due_at__isnull=False)


class Activity(RecordModel):
    """A task, call, meeting, e-mail, message or note about one or more records (SPEC R6)."""

    RECORD_TYPE = "activity"

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    owner = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("assignee"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, blank=True, default="")
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    account = models.ForeignKey("records.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="activities", verbose_name=_("account"))
    contact = models.ForeignKey("records.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="activities", verbose_name=_("contact"))
    lead = models.ForeignKey("records.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="activities", verbose_name=_("lead"))
    deal = models.ForeignKey("records.Deal", on_delete=models.SET_NULL, null=True, blank=True, related_name="activities", verbose_name=_("deal"))
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True, help_text=_("The id the sending system gave it (calls, e-mails), so a repeated delivery is recognised."))
    participant_members = models.ManyToManyField("workspaces.Member", blank=True, related_name="+", verbose_name=_("participants (users)"))
    participant_contacts = models.ManyToManyField("records.Contact", blank=True, related_name="+", verbose_name=_("participants (contacts)"))

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["workspace", "owner", "done_at", "due_at"], name="activity_ws_owner_due"),
            # Activities of a kind by creation time; the owner last, so the dashboard's notes
            # (per owner, and a seller's own) are read from the index alone.
            models.Index(fields=["workspace", "kind", "-created_at", "owner"], name="activity_ws_kind"),
            models.Index(fields=["workspace", "-created_at", "-id"], name="activity_ws_created"),
            models.Index(fields=["deal", "-created_at"], name="activity_deal"),
            models.Index(fields=["account", "-created_at"], name="activity_account"),
            models.Index(fields=["contact", "-created_at"], name="activity_contact"),
            models.Index(fields=["lead", "-created_at"], name="activity_lead"),
            models.Index(fields=["workspace", "external_id"], name="activity_ws_external", condition=~models.Q(external_id="")),
            # Dashboard figures over what was done in a period (calls, tasks done, messages):
            # index-only scans of the period's rows, whatever their owner.
            models.Index(fields=["workspace", "done_at", "kind", "owner", "direction", "due_at", "category"], name="activity_ws_done"),
            # The same for one kind (the calls and messages widgets): the period's rows of that
            # kind only, instead of every row done in the period filtered by kind.
            models.Index(fields=["workspace", "kind", "done_at", "direction", "owner", "category"], name="activity_ws_kind_done"),
            # And for tasks (activities with a due time): the activity widget's tasks done per
            # owner and kind, and "completed on time", read only the period's tasks.
            models.Index(fields=["workspace", "done_at", "owner", "kind", "due_at"], condition=models.Q(due_at__isnull=False), name="activity_ws_done_due"),
            # Open tasks are few among millions of activities: the counters of every page, the
            # "current" and "overdue" figures and "without an open task" read these small indexes.
            models.Index(fields=["workspace", "owner", "due_at", "kind"], condition=OPEN_TASK, name="activity_open_owner"),
            # Tasks by due time (overdue in a period, completed on time): only activities with a
            # due time, a small part of the table, ordered for the period's range scan.
            models.Index(fields=["workspace", "due_at", "done_at", "owner"], condition=models.Q(due_at__isnull=False), name="activity_ws_due"),
            models.Index(fields=["deal"], condition=OPEN_TASK, name="activity_open_deal"),
            models.Index(fields=["lead"], condition=OPEN_TASK, name="activity_open_lead"),
        ]

    def __str__(self) -> str:
        return self.subject
