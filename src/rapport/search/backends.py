"""Global search (SPEC R10): `search(actor, query)` over every record type, permission-aware.

How a search runs, per record type:

1. The record type's visibility filter is taken from `visible_to(actor, Model)` (SPEC P5) and
   put inside the index query, so ranking and limits only ever see rows the member may see.
2. A strict pass asks the index for records containing every query word (SQLite: as a part of
   a word, through the trigram FTS5 table; PostgreSQL: as a word beginning, through the
   tsvector index), best ranked first, plus a capped count.
3. When that fills fewer hits than asked for, a fuzzy pass asks for look-alikes: records with
   one-edit variants of each word (and, on SQLite, pieces of long words). On PostgreSQL, when
   no record type found anything at all, a last pass asks pg_trgm for similar titles.
4. `text.analyse` checks the candidates (a few dozen) word by word, scores them and marks the
   matches; rows are loaded through `visible_to` again, in one query per type.

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

from . import postgres_backend, sqlite_backend
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


def _load(actor: Member, doc: Document, words: list[str], ids: list[int]) -> list[Hit]:
    """Rows of `ids` (through visible_to again), checked and scored word by word."""
    if not ids:
        return []
    rows = visible_to(actor, doc.model).filter(pk__in=ids).only("id", *doc.fields)
    by_id = {row.pk: row for row in rows}
    hits = []
    for pk in ids:
        row = by_id.get(pk)
        if row is None:
            continue
        found = analyse(words, doc.title_of(row), doc.labelled_body(row))
        if found is None:
            continue
        hits.append(Hit(doc.type, pk, found.title, found.snippet, found.snippet_label, doc.url(pk), found.score))
    return hits


def _search_type(backend, actor: Member, doc: Document, words: list[str], limit: int) -> Group:
    group = Group(doc.type, str(doc.label), 0)
    visible = visible_condition(actor, doc)
    if visible is None:
        return group
    ids, count = backend.strict(doc, words, visible, limit + EXTRA_CANDIDATES, COUNT_CAP)
    hits = _load(actor, doc, words, ids)
    # Every match was checked: count what passed, not what the index proposed.
    group.count = len(hits) if count == len(ids) else count
    if len(hits) < limit and backend.wants_fuzzy(words):
        fuzzy_ids = backend.fuzzy(doc, words, visible, FUZZY_CANDIDATES, exclude=ids)
        fuzzy_hits = _load(actor, doc, words, fuzzy_ids)
        hits += fuzzy_hits
        group.count = min(COUNT_CAP, group.count + len(fuzzy_hits))
    # Stable: equal scores keep the index's order (its rank, then the newest first).
    hits.sort(key=lambda h: -h.score)
    group.hits = hits[:limit]
    return group


def search(actor: Member, query: str, *, types: Iterable[str] | str | None = None, limit_per_type: int = 5) -> SearchResults:
    """Search every record type (or `types`) for `query`, as `actor` may see them.

    Raises ValidationError (fields "q", "types", "limit") for a query that is empty, longer than
    MAX_QUERY_LENGTH, or without letters or digits, an unknown type, or a limit out of range.
    """
    words = clean_query(query)
    wanted = clean_types(types)
    if not 1 <= limit_per_type <= MAX_LIMIT:
        raise ValidationError({"limit": _("Ask for 1 to %(n)d hits per type.") % {"n": MAX_LIMIT}})
    backend = _backend()
    with backend.session():
        groups = [_search_type(backend, actor, DOCUMENTS[t], words, limit_per_type) for t in wanted]
        if not any(g.hits for g in groups) and hasattr(backend, "similar"):
            groups = [_similar(backend, actor, DOCUMENTS[t], words, limit_per_type) for t in wanted]
    return SearchResults(query=query.strip(), words=words, groups=groups)


def _similar(backend, actor: Member, doc: Document, words: list[str], limit: int) -> Group:
    """The last resort of a backend that has one: titles that merely resemble the words."""
    group = Group(doc.type, str(doc.label), 0)
    visible = visible_condition(actor, doc)
    if visible is not None:
        hits = _load(actor, doc, words, backend.similar(doc, words, visible, FUZZY_CANDIDATES))
        hits.sort(key=lambda h: -h.score)
        group.count, group.hits = len(hits), hits[:limit]
    return group
