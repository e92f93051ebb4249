"""The search pages: /search/ (results grouped by type) and /search/suggest/ (the live dropdown)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .backends import MAX_LIMIT, MAX_QUERY_LENGTH, SearchResults, clean_types, search
from .documents import DOCUMENTS

PAGE_LIMIT = 5
SHOW_MORE_STEP = 20
SUGGEST_LIMIT = 3
# The dropdown waits for two characters: one letter matches half the workspace.
SUGGEST_MIN_LENGTH = 2


def _limit(value: str | None, default: int) -> int:
    try:
        return min(max(int(value or default), 1), MAX_LIMIT)
    except ValueError:
        return default


def _link(query: str, **params: str | int) -> str:
    return "/search/?" + urlencode({"q": query, **params})


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Results grouped by type with counts; `types` and `limit` narrow it to "show more" of one type."""
    member = getattr(request, "member", None)
    if not member:
        return redirect_to_login(request.get_full_path())
    query = request.GET.get("q", "")[: MAX_QUERY_LENGTH * 2]
    types_param = request.GET.get("types", "")
    limit = _limit(request.GET.get("limit"), PAGE_LIMIT)
    results: SearchResults | None = None
    error = ""
    if query.strip():
        try:
            types = clean_types(types_param)
            results = search(member, query, types=types, limit_per_type=limit)
        except ValidationError as exc:
            error = " ".join(message for messages in exc.message_dict.values() for message in messages)
    narrowed = bool(types_param) and results is not None and len(results.groups) == 1
    groups = []
    for group in results.groups if results else []:
        more_url = list_url = ""
        if group.has_more and len(group.hits) < MAX_LIMIT:
            more_url = _link(query, types=group.type, limit=min(MAX_LIMIT, len(group.hits) + SHOW_MORE_STEP))
        elif group.has_more:
            # Past what one page shows, the type's list (with its own text filter) takes over.
            list_url = f"{DOCUMENTS[group.type].url_prefix}?{urlencode({'q': query.strip()[:100]})}"
        groups.append({"group": group, "more_url": more_url, "list_url": list_url})
    context = {
        "search_query": query,
        "results": results,
        "groups": groups,
        "error": error,
        "narrowed": narrowed,
        "all_url": _link(query) if narrowed else "",
        "max_length": MAX_QUERY_LENGTH,
    }
    # The page's own box refreshes only the results (and the error beside it, out of band).
    partial = request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "search-results"
    template = "web/search/_results.html" if partial else "web/search/page.html"
    return render(request, template, {**context, "partial": partial})


@require_GET
def search_suggest(request: HttpRequest) -> HttpResponse:
    """The dropdown under the layout's search box: a few hits per type, or nothing."""
    member = getattr(request, "member", None)
    query = request.GET.get("q", "")
    results = None
    if member and SUGGEST_MIN_LENGTH <= len(query.strip()) <= MAX_QUERY_LENGTH:
        try:
            results = search(member, query, limit_per_type=SUGGEST_LIMIT)
        except ValidationError:
            results = None
    groups = [g for g in results.groups if g.hits] if results else []
    return render(request, "web/search/_suggest.html", {"results": results, "groups": groups, "all_url": _link(query.strip())})
