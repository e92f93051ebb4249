from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "rapport.search"
    label = "search"
    verbose_name = "Rapport search"
