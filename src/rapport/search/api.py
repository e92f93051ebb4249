"""Global search over the API: GET /api/v1/search?q=...&types=deal,lead&limit=5 (SPEC R10, X1)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from rapport.api.crud import actor_of

from .backends import COUNT_CAP, MAX_LIMIT, MAX_QUERY_LENGTH, Group, Hit, SearchResults, search
from .documents import TYPES
from .text import Marked

router = Router(tags=["search"])

Range = tuple[int, int]


class SearchParams(Schema):
    q: str = Field(..., max_length=MAX_QUERY_LENGTH, description="What to look for: words, parts of words, with typos.")
    types: str | None = Field(
        None, max_length=100, description=f"Comma-separated record types to search (default all): {', '.join(TYPES)}."
    )
    limit: int = Field(5, ge=1, le=MAX_LIMIT, description=f"Hits per type (at most {MAX_LIMIT}).")


class SearchHitOut(Schema):
    id: int
    type: str
    title: str
    title_highlights: list[Range] = Field(description="[start, end) character ranges of `title` that matched.")
    snippet: str = Field(description="The field that matched, cut around the match; empty when only the title did.")
    snippet_field: str = Field(description="The name of the field the snippet comes from.")
    snippet_highlights: list[Range]
    url: str = Field(description="The record's page in the web app.")
    score: float


class SearchGroupOut(Schema):
    type: str
    label: str
    count: int = Field(description=f"Records of this type that match, counted up to {COUNT_CAP}.")
    count_capped: bool = Field(description="True when `count` stopped at its cap: there are at least that many.")
    has_more: bool
    hits: list[SearchHitOut]


class SearchOut(Schema):
    query: str
    words: list[str] = Field(description="The words searched for, folded (lower case, no accents).")
    total: int
    groups: list[SearchGroupOut] = Field(description="One group per type searched, in a fixed order, best hits first.")


def _hit(hit: Hit) -> dict:
    snippet = hit.snippet or Marked("")
    return {
        "id": hit.id,
        "type": hit.type,
        "title": hit.title.text,
        "title_highlights": hit.title.ranges,
        "snippet": snippet.text,
        "snippet_field": hit.snippet_label if hit.snippet else "",
        "snippet_highlights": snippet.ranges,
        "url": hit.url,
        "score": round(hit.score, 3),
    }


def _group(group: Group) -> dict:
    return {
        "type": group.type,
        "label": group.label,
        "count": group.count,
        "count_capped": group.count_capped,
        "has_more": group.has_more,
        "hits": [_hit(h) for h in group.hits],
    }


def results_json(results: SearchResults) -> dict:
    return {
        "query": results.query,
        "words": results.words,
        "total": results.total,
        "groups": [_group(g) for g in results.groups],
    }


@router.get("", response=SearchOut, operation_id="search", summary="Search every record type")
def search_records(request: HttpRequest, params: Query[SearchParams]):
    """Records the caller may see whose text matches every word of `q` (prefixes and typos
    included), grouped by type. An empty query, or one without letters or digits, is a 422."""
    return results_json(search(actor_of(request), params.q, types=params.types, limit_per_type=params.limit))
