"""The PostgreSQL search indexes: expression indexes over the records' own columns.

Two GIN indexes per record type, over folded text (`rapport_unaccent(lower(...))`, with
punctuation inside tokens made spaces; fields from documents.py):

- `to_tsvector('simple', <title and body>)`: word-prefix matching (`acm:*`), the strict pass
  and the typo variants of the fuzzy pass;
- `<title>` with `gin_trgm_ops` (pg_trgm): `word <% title` word similarity, the fuzzy pass's
  answer to a wrong or missing letter in a name. Titles only: checking a candidate means
  computing its word similarity, cheap on a name and ~100 times dearer on an e-mail's body,
  and a short typo'd word has thousands of trigram candidates.

An expression index needs no sync at all: PostgreSQL maintains it in the transaction that
changes the row. Queries use an index only when their expression is exactly the indexed one, so
`tsvector_sql` and `title_sql` are the single source of both, and `install` (run by the migration
and after every `migrate`, see apps.py) rebuilds an index whose definition changed.

Keyed by workspace: each index leads with `workspace_id` (a btree_gin column), so the scan
intersects the workspace's entries with the words' entries inside the index, and rows of other
workspaces that contain the same words are never fetched from the table. On one large workspace
this costs little (one more posting list); on an install with many workspaces, or sharded by
`workspace_id` (Citus), it is what keeps a search proportional to the searcher's own workspace.
A partial index per workspace would do the same but needs DDL for every new workspace.

`fastupdate = off`: GIN's pending list makes writes cheaper but every search then scans the
list linearly until a vacuum merges it; a CRM writes little and searches often.

`unaccent()` is only STABLE (its dictionary could change), which an index expression refuses;
`rapport_unaccent` pins the dictionary and is declared IMMUTABLE, the usual way round it.
"""

from __future__ import annotations

import hashlib

from django.db.backends.base.base import BaseDatabaseWrapper

from .documents import DOCUMENTS, Document

EXTENSIONS = ("pg_trgm", "unaccent", "btree_gin")

# COST: the function is not inlined (its body is only STABLE), and folding a long activity body
# costs far more than the default estimate; priced right, the planner answers through the GIN
# indexes instead of re-folding every row a seller owns.
UNACCENT_FUNCTION = """
CREATE OR REPLACE FUNCTION rapport_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT COST 5000
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""


def _quote(name: str) -> str:
    return f'"{name}"'


# Punctuation that joins words into one token for PostgreSQL's text search parser (e-mails,
# host names, hyphenated words, and "<...>" that it takes for an HTML tag and drops): turned
# into spaces, so "jane@acme-trading.test" is indexed as the words "jane acme trading test",
# as text.WORD splits it.
JOINERS = "@.-_/:+\"'[](),;<>&="


def _fold(text: str) -> str:
    joiners = JOINERS.replace("'", "''")
    return f"translate(rapport_unaccent(lower({text})), '{joiners}', '{' ' * len(JOINERS)}')"


def text_sql(doc: Document, prefix: str = "") -> str:
    """The folded searchable text (title and body) of a row of `doc`'s table."""
    return _fold(doc.concat_sql(doc.fields, _quote, prefix))


def title_sql(doc: Document, prefix: str = "") -> str:
    """The folded title of a row of `doc`'s table (what pg_trgm compares typos with)."""
    return _fold(doc.concat_sql(doc.title_fields, _quote, prefix))


def tsvector_sql(doc: Document, prefix: str = "") -> str:
    return f"to_tsvector('simple'::regconfig, {text_sql(doc, prefix)})"


def index_names(doc: Document) -> tuple[str, str]:
    return f"search_{doc.type}_tsv", f"search_{doc.type}_trgm"


def index_statements(doc: Document) -> dict[str, str]:
    """index name -> CREATE INDEX statement, for the two indexes of one record type."""
    tsv, trgm = index_names(doc)
    table = _quote(doc.table)
    return {
        tsv: f"CREATE INDEX {tsv} ON {table} USING gin (workspace_id, ({tsvector_sql(doc)})) WITH (fastupdate = off)",
        trgm: f"CREATE INDEX {trgm} ON {table} USING gin (workspace_id, ({title_sql(doc)}) gin_trgm_ops) WITH (fastupdate = off)",
    }


def _fingerprint(sql: str) -> str:
    return "rapport-search " + hashlib.sha256(sql.encode()).hexdigest()[:16]


def install(connection: BaseDatabaseWrapper) -> list[str]:
    """Create the extensions, the function and any index that is missing or out of date.

    Each index carries a comment with a fingerprint of its statement, so a changed definition
    in documents.py is noticed on the next `migrate` and the index rebuilt; returns the names of
    the indexes (re)built.
    """
    if connection.vendor != "postgresql":
        return []
    built = []
    with connection.cursor() as cursor:
        for name in EXTENSIONS:
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
        cursor.execute(UNACCENT_FUNCTION)
        for doc in DOCUMENTS.values():
            for name, sql in index_statements(doc).items():
                cursor.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [name])
                row = cursor.fetchone()
                if row and row[0] == _fingerprint(sql):
                    continue
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
                cursor.execute(sql)
                cursor.execute(f"COMMENT ON INDEX {name} IS '{_fingerprint(sql)}'")
                built.append(name)
    return built


def uninstall(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for doc in DOCUMENTS.values():
            for name in index_names(doc):
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        # The extensions stay: other code (or the operator) may rely on them.
        cursor.execute("DROP FUNCTION IF EXISTS rapport_unaccent(text)")
