"""Analytics settings: monthly sales goals per member or team (SPEC D7)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TenantModel


class GoalScope(models.TextChoices):
    MEMBER = "member", _("Member")
    TEAM = "team", _("Team (the member and everyone below them)")


class GoalMetric(models.TextChoices):
    AMOUNT = "amount", _("Amount won")
    COUNT = "count", _("Deals won")


class Goal(TenantModel):
    """A month's sales target for one member, or for their team, by amount or by number of deals won."""

    member = models.ForeignKey("workspaces.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    scope = models.CharField(_("scope"), max_length=8, choices=GoalScope.choices, default=GoalScope.MEMBER)
    metric = models.CharField(_("measured by"), max_length=8, choices=GoalMetric.choices, default=GoalMetric.AMOUNT)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    created_by = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("goal")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "member", "scope", "metric", "month"], name="goal_unique_month"),
        ]
        indexes = [models.Index(fields=["workspace", "month", "member"], name="goal_ws_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_metric_display()} ({self.get_scope_display()})"
