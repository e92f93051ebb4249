"""A search pass as one query: each record type contributes branches to a UNION ALL.

A branch selects `k` (the kind of row: 0 and 1 are candidates, title matches first where a
backend tells them apart; 9 is a count, carried in `id`), `id`, `r` (the rank within its kind,
lower first) and the document's fields as text, padded with NULLs to the widest document. One
pass over five record types is then one round trip, with the candidates' fields already in
hand, instead of three queries per type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import connection

from .documents import DOCUMENTS, Document

WIDTH = max(len(doc.fields) for doc in DOCUMENTS.values())
COUNT = 9

Columns = Callable[[Document | None, str], str]


@dataclass(frozen=True)
class Branch:
    sql: str
    params: list


def id_only(doc: Document | None, prefix: str) -> str:
    """No fields: for callers that want ids alone."""
    return "NULL AS c0"


def field_columns(doc: Document | None, prefix: str) -> str:
    """The document's fields as text (JSON lists as their JSON), then NULLs up to WIDTH."""
    columns = [doc.column_sql(name, lambda n: f'"{n}"', prefix) for name in doc.fields] if doc is not None else []
    columns += ["NULL"] * (WIDTH - len(columns))
    return ", ".join(f"{column} AS c{i}" for i, column in enumerate(columns))


@dataclass
class Found:
    """What one pass found for one record type: rows in rank order (each once) and a count."""

    rows: list[SimpleNamespace]
    count: int | None

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]


class Results(dict):
    """Found per record type; a type that contributed no branch found nothing."""

    def __missing__(self, key: str) -> Found:
        return Found([], None)


def run(parts: list[tuple[Document, Branch]]) -> Results:
    """Run the branches of every type as one UNION ALL; rows come back grouped by type."""
    found = Results({doc.type: Found([], None) for doc, _branch in parts})
    if not parts:
        return found
    docs = list(dict.fromkeys(doc for doc, _branch in parts))
    index = {doc.type: i for i, doc in enumerate(docs)}
    sql = " UNION ALL ".join(f"SELECT {index[doc.type]} AS t, b{i}.* FROM ({branch.sql}) AS b{i}" for i, (doc, branch) in enumerate(parts))
    params = [p for _doc, branch in parts for p in branch.params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    candidates: dict[str, list[tuple]] = {doc.type: [] for doc in docs}
    for t, k, pk, rank, *values in rows:
        doc = docs[t]
        if k == COUNT:
            found[doc.type].count = int(pk)
        else:
            candidates[doc.type].append((k, rank, -pk, pk, values))
    for doc in docs:
        seen: set[int] = set()
        for _k, _rank, _key, pk, values in sorted(candidates[doc.type], key=lambda c: c[:3]):
            if pk not in seen:
                seen.add(pk)
                found[doc.type].rows.append(_row(doc, pk, values))
    return found


def _row(doc: Document, pk: int, values: list[Any]) -> SimpleNamespace:
    fields = {}
    for name, value in zip(doc.fields, values, strict=False):
        if name in doc.json_fields and isinstance(value, str):
            try:
                value = json.loads(value) if value else []
            except ValueError:
                pass
        fields[name] = value
    return SimpleNamespace(pk=pk, id=pk, **fields)
