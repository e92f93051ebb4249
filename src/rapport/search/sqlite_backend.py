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
found by the fuzzy pass; `similar`, the last resort when nothing matched anywhere, looks for
titles that share three-letter runs with every word.

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

from .branches import COUNT, Branch
from .documents import Document
from .sqlite_index import fts_table
from .text import allowed_edits, variants

if TYPE_CHECKING:
    from .backends import Visible
    from .branches import Columns

SHORT_SCAN = 2_000


def session() -> AbstractContextManager[None]:
    # No transaction: a search is only reads, and on SQLite (BEGIN IMMEDIATE) a transaction
    # would take the write lock.
    return nullcontext()


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _any(texts) -> str:
    phrases = list(dict.fromkeys(_phrase(t) for t in texts))
    return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"


def _starts_word(text_sql: str, words: list[str]) -> tuple[list[str], list[str]]:
    """Each short word must begin a word of `text_sql`, which is folded text (GLOB is case-sensitive)."""
    return [f"(' ' || {text_sql}) GLOB %s" for _ in words], [f"*[^0-9a-z]{w}*" for w in words]


class _Query:
    """SELECT ... FROM the FTS table joined to the record table, with conditions and params."""

    def __init__(self, doc: Document, visible: Visible, match: str | None):
        self.doc = doc
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


def _branch(query: _Query, kind: int, rank: str, order: str, limit: int, columns: Columns) -> Branch:
    table = query.table
    sql, params = query.sql(f"{kind} AS k, {table}.\"id\" AS id, CAST({rank} AS DOUBLE PRECISION) AS r, {columns(query.doc, f'{table}.')}")
    return Branch(f"{sql} ORDER BY {order} LIMIT %s", [*params, limit])


def strict_branches(doc: Document, words: list[str], visible: Visible, limit: int, cap: int, columns: Columns) -> list[Branch]:
    """The newest `limit` records with every word in the title (k = 0), the newest `limit` with
    every word anywhere (k = 1; the caller keeps each record once, title matches first), and how
    many match (k = 9, up to `cap`)."""
    long_words = [w for w in words if len(w) >= 3]
    short = [w for w in words if len(w) < 3]
    if not long_words:
        return [_strict_short(doc, short, visible, cap, columns)]
    phrases = " AND ".join(_phrase(w) for w in long_words)
    fts = fts_table(doc)
    content = f"{fts}.title || ' ' || {fts}.body"
    branches = []
    # Newest first within each kind: FTS5 walks its lists by rowid and stops at the limit,
    # where a BM25 ranking would score every match first.
    for kind, match in enumerate((f"{{title}} : ({phrases})", phrases)):
        query = _Query(doc, visible, match)
        query.add(*_starts_word(content, short))
        branches.append(_branch(query, kind, f"-{fts}.rowid", f"{fts}.rowid DESC", limit, columns))
    query = _Query(doc, visible, phrases)
    query.add(*_starts_word(content, short))
    sql, params = query.sql("1")
    branches.append(Branch(f"SELECT {COUNT} AS k, count(*) AS id, CAST(0 AS DOUBLE PRECISION) AS r, {columns(None, '')} FROM ({sql} LIMIT %s)", [*params, cap]))
    return branches


def _strict_short(doc: Document, words: list[str], visible: Visible, cap: int, columns: Columns) -> Branch:
    """Words of one or two letters: the titles of the newest SHORT_SCAN records, up to `cap`
    matches (no count row: the caller counts the rows)."""
    fts, table = fts_table(doc), f'"{doc.table}"'
    conditions, params = _starts_word(f"{fts}.title", words)
    # The newest rows of the workspace, through its (workspace, created_at, id) index, each
    # looked up in the FTS table by rowid for its folded title.
    newest = (
        f"SELECT {table}.\"id\" AS id, row_number() OVER (ORDER BY {table}.\"created_at\" DESC, {table}.\"id\" DESC) AS position "
        f"FROM {table} WHERE ({visible.sql}) ORDER BY {table}.\"created_at\" DESC, {table}.\"id\" DESC LIMIT %s"
    )
    return Branch(
        f"SELECT 1 AS k, {table}.\"id\" AS id, CAST(newest.position AS DOUBLE PRECISION) AS r, {columns(doc, f'{table}.')} "
        f"FROM ({newest}) AS newest JOIN {fts} ON {fts}.rowid = newest.id JOIN {table} ON {table}.\"id\" = newest.id "
        f"WHERE {' AND '.join(conditions)} ORDER BY newest.position LIMIT %s",
        [*visible.params, SHORT_SCAN, *params, cap],
    )


def wants_fuzzy(words: list[str]) -> bool:
    return any(allowed_edits(len(w)) for w in words)


def fuzzy_branch(doc: Document, words: list[str], visible: Visible, limit: int, exclude: list[int], columns: Columns) -> Branch:
    """Up to `limit` records that may match the words with typos, best ranked first."""
    parts = [_any(variants(w)) for w in words if len(w) >= 3]
    query = _Query(doc, visible, " AND ".join(parts))
    query.add(*_starts_word(f"{query.fts}.title || ' ' || {query.fts}.body", [w for w in words if len(w) < 3]))
    if exclude:
        query.add([f"{query.fts}.rowid NOT IN ({', '.join(['%s'] * len(exclude))})"], list(exclude))
    return _branch(query, 0, f"{query.fts}.rank", f"{query.fts}.rank", limit, columns)


def similar_branch(doc: Document, words: list[str], visible: Visible, limit: int, columns: Columns) -> Branch | None:
    """The last resort: titles sharing a three-letter run with every word, best BM25 first.

    What the fuzzy pass cannot find (a wrong or missing letter in a word under eight letters,
    "Garsia" for "García") still shares runs of three letters with the right word; any run will
    do, and `text.analyse` measures the edit distance. Titles only, and only when nothing else
    matched, because common runs ("ing") match a large part of a workspace.
    """
    parts = []
    for word in (w for w in words if len(w) >= 3):
        runs = [word[i : i + 3] for i in range(len(word) - 2)] if allowed_edits(len(word)) else [word]
        parts.append(_any(runs))
    if not parts:
        return None
    query = _Query(doc, visible, "{title} : (" + " AND ".join(parts) + ")")
    return _branch(query, 0, f"{query.fts}.rank", f"{query.fts}.rank", limit, columns)
