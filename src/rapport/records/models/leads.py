from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import RecordModel

from .deals import CURRENCY_CODE


class LeadSource(models.TextChoices):
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    WEB_FORM = "web_form", _("Web form")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    MANUAL = "manual", _("Manual")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    WORKING = "working", _("Working")
    NURTURING = "nurturing", _("Nurturing")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")


class LeadPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Lead(RecordModel):
    """A prospect not yet qualified; unassigned leads belong to the robot owner (SPEC R3)."""

    RECORD_TYPE = "lead"
    OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURING)

    title = models.CharField(_("title"), max_length=200)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=LeadSource.choices, default=LeadSource.MANUAL)
    status = models.CharField(_("status"), max_length=14, choices=LeadStatus.choices, default=LeadStatus.NEW)
    priority = models.CharField(_("priority"), max_length=8, choices=LeadPriority.choices, default=LeadPriority.NORMAL)
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=200, blank=True)
    owner = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner"))
    account = models.ForeignKey("records.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads", verbose_name=_("account"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[CURRENCY_CODE])
    description = models.TextField(_("description"), blank=True)
    deal = models.ForeignKey("records.Deal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("deal"))
    tags = models.ManyToManyField("records.Tag", blank=True, related_name="+", verbose_name=_("tags"))
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        indexes = [
            models.Index(fields=["workspace", "status", "-created_at"], name="lead_ws_status"),
            models.Index(fields=["workspace", "owner", "-created_at"], name="lead_ws_owner"),
            # Newest first (lists, keyset paging); the source last, so the dashboard's leads per
            # source and web-form leads of a period are read from the index alone.
            models.Index(fields=["workspace", "-created_at", "-id", "source"], name="lead_ws_created"),
            # Open leads per owner: the "new leads" counter of every page and per-member figures;
            # the id for the dashboard's "leads without an open task" (an index-only anti-join).
            models.Index(
                fields=["workspace", "owner", "status", "id"],
                condition=models.Q(status__in=[LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURING], archived_at__isnull=True),
                name="lead_ws_open",
            ),
        ]

    def __str__(self) -> str:
        return self.title
