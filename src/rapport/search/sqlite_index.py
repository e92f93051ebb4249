"""The SQLite search index: one FTS5 table per record type, kept in step by triggers.

Why triggers rather than an index update called from the services: a trigger runs inside the
statement that changes the row, so the index is always in the writer's transaction (a rolled
back change leaves no trace in it, a committed one is searchable at once), and it catches every
write path, including the bulk `UPDATE`s the services issue when they unlink rows and anything
run from a shell. The services stay unaware of search.

Each table `search_fts_<type>(title, body)` uses the trigram tokenizer (SQLite >= 3.34), with
its rowid equal to the record's id: any run of three or more characters is indexed, so prefixes
("acm") and inner parts ("@acme.test") match through the index, and a word with a typo still
contains one of the variants the fuzzy pass looks for (see sqlite_backend.py). The tables store
their own copy of the text, folded by `rapport_fold()`, rather than reading it from the records
("external content"), so a delete never depends on handing FTS5 the exact old values.

Django rebuilds a SQLite table to alter a column ("create new, copy, drop old, rename"), and
dropping the old table drops its triggers. `install` therefore runs after every `migrate` (see
apps.py): it compares the triggers and tables with the current definitions in `documents.py`,
and re-creates and refills any that are missing or different.
"""

from __future__ import annotations

import sqlite3

from django.db.backends.base.base import BaseDatabaseWrapper

from .documents import DOCUMENTS, Document
from .text import fold

# FTS5's default rank, with a match in the title worth ten in the body.
RANK = "bm25(10.0, 1.0)"
MIN_SQLITE = (3, 34, 0)

# The SQL function the triggers fold text with (text.fold: lower case, no accents). SQLite's
# trigram tokenizer folds case but, before 3.45, not accents; folding on the way in makes the
# index hold the text that Python and PostgreSQL compare, so "muller" finds "Müller".
FOLD_FUNCTION = "rapport_fold"


def register_functions(sender, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """On every new SQLite connection (connection_created): define rapport_fold() for the triggers.

    A write made without it (the sqlite3 shell) fails with "no such function" instead of
    leaving the index behind: change data through Rapport.
    """
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function(FOLD_FUNCTION, 1, _fold_or_none, deterministic=True)
    # A library built with trusted_schema off refuses app functions in triggers; ours is our own.
    if raw.execute("PRAGMA trusted_schema").fetchone()[0] == 0:
        raw.execute("PRAGMA trusted_schema = ON")


def _fold_or_none(value: str | None) -> str | None:
    return None if value is None else fold(str(value))


def fts_table(doc: Document) -> str:
    return f"search_fts_{doc.type}"


def _values(doc: Document, quote, row: str) -> str:
    title = f"{FOLD_FUNCTION}({doc.concat_sql(doc.title_fields, quote, f'{row}.')})"
    body = f"{FOLD_FUNCTION}({doc.concat_sql(doc.body_fields, quote, f'{row}.')})"
    return f"{row}.{quote('id')}, trim({title}), {body}"


def statements(doc: Document, quote) -> dict[str, str]:
    """name -> CREATE statement of the FTS table and the three triggers of one record type."""
    fts, table = fts_table(doc), quote(doc.table)
    columns = ", ".join(quote(doc.model._meta.get_field(f).column) for f in doc.fields)
    insert = f"INSERT INTO {fts}(rowid, title, body) SELECT {_values(doc, quote, 'NEW')};"
    delete = f"DELETE FROM {fts} WHERE rowid = OLD.{quote('id')};"
    return {
        fts: f"CREATE VIRTUAL TABLE {fts} USING fts5(title, body, tokenize='trigram')",
        f"{fts}_ai": f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"{fts}_au": f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {columns} ON {table} BEGIN {delete} {insert} END",
        f"{fts}_ad": f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
    }


def _existing(cursor) -> dict[str, str]:
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE 'search\\_fts\\_%' ESCAPE '\\'")
    return {name: sql for name, sql in cursor.fetchall()}


def install(connection: BaseDatabaseWrapper) -> list[str]:
    """Create or repair the index of every record type; returns the types that were rebuilt."""
    if connection.vendor != "sqlite":
        return []
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise RuntimeError(f"Search needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer (trigram tokenizer).")
    quote = connection.ops.quote_name
    rebuilt = []
    with connection.cursor() as cursor:
        existing = _existing(cursor)
        for doc in DOCUMENTS.values():
            wanted = statements(doc, quote)
            if all(existing.get(name) == sql for name, sql in wanted.items()):
                continue
            _drop(cursor, doc)
            for sql in wanted.values():
                cursor.execute(sql)
            fts = fts_table(doc)
            cursor.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('rank', '{RANK}')")
            cursor.execute(f"INSERT INTO {fts}(rowid, title, body) SELECT {_values(doc, quote, 'r')} FROM {quote(doc.table)} AS r")
            rebuilt.append(doc.type)
    return rebuilt


def _drop(cursor, doc: Document) -> None:
    fts = fts_table(doc)
    for suffix in ("_ai", "_au", "_ad"):
        cursor.execute(f"DROP TRIGGER IF EXISTS {fts}{suffix}")
    cursor.execute(f"DROP TABLE IF EXISTS {fts}")


def uninstall(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for doc in DOCUMENTS.values():
            _drop(cursor, doc)
