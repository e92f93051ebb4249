"""After every `migrate`: put back search triggers or indexes that a table rebuild removed."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from . import postgres_index, sqlite_index

MIGRATION = ("search", "0001_search_index")


def repair_index(*, using: str = "default", **kwargs: Any) -> None:
    connection = connections[using]
    # Nothing to repair before the search migration ran, or after it was reversed.
    if MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    sqlite_index.install(connection)
    postgres_index.install(connection)
