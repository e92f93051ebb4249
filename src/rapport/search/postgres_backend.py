"""Search queries on PostgreSQL, over the expression indexes of `postgres_index`.

Strict pass: full text, every word as a word prefix (`to_tsquery('simple', 'acm:* & tra:*')`)
against the folded text's tsvector, ranked by `ts_rank` over at most RANK_WINDOW matches (the
tsvector is an index expression, not a stored column, so ranking recomputes it per row; the
window keeps a one-letter query over 100,000 records from costing a second).

Fuzzy pass: pg_trgm word similarity, `word <% text` for every word of four letters or more
(shorter ones as `LIKE '%abc%'`, also answered by the trigram index), ranked by the similarity
of the whole query. The similarity threshold is lowered for the search's own transaction only
(SET LOCAL), because the default 0.6 misses a swapped pair of letters in a short word.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connection, transaction

from .documents import Document
from .postgres_index import text_sql, tsvector_sql

if TYPE_CHECKING:
    from .backends import Visible

WORD_SIMILARITY_THRESHOLD = 0.3
RANK_WINDOW = 2000


@contextmanager
def session() -> Iterator[None]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(WORD_SIMILARITY_THRESHOLD)])
        yield


def _tsquery(words: list[str]) -> str:
    # Words hold letters and digits only (text.WORD), so they need no quoting in a tsquery.
    return " & ".join(f"{w}:*" for w in words)


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fetch(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def strict(doc: Document, words: list[str], visible: Visible, limit: int, cap: int) -> tuple[list[int], int]:
    """Ids of the best `limit` records with every word as a word prefix, and their count (up to `cap`)."""
    table = f'"{doc.table}"'
    tsv = tsvector_sql(doc, f"{table}.")
    matches = (
        f"SELECT {table}.\"id\" AS id, {tsv} AS tsv, {table}.\"updated_at\" AS updated_at FROM {table} "
        f"WHERE {tsv} @@ to_tsquery('simple'::regconfig, %s) AND ({visible.sql})"
    )
    params = [_tsquery(words), *visible.params]
    ids = _fetch(
        f"SELECT id FROM ({matches} LIMIT %s) AS m "
        f"ORDER BY ts_rank(m.tsv, to_tsquery('simple'::regconfig, %s)) DESC, m.updated_at DESC, m.id DESC LIMIT %s",
        [*params, RANK_WINDOW, _tsquery(words), limit],
    )
    if len(ids) < limit:
        return ids, len(ids)
    count = _fetch(f"SELECT count(*) FROM ({matches} LIMIT %s) AS m", [*params, cap])[0]
    return ids, count


def wants_fuzzy(words: list[str]) -> bool:
    return any(len(w) >= 3 for w in words)


def fuzzy(doc: Document, words: list[str], visible: Visible, limit: int, exclude: list[int]) -> list[int]:
    """Ids of up to `limit` records whose words resemble the query's, most similar first."""
    table = f'"{doc.table}"'
    text = text_sql(doc, f"{table}.")
    where, params = [], []
    for word in words:
        if len(word) >= 4:
            where.append(f"%s <%% {text}")
            params.append(word)
        elif len(word) == 3:
            where.append(f"{text} LIKE %s")
            params.append(_like(word))
    if exclude:
        where.append(f"{table}.\"id\" <> ALL(%s)")
        params.append(list(exclude))
    where.append(f"({visible.sql})")
    params.extend(visible.params)
    query = " ".join(words)
    return _fetch(
        f"SELECT {table}.\"id\" FROM {table} WHERE {' AND '.join(where)} "
        f"ORDER BY word_similarity(%s, {text}) DESC, {table}.\"id\" DESC LIMIT %s",
        [*params, query, limit],
    )
