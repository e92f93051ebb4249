"""Search queries on PostgreSQL, over the expression indexes of `postgres_index`.

Strict pass: full text, every word as a word prefix (`to_tsquery('simple', 'acm:* & tra:*')`)
against the folded text's tsvector. The newest RANK_WINDOW matches are ordered with the records
whose title holds every word first; `ts_rank` would recompute the tsvector (an index
expression, not a stored column) for every match of a common word. Parallel workers and JIT
are off for the search's transaction: starting either costs more than these queries.

Fuzzy pass: every word of four letters or more matches a word of the record starting with one
of its neighbour-swap or one-deletion variants (`text.variants`, through the tsvector index):
"Smtih" -> "smith", "Acme Trdaing" -> "Acme Trading", "brochurre" -> "brochure".

Similar pass, the last resort when neither found anything in any record type: pg_trgm word
similarity of every word with the title, at least WORD_SIMILARITY_THRESHOLD (`word <% title`,
through the title's trigram index): a wrong or missing letter in a name ("tradng" ->
"Trading", "kowalsky" -> "Kowalski"). Checking a trigram candidate costs a similarity
computation, and a short word has thousands of candidates, hence last, and titles only. The
threshold is set for the search's own transaction only (SET LOCAL).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connection, transaction

from .branches import COUNT, Branch, id_only
from .documents import Document
from .postgres_index import title_sql, tsvector_sql
from .text import allowed_edits, variants

if TYPE_CHECKING:
    from .backends import Visible
    from .branches import Columns

WORD_SIMILARITY_THRESHOLD = 0.4
RANK_WINDOW = 500
SEARCH_WORK_MEM = "64MB"
# The newest ids asked first for a word's newest matches (see _newest_matches).
RECENT_IDS = 100_000


@contextmanager
def session() -> Iterator[None]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
                # Starting parallel workers, or compiling with JIT (which the high price of
                # folding text invites), costs more than any of these small queries.
                "set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true), "
                # A common word matches hundreds of thousands of rows: with the default 4 MB the
                # bitmap of their pages turns lossy, and every row of a lossy page has its text
                # folded again to recheck it (6 s instead of 0.7 s for "proposal" in 5M activities).
                "set_config('work_mem', %s, true)",
                [str(WORD_SIMILARITY_THRESHOLD), SEARCH_WORK_MEM],
            )
        yield


def _prefixes(words: list[str], joiner: str) -> str:
    # Words hold letters and digits only (text.WORD), so they need no quoting in a tsquery.
    return joiner.join(f"{w}:*" for w in words)


def _newest(table: str) -> str:
    # "+ 0": ordered by the primary key with a LIMIT, the planner may walk the key backwards and
    # test the tsvector on every row, betting on finding matches early; a search must go
    # through its GIN index, whatever the bet.
    return f"{table}.\"id\" + 0 DESC"


def _fetch_all(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _fetch(sql: str, params: list) -> list:
    return [row[0] for row in _fetch_all(sql, params)]


def _rows(table: str, doc: Document, columns: Columns, top: str, params: list, kind: str, rank: str) -> Branch:
    """One branch of a search query: the `top` candidates (a subquery of ids and what `kind` and
    `rank` read), joined back to the table for the fields analyse reads; only `limit` rows are
    fetched whole, never the window they were picked from."""
    sql = (
        f"SELECT {kind} AS k, {table}.\"id\" AS id, CAST({rank} AS DOUBLE PRECISION) AS r, {columns(doc, f'{table}.')} "
        f"FROM ({top}) AS m JOIN {table} ON {table}.\"id\" = m.id"
    )
    return Branch(sql, params)


def _newest_matches(table: str, title: str, matches: str, params: list, size: int) -> tuple[str, list]:
    """The `size` newest matches (id, title), in two slices of ids.

    A common word matches hundreds of thousands of rows; reading all of them from the heap to
    keep the newest few hundred took most of a search. The newest RECENT_IDS ids are asked first
    (PostgreSQL intersects the word's GIN bitmap with that range of the primary key before it
    reads a row); the older rows only when the recent ones hold fewer than `size` matches.
    The LIMIT over the UNION ALL stops before the second slice whenever the first one filled it,
    and since the slices are consecutive id ranges, the result is the same newest matches.
    """
    newest = _newest(table)
    floor = f"(SELECT max(\"id\") FROM {table}) - %s"
    select = f"SELECT {table}.\"id\" AS id, ' ' || lower({title}) AS title {matches}"
    sql = (
        f"SELECT * FROM (({select} AND {table}.\"id\" >= {floor} ORDER BY {newest} LIMIT %s) UNION ALL "
        # "+ 0" on the older slice: its few matches are checked row by row, where a bitmap of
        # every older id would cost more than the rows.
        f"({select} AND {table}.\"id\" + 0 < {floor} ORDER BY {newest} LIMIT %s)) AS slices LIMIT %s"
    )
    return sql, [*params, RECENT_IDS, size, *params, RECENT_IDS, size, size]


def strict_branches(doc: Document, words: list[str], visible: Visible, limit: int, cap: int, columns: Columns) -> list[Branch]:
    """Records with every word as a word prefix: the `limit` best (title matches first, k = 0,
    then the others, k = 1, newest first) and their count up to `cap` (k = 9).

    Both come from one window of the newest matches, read once (a CTE): at least RANK_WINDOW
    of them, and never fewer than `cap`, so that the window's size, capped, is the number of
    matches up to the cap.
    """
    table = f'"{doc.table}"'
    title = doc.concat_sql(doc.title_fields, lambda n: f'"{n}"', f"{table}.")
    matches = f"FROM {table} WHERE {tsvector_sql(doc, f'{table}.')} @@ to_tsquery('simple'::regconfig, %s) AND ({visible.sql})"
    size = max(RANK_WINDOW, cap, limit)
    window, window_params = _newest_matches(table, title, matches, [_prefixes(words, " & "), *visible.params], size)
    # Every word starting a word of the title: a rough test (no accent folding) that only
    # orders the window; text.analyse ranks the hits properly.
    in_title = " AND ".join(["position(%s IN w.title) > 0"] * len(words))
    sql = (
        f"WITH w AS MATERIALIZED ({window}), "
        f"m AS (SELECT w.id, ({in_title}) AS in_title FROM w ORDER BY 2 DESC, w.id DESC LIMIT %s) "
        f"SELECT CASE WHEN m.in_title THEN 0 ELSE 1 END AS k, {table}.\"id\" AS id, CAST(-{table}.\"id\" AS DOUBLE PRECISION) AS r, "
        f"{columns(doc, f'{table}.')} FROM m JOIN {table} ON {table}.\"id\" = m.id "
        f"UNION ALL SELECT {COUNT} AS k, LEAST(count(*), %s) AS id, CAST(0 AS DOUBLE PRECISION) AS r, {columns(None, '')} FROM w"
    )
    params = [*window_params, *[f" {w}" for w in words], limit, cap]
    return [Branch(sql, params)]


def strict(doc: Document, words: list[str], visible: Visible, limit: int, cap: int) -> tuple[list[int], int]:
    """Ids of `limit` records with every word as a word prefix, title matches first, and their count (up to `cap`)."""
    (branch,) = strict_branches(doc, words, visible, limit, cap, id_only)
    rows = _fetch_all(f"SELECT k, id FROM ({branch.sql}) AS b ORDER BY k, r", branch.params)
    ids = [pk for k, pk in rows if k != COUNT]
    count = next(pk for k, pk in rows if k == COUNT)
    return ids, (len(ids) if len(ids) < limit else count)


def wants_fuzzy(words: list[str]) -> bool:
    return any(allowed_edits(len(w)) for w in words)


def fuzzy_branch(doc: Document, words: list[str], visible: Visible, limit: int, exclude: list[int], columns: Columns) -> Branch:
    """Up to `limit` records with every word or one of its variants as a word prefix, newest first."""
    table = f'"{doc.table}"'
    newest = _newest(table)
    tsv = tsvector_sql(doc, f"{table}.")
    query = " & ".join(
        "(" + _prefixes([v for v in variants(w) if v[0] == w[0]] if allowed_edits(len(w)) else [w], " | ") + ")" for w in words
    )
    where, params = [f"{tsv} @@ to_tsquery('simple'::regconfig, %s)"], [query]
    if exclude:
        where.append(f"{table}.\"id\" <> ALL(%s)")
        params.append(list(exclude))
    where.append(f"({visible.sql})")
    params.extend(visible.params)
    top = f"SELECT {table}.\"id\" AS id FROM {table} WHERE {' AND '.join(where)} ORDER BY {newest} LIMIT %s"
    return _rows(table, doc, columns, top, [*params, limit], "0", f"-{table}.\"id\"")


def fuzzy(doc: Document, words: list[str], visible: Visible, limit: int, exclude: list[int]) -> list[int]:
    """Ids of up to `limit` records with every word or one of its variants as a word prefix."""
    branch = fuzzy_branch(doc, words, visible, limit, exclude, id_only)
    return _fetch(f"SELECT id FROM ({branch.sql}) AS b ORDER BY r", branch.params)


def similar_branch(doc: Document, words: list[str], visible: Visible, limit: int, columns: Columns) -> Branch | None:
    """Up to `limit` records whose title resembles every word (of three letters or more), most similar first."""
    table = f'"{doc.table}"'
    title = title_sql(doc, f"{table}.")
    long_words = [w for w in words if len(w) >= 3]
    if not long_words:
        return None
    where = [f"%s <%% {title}" for _ in long_words] + [f"({visible.sql})"]
    top = (
        f"SELECT {table}.\"id\" AS id, word_similarity(%s, {title}) AS similarity FROM {table} WHERE {' AND '.join(where)} "
        f"ORDER BY 2 DESC, {table}.\"id\" DESC LIMIT %s"
    )
    return _rows(table, doc, columns, top, [" ".join(words), *long_words, *visible.params, limit], "0", "-m.similarity")


def similar(doc: Document, words: list[str], visible: Visible, limit: int) -> list[int]:
    """Ids of up to `limit` records whose title resembles every word (of three letters or more)."""
    branch = similar_branch(doc, words, visible, limit, id_only)
    if branch is None:
        return []
    return _fetch(f"SELECT id FROM ({branch.sql}) AS b ORDER BY r, id DESC", branch.params)
