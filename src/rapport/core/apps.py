from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"
    verbose_name = "Rapport core"
