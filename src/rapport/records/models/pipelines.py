from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TenantModel


class Pipeline(TenantModel):
    """An ordered sales process; its first stage is the incoming stage (SPEC R4)."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pipeline")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="pipeline_unique_name")]

    def __str__(self) -> str:
        return self.name

    def first_stage(self) -> "Stage":
        return self.stages.order_by("position", "id").first()  # type: ignore[return-value]


class Stage(TenantModel):
    """One step of a pipeline, with the probability that a deal in it is won."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"), default=10)

    class Meta:
        verbose_name = _("stage")
        ordering = ["pipeline", "position", "id"]

    def __str__(self) -> str:
        return self.name
