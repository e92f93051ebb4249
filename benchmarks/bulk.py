"""Fast bulk loading of model rows: PostgreSQL COPY, or executemany on SQLite.

Callers name the columns they fill (by attname, `owner_id` not `owner`); every other column takes
the model field's default, so the loader follows the models as they gain fields.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import connection, models

CHUNK = 20_000


class IdSequence:
    """Hands out primary keys above the table's current maximum; `sync()` fixes PG sequences."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
            self.next = cursor.fetchone()[0] + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def sync_sequences(*tables: str) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields]


def _defaults(fields: list[models.Field]) -> dict[str, Any]:
    defaults = {}
    for field in fields:
        if field.has_default():
            defaults[field.attname] = field.get_default()
        elif field.null:
            defaults[field.attname] = None
        elif isinstance(field, models.CharField | models.TextField):
            defaults[field.attname] = ""
    return defaults


def _to_db(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    if connection.vendor == "sqlite":
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
        if isinstance(value, Decimal | dt.date):
            return str(value)
    return value


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def load(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` (tuples in the order of `columns`, attnames) into `model`'s table.

    Columns not named take the model field's default. Values must already be in database form:
    JSON as text, datetimes as `timestamp()` output for the connection's vendor.
    """
    fields = {f.attname: f for f in _columns(model)}
    defaults = _defaults(list(fields.values()))
    rest = [name for name in fields if name not in columns and name != "id"]
    tail = tuple(_to_db(fields[name], defaults.get(name)) for name in rest)
    names = [fields[name].column for name in (*columns, *rest)]
    table = model._meta.db_table
    count = 0
    for chunk in _chunks(rows, CHUNK):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for values in chunk:
                        copy.write_row(values + tail)
            else:
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", [v + tail for v in chunk])
        count += len(chunk)
    return count


def timestamp(moment: dt.datetime) -> str:
    """A UTC datetime as the text the current database stores."""
    if connection.vendor == "sqlite":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")
