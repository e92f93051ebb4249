"""Fast bulk loading of model rows: PostgreSQL COPY, or executemany in one transaction on SQLite.

Callers name the columns they fill (by attname, `owner_id` not `owner`); every other column takes
the model field's default, so the loader follows the models as they gain fields.

On PostgreSQL a load of millions of rows is dominated by index maintenance and foreign-key
checks, not by COPY itself: `without_indexes` drops a table's secondary indexes for the load and
rebuilds each one in a single pass afterwards (comments included, so the search indexes keep
their fingerprints), and `unchecked_foreign_keys` skips the per-row FK triggers for rows this
generator built consistent by construction.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import connection, models, transaction

CHUNK = 20_000


class IdSequence:
    """Hands out primary keys above the table's current maximum; `sync_sequences` fixes PG's."""

    def __init__(self, model: type[models.Model]):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
            self.next = cursor.fetchone()[0] + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def sync_sequences(*models_: type[models.Model]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )


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
    JSON as text, datetimes as `timestamp()` output, decimals as Decimal or text.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [name for name in columns if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column(s) {unknown}")
    defaults = _defaults(list(fields.values()))
    rest = [name for name in fields if name not in columns and name != "id"]
    missing = [name for name in rest if name not in defaults]
    if missing:
        raise ValueError(f"{model.__name__}: give a value for {missing} (no default)")
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
                # One transaction per chunk: SQLite in autocommit would commit every row.
                with transaction.atomic():
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", [v + tail for v in chunk])
        count += len(chunk)
    return count


def timestamp(moment: dt.datetime) -> str:
    """A UTC datetime as the text the current database stores."""
    if connection.vendor == "sqlite":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")


def epoch_text() -> Any:
    """A function turning a POSIX time into the text the current database stores (fast path)."""
    utc = dt.UTC
    fromtimestamp = dt.datetime.fromtimestamp
    if connection.vendor == "sqlite":
        return lambda seconds: fromtimestamp(seconds, utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return lambda seconds: fromtimestamp(seconds, utc).strftime("%Y-%m-%d %H:%M:%S.%f+00")


@contextmanager
def unchecked_foreign_keys() -> Iterator[None]:
    """Skip PostgreSQL's per-row foreign-key triggers on this connection (superuser only)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if superuser:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


@contextmanager
def without_indexes(*models_: type[models.Model], log=print) -> Iterator[None]:
    """Drop the secondary indexes of the models' tables for a bulk load, then rebuild them.

    Indexes that back a constraint (primary keys, unique constraints) stay; every other index is
    recreated from its own definition, with its comment, after the block.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid), obj_description(i.oid, 'pg_class'), t.relname
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            """,
            [tables],
        )
        saved = cursor.fetchall()
        for name, _definition, _comment, _table in saved:
            cursor.execute(f'DROP INDEX "{name}"')
    log(f"  dropped {len(saved)} indexes for the load")
    try:
        yield
    finally:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            for name, definition, comment, table in saved:
                t = time.monotonic()
                cursor.execute(definition)
                if comment:
                    cursor.execute(f'COMMENT ON INDEX "{name}" IS %s', [comment])
                log(f"    index {name} on {table} ({time.monotonic() - t:.0f} s)")
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("RESET max_parallel_maintenance_workers")
        log(f"  rebuilt {len(saved)} indexes ({time.monotonic() - started:.0f} s)")
