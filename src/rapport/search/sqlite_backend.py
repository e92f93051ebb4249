"""Search queries on SQLite, over the trigram FTS5 tables that `sqlite_index` keeps.

Strict pass: every query word of three letters or more must occur in the record (an FTS5
phrase, which the trigram tokenizer matches as a substring: prefixes and inner parts of words);
shorter words must start a word (a GLOB on the candidates, which FTS5 cannot index). Candidates
come newest first, records with every word in the title before the others, and `text.analyse`
ranks them; a BM25 ranking would have to score every match of a common word first. A query
made only of one- and two-letter words has nothing to look up in a trigram index: it looks at
the titles of the newest SHORT_SCAN records of each type (through the workspace's own index),
which is what someone who has typed two letters is after; the next letter uses the index.

Fuzzy pass, for typos: the trigram index cannot measure an edit distance, so each word becomes
an OR of substrings that a record with that word misspelt must contain: its neighbour-swap and
one-deletion variants ("trdaing" -> "trading", "prodduct" -> "product") and, for words of eight
letters or more, its halves (one half survives one substitution or insertion). Variants shorter
than four letters or that change the first letter are left out: they match too much to be worth
ranking. `text.analyse` then keeps the candidates within the allowed edit distance. So on
SQLite a substitution or a missing letter in a word under eight letters ("Smoth") is not
found; PostgreSQL's trigram similarity finds those too.

Accents: the index holds folded text (see sqlite_index.FOLD_FUNCTION) and the query words are folded
the same way, so "muller" finds "Müller" and "müller" finds "Muller".

Workspaces: the FTS5 tables span every workspace (their rowid is the record's id, so they
cannot be partitioned by workspace); the join with the record table applies the workspace and
the rest of the visibility rule. The embedded install holds one or a few workspaces; large
multi-workspace installs run on PostgreSQL, whose indexes lead with the workspace.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from django.db import connection

from .documents import Document
from .sqlite_index import fts_table
from .text import allowed_edits, variants

if TYPE_CHECKING:
    from .backends import Visible

SHORT_SCAN = 2_000


def session() -> AbstractContextManager[None]:
    # No transaction: a search is only reads, and on SQLite (BEGIN IMMEDIATE) a transaction
    # would take the write lock.
    return nullcontext()


def _fetch(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _any(texts) -> str:
    phrases = list(dict.fromkeys(_phrase(t) for t in texts))
    return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"


def _starts_word(text_sql: str, words: list[str]) -> tuple[list[str], list[str]]:
    """Each short word must begin a word of `text_sql`, which is folded text (GLOB is case-sensitive)."""
    return [f"(' ' || {text_sql}) GLOB %s" for _ in words], [f"*[^0-9a-z]{w}*" for w in words]


class _Query:
    """SELECT <id> FROM the FTS table joined to the record table, with conditions and params."""

    def __init__(self, doc: Document, visible: Visible, match: str | None):
        self.fts, self.table = fts_table(doc), f'"{doc.table}"'
        self.where: list[str] = []
        self.params: list = []
        if match:
            self.where.append(f"{self.fts} MATCH %s")
            self.params.append(match)
        self.visible = visible

    def add(self, conditions: list[str], params: list) -> None:
        self.where += conditions
        self.params += params

    def sql(self, columns: str) -> tuple[str, list]:
        where = " AND ".join([*self.where, f"({self.visible.sql})"])
        sql = f"SELECT {columns} FROM {self.fts} JOIN {self.table} ON {self.table}.\"id\" = {self.fts}.rowid WHERE {where}"
        return sql, [*self.params, *self.visible.params]


def strict(doc: Document, words: list[str], visible: Visible, limit: int, cap: int) -> tuple[list[int], int]:
    """Ids of `limit` records containing every word, title matches first, and how many (up to `cap`)."""
    long_words = [w for w in words if len(w) >= 3]
    short = [w for w in words if len(w) < 3]
    if not long_words:
        return _strict_short(doc, short, visible, limit, cap)
    phrases = " AND ".join(_phrase(w) for w in long_words)
    fts = fts_table(doc)
    content = f"{fts}.title || ' ' || {fts}.body"
    ids: list[int] = []
    # Newest first within each step: FTS5 walks its lists by rowid and stops at the limit,
    # where a BM25 ranking would score every match first.
    for match in (f"{{title}} : ({phrases})", phrases):
        query = _Query(doc, visible, match)
        query.add(*_starts_word(content, short))
        if ids:
            query.add([f"{fts}.rowid NOT IN ({', '.join(['%s'] * len(ids))})"], ids)
        sql, params = query.sql(f"{fts}.rowid")
        ids += _fetch(f"{sql} ORDER BY {fts}.rowid DESC LIMIT %s", [*params, limit - len(ids)])
        if len(ids) >= limit:
            break
    if len(ids) < limit:
        return ids, len(ids)
    query = _Query(doc, visible, phrases)
    query.add(*_starts_word(content, short))
    sql, params = query.sql("1")
    return ids, _fetch(f"SELECT count(*) FROM ({sql} LIMIT %s)", [*params, cap])[0]


def _strict_short(doc: Document, words: list[str], visible: Visible, limit: int, cap: int) -> tuple[list[int], int]:
    fts, table = fts_table(doc), f'"{doc.table}"'
    conditions, params = _starts_word(f"{fts}.title", words)
    # The newest rows of the workspace, through its (workspace, created_at, id) index, each
    # looked up in the FTS table by rowid for its folded title.
    newest = (
        f"SELECT {table}.\"id\" AS id FROM {table} WHERE ({visible.sql}) "
        f"ORDER BY {table}.\"created_at\" DESC, {table}.\"id\" DESC LIMIT %s"
    )
    found = _fetch(
        f"SELECT {fts}.rowid FROM ({newest}) AS newest JOIN {fts} ON {fts}.rowid = newest.id "
        f"WHERE {' AND '.join(conditions)} LIMIT %s",
        [*visible.params, SHORT_SCAN, *params, cap],
    )
    return found[:limit], len(found)


def wants_fuzzy(words: list[str]) -> bool:
    return any(allowed_edits(len(w)) for w in words)


def fuzzy(doc: Document, words: list[str], visible: Visible, limit: int, exclude: list[int]) -> list[int]:
    """Ids of up to `limit` records that may match the words with typos, best ranked first."""
    parts = [_any(variants(w)) for w in words if len(w) >= 3]
    query = _Query(doc, visible, " AND ".join(parts))
    query.add(*_starts_word(f"{query.fts}.title || ' ' || {query.fts}.body", [w for w in words if len(w) < 3]))
    if exclude:
        query.add([f"{query.fts}.rowid NOT IN ({', '.join(['%s'] * len(exclude))})"], list(exclude))
    sql, params = query.sql(f"{query.fts}.rowid")
    return _fetch(f"{sql} ORDER BY {query.fts}.rank LIMIT %s", [*params, limit])
