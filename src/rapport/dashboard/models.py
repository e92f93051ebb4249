"""Dashboards: each member's grid of widgets and the baselines they froze (SPEC D1, D18)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TenantModel


class Theme(models.TextChoices):
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")
    OCEAN = "ocean", _("Ocean")
    FOREST = "forest", _("Forest")
    SUNSET = "sunset", _("Sunset")
    CONTRAST = "contrast", _("High contrast")


def background_path(instance: DashboardLayout, filename: str) -> str:
    # A fresh name per upload, so a browser never shows a cached older image under a new layout.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "img"
    return f"dashboard/{instance.workspace_id}/{instance.member_id}/{uuid.uuid4().hex}.{extension}"


class DashboardLayout(TenantModel):
    """One member's dashboard: widgets on a 12-column grid, a title, colours and a background."""

    member = models.ForeignKey("workspaces.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    title = models.CharField(_("title"), max_length=120, blank=True)
    theme = models.CharField(_("colour theme"), max_length=16, choices=Theme.choices, default=Theme.LIGHT)
    font_colour = models.CharField(_("font colour"), max_length=7, blank=True)
    background = models.FileField(_("background image"), upload_to=background_path, max_length=300, blank=True)
    # [{"key", "x", "y", "w", "h", "view": number|list|chart, "options": {...}}], see grid.clean_widgets.
    widgets = models.JSONField(_("widgets"), default=list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("dashboard layout")
        constraints = [models.UniqueConstraint(fields=["workspace", "member"], name="dashboardlayout_unique_member")]

    def __str__(self) -> str:
        return str(_("Dashboard of %(name)s") % {"name": self.member.display_name})


class Baseline(TenantModel):
    """A named, frozen copy of one widget's figures for one period, to compare the live chart with."""

    member = models.ForeignKey("workspaces.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    widget_key = models.CharField(_("widget"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    period_key = models.CharField(_("period"), max_length=12)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    period_label = models.CharField(_("period label"), max_length=120, blank=True)
    pipeline = models.ForeignKey(
        "records.Pipeline", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("pipeline")
    )
    as_of = models.DateTimeField(_("as of"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # The widget's "number", "rows" and "chart" parts as the widget API answered them.
    data = models.JSONField(_("figures"), default=dict)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("baseline")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "member", "widget_key", "name"], name="baseline_unique_name")
        ]
        indexes = [models.Index(fields=["workspace", "member", "widget_key", "-created_at"], name="baseline_ws_member")]

    def __str__(self) -> str:
        return self.name
