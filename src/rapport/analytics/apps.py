from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "rapport.analytics"
    label = "analytics"
    verbose_name = "Rapport analytics"
