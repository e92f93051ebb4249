"""Helpers for reading search results in tests."""

from __future__ import annotations


def found(results, type_: str | None = None) -> set[tuple[str, int]]:
    """(type, id) of every hit, optionally of one type only."""
    return {(h.type, h.id) for g in results.groups for h in g.hits if type_ in (None, g.type)}


def ids(results, type_: str) -> set[int]:
    return {h.id for g in results.groups if g.type == type_ for h in g.hits}
