from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import RecordModel, TenantModel

CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code such as EUR."))


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Deal(RecordModel):
    """An opportunity moving through a pipeline's stages towards won or lost (SPEC R5)."""

    RECORD_TYPE = "deal"

    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey("records.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="deals", verbose_name=_("account"))
    pipeline = models.ForeignKey("records.Pipeline", on_delete=models.PROTECT, related_name="deals", verbose_name=_("pipeline"))
    stage = models.ForeignKey("records.Stage", on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage"))
    status = models.CharField(_("status"), max_length=8, choices=DealStatus.choices, default=DealStatus.OPEN)
    lost_reason = models.CharField(_("lost reason"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY_CODE])
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    owner = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner"))
    source = models.CharField(_("source"), max_length=40, blank=True)
    contacts = models.ManyToManyField("records.Contact", through="records.DealContact", related_name="deals", blank=True)
    tags = models.ManyToManyField("records.Tag", blank=True, related_name="+", verbose_name=_("tags"))
    stage_changed_at = models.DateTimeField(_("in stage since"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    is_locked = models.BooleanField(_("locked"), default=False)

    class Meta:
        verbose_name = _("deal")
        indexes = [
            models.Index(fields=["workspace", "pipeline", "status", "stage", "-updated_at"], name="deal_ws_board"),
            # A member's deals by owner; the id last, so the deal ids of a seller's scope are read
            # from the index alone (the dashboard's stage history of the member's deals,
            # analytics/history.py deal_changes, hashes them).
            models.Index(fields=["workspace", "owner", "-created_at", "-id"], name="deal_ws_owner"),
            models.Index(fields=["workspace", "-created_at", "-id"], name="deal_ws_created"),
            models.Index(fields=["workspace", "-amount", "-id"], name="deal_ws_amount"),
            # Open deals per stage (board columns, forecast, per-owner counts) as index-only scans.
            models.Index(fields=["workspace", "pipeline", "stage", "owner", "currency", "amount"], condition=models.Q(status="open"), name="deal_ws_open"),
            # Open deals' ids in order (and their owner): the dashboard's "deals without an open
            # task" merges them with activity_open_deal, both index-only, no hash to build.
            models.Index(fields=["workspace", "id", "owner"], condition=models.Q(status="open"), name="deal_ws_open_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.stage_id and self.pipeline_id and self.stage.pipeline_id != self.pipeline_id:
            raise ValidationError({"stage": _("This stage belongs to another pipeline.")})


class DealContact(TenantModel):
    """A contact's part in a deal, with their business role (decision maker, user, ...)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey("records.Contact", on_delete=models.CASCADE, related_name="deal_links")
    role = models.CharField(_("role"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("deal contact")
        constraints = [models.UniqueConstraint(fields=["deal", "contact"], name="dealcontact_unique")]

    def __str__(self) -> str:
        return f"{self.contact} ({self.role})" if self.role else str(self.contact)


class StageChange(TenantModel):
    """One step of a deal's history: from which stage and status to which, at what amount.

    Creation is a row with no `from_stage`; winning or losing keeps the stage and changes the
    status, so "lost per stage" and pipeline dynamics are plain aggregations over this table.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    pipeline = models.ForeignKey("records.Pipeline", on_delete=models.CASCADE, related_name="+")
    from_stage = models.ForeignKey("records.Stage", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    to_stage = models.ForeignKey("records.Stage", on_delete=models.CASCADE, related_name="+")
    from_status = models.CharField(max_length=8, choices=DealStatus.choices, blank=True)
    to_status = models.CharField(max_length=8, choices=DealStatus.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    changed_at = models.DateTimeField()
    actor = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("stage change")
        indexes = [
            models.Index(fields=["workspace", "pipeline", "changed_at"], name="stagechange_ws_time"),
            models.Index(fields=["deal", "changed_at"], name="stagechange_deal"),
            # The dashboard's moves, wins and losses in a period, whatever the pipeline, read from
            # the index alone on PostgreSQL (the columns they sum are included).
            models.Index(
                fields=["workspace", "changed_at"],
                include=["to_stage", "from_stage", "from_status", "to_status", "amount", "currency", "deal"],
                name="stagechange_ws_changed",
            ),
            # Wins only (a few percent of the rows): won deals, goals, the previous period's wins of
            # pipeline dynamics and the forecast's back-test read a period's wins from this small
            # index alone instead of filtering every change of the period by status.
            models.Index(
                fields=["workspace", "changed_at", "deal", "to_stage", "currency", "amount"],
                condition=models.Q(from_status="open", to_status="won"),
                name="stagechange_ws_won",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id}/{self.from_status} → {self.to_stage_id}/{self.to_status}"
