"""Global search (SPEC R10): `search(actor, query)` over every record type, permission-aware.

How a search runs, per record type:

1. The record type's visibility filter is taken from `visible_to(actor, Model)` (SPEC P5) and
   put inside the index query, so ranking and limits only ever see rows the member may see.
2. A strict pass asks the index for records containing every query word (SQLite: as a part of
   a word, through the trigram FTS5 table; PostgreSQL: as a word beginning, through the
   tsvector index), best ranked first, plus a capped count.
3. When that fills fewer hits than asked for, a fuzzy pass asks for look-alikes: records with
   one-edit variants of each word (and, on SQLite, pieces of long words). When no record type
   found anything at all, a last pass asks for titles that merely resemble the words
   (PostgreSQL: pg_trgm word similarity; SQLite: shared three-letter runs).
4. `text.analyse` checks the candidates (a few dozen) word by word, scores them and marks the
   matches. The candidates come with their fields, from queries that carry the visibility
   condition, and each pass asks about every record type at once (`branches.py`), so a whole
   search costs one to three queries.

The backend-specific SQL lives in `sqlite_backend.py` and `postgres_backend.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

from . import branches, postgres_backend, sqlite_backend
from .documents import DOCUMENTS, TYPES, Document
from .text import Marked, analyse, query_words

MAX_QUERY_LENGTH = 200
MAX_LIMIT = 50
# Counts stop here: "200+" says enough, and counting further would cost a scan.
COUNT_CAP = 200
# Candidates fetched beyond the limit, so re-ranking can promote a better hit into view.
EXTRA_CANDIDATES = 10
FUZZY_CANDIDATES = 40


@dataclass
class Hit:
    """One record found: what it is called, where the query matched, and its page."""

    type: str
    id: int
    title: Marked
    snippet: Marked | None
    snippet_label: str
    url: str
    score: float


@dataclass
class Group:
    """The hits of one record type, best first, and how many records matched in all."""

    type: str
    label: str
    count: int
    hits: list[Hit] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.hits)

    @property
    def count_capped(self) -> bool:
        return self.count >= COUNT_CAP


@dataclass
class SearchResults:
    query: str
    words: list[str]
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)

    def group(self, type_: str) -> Group | None:
        return next((g for g in self.groups if g.type == type_), None)


@dataclass(frozen=True)
class Visible:
    """The SQL condition (on the record table's own name) of the rows an actor may see."""

    sql: str
    params: list[Any]


def clean_query(query: str | None) -> list[str]:
    """The query's words, or a ValidationError on field "q" saying what is wrong with it."""
    query = (query or "").strip()
    if not query:
        raise ValidationError({"q": _("Type something to search for.")})
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationError({"q": _("Search for at most %(n)d characters.") % {"n": MAX_QUERY_LENGTH}})
    if "\x00" in query:
        raise ValidationError({"q": _("Text may not contain NUL characters.")})
    words = query_words(query)
    if not words:
        raise ValidationError({"q": _("Type at least one letter or digit.")})
    return words


def clean_types(types: Iterable[str] | str | None) -> tuple[str, ...]:
    """Record types to search, in display order; None or empty means all of them."""
    if types is None:
        return TYPES
    if isinstance(types, str):
        types = types.split(",")
    wanted = {t.strip() for t in types if t.strip()}
    unknown = sorted(wanted - set(TYPES))
    if unknown:
        raise ValidationError({"types": _("Unknown record type %(type)r; use %(types)s.") % {"type": unknown[0], "types": ", ".join(TYPES)}})
    return tuple(t for t in TYPES if t in wanted) or TYPES


def visible_condition(actor: Member, doc: Document) -> Visible | None:
    """`visible_to(actor, Model)` as a WHERE condition; None when the actor sees none of them."""
    qs = visible_to(actor, doc.model)
    if qs.query.is_empty():
        return None
    compiler = qs.query.get_compiler(connection=connection)
    # Joins that filters trimmed away stay in alias_map with no reference: only used ones count.
    joined = [a for a, refs in qs.query.alias_refcount.items() if refs and a != doc.table]
    if not joined:
        try:
            sql, params = compiler.compile(qs.query.where)
        except EmptyResultSet:
            return None
        return Visible(sql or "1=1", list(params))
    # A rule that needs a join cannot be inlined; as a subquery it still applies exactly.
    sql, params = qs.values("pk").query.sql_with_params()
    return Visible(f'"{doc.table}"."id" IN ({sql})', list(params))


def _backend():
    if connection.vendor == "postgresql":
        return postgres_backend
    if connection.vendor == "sqlite":
        return sqlite_backend
    raise NotImplementedError(f"Search supports SQLite and PostgreSQL, not {connection.vendor}.")


def _hits(doc: Document, words: list[str], rows: list[Any]) -> list[Hit]:
    """Candidates (already limited to what the actor may see) checked and scored word by word."""
    hits = []
    for row in rows:
        found = analyse(words, doc.title_of(row), doc.labelled_body(row))
        if found is not None:
            hits.append(Hit(doc.type, row.id, found.title, found.snippet, found.snippet_label, doc.url(row.id), found.score))
    return hits


def search(actor: Member, query: str, *, types: Iterable[str] | str | None = None, limit_per_type: int = 5) -> SearchResults:
    """Search every record type (or `types`) for `query`, as `actor` may see them.

    Each pass (strict, fuzzy, similar) is one query over all the types searched (see branches.py).
    Raises ValidationError (fields "q", "types", "limit") for a query that is empty, longer than
    MAX_QUERY_LENGTH, or without letters or digits, an unknown type, or a limit out of range.
    """
    words = clean_query(query)
    wanted = clean_types(types)
    if not 1 <= limit_per_type <= MAX_LIMIT:
        raise ValidationError({"limit": _("Ask for 1 to %(n)d hits per type.") % {"n": MAX_LIMIT}})
    backend = _backend()
    docs = [DOCUMENTS[t] for t in wanted]
    groups = {doc.type: Group(doc.type, str(doc.label), 0) for doc in docs}
    hits: dict[str, list[Hit]] = {doc.type: [] for doc in docs}
    with backend.session():
        visible = {doc.type: visible_condition(actor, doc) for doc in docs}
        searched = [doc for doc in docs if visible[doc.type] is not None]
        limit = limit_per_type + EXTRA_CANDIDATES
        strict = branches.run([
            (doc, branch) for doc in searched
            for branch in backend.strict_branches(doc, words, visible[doc.type], limit, COUNT_CAP, branches.field_columns)
        ])
        for doc in searched:
            found = strict[doc.type]
            found.rows = found.rows[:limit]
            count = found.count if found.count is not None and len(found.rows) >= limit else len(found.rows)
            hits[doc.type] = _hits(doc, words, found.rows)
            # Every match was checked: count what passed, not what the index proposed.
            groups[doc.type].count = len(hits[doc.type]) if count == len(found.rows) else count
        fuzzy_docs = [doc for doc in searched if len(hits[doc.type]) < limit_per_type] if backend.wants_fuzzy(words) else []
        fuzzy = branches.run([
            (doc, backend.fuzzy_branch(doc, words, visible[doc.type], FUZZY_CANDIDATES, strict[doc.type].ids, branches.field_columns))
            for doc in fuzzy_docs
        ])
        for doc in fuzzy_docs:
            fuzzy_hits = _hits(doc, words, fuzzy[doc.type].rows)
            hits[doc.type] += fuzzy_hits
            groups[doc.type].count = min(COUNT_CAP, groups[doc.type].count + len(fuzzy_hits))
        if not any(hits.values()) and hasattr(backend, "similar_branch"):
            # The last resort of a backend that has one: titles that merely resemble the words.
            parts = [(doc, backend.similar_branch(doc, words, visible[doc.type], FUZZY_CANDIDATES, branches.field_columns)) for doc in searched]
            similar = branches.run([(doc, branch) for doc, branch in parts if branch is not None])
            for doc in searched:
                hits[doc.type] = _hits(doc, words, similar[doc.type].rows)
                groups[doc.type].count = len(hits[doc.type])
    for doc in docs:
        # Stable: equal scores keep the index's order (its rank, then the newest first).
        groups[doc.type].hits = sorted(hits[doc.type], key=lambda h: -h.score)[:limit_per_type]
    return SearchResults(query=query.strip(), words=words, groups=[groups[doc.type] for doc in docs])
