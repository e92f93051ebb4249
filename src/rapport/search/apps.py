"""The search app: global search over every record type (SPEC R10)."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "rapport.search"
    label = "search"
    verbose_name = "Rapport search"

    def ready(self) -> None:
        from .signals import repair_index
        from .sqlite_index import register_functions

        connection_created.connect(register_functions, dispatch_uid="rapport.search.register_functions")
        post_migrate.connect(repair_index, sender=self, dispatch_uid="rapport.search.repair_index")
