"""The dashboard app: per-member widget layouts and baselines (SPEC D1, D2, D18)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "rapport.dashboard"
    label = "dashboard"
    verbose_name = _("Rapport dashboard")
