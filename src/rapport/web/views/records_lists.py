"""List pages of accounts, contacts, leads, deals and activities (SPEC R8, P5).

The query parameters are the API's: the same FilterSchema, orderings and keyset cursor, applied
to `visible_to(actor, Model)`, so /deals/?status=open lists exactly what /api/v1/deals?status=open
answers. On top of that a page has chosen columns, saved views and a "previous" link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rapport.api.paging import paginate
from rapport.records.models import CustomFieldDefinition, SavedFilter
from rapport.records.services.savedfilters import (
    get_saved_filter,
    role_default_for,
    saved_filter_create,
    saved_filter_delete,
    saved_filter_update,
    saved_filters_for,
)
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import can, visible_to

from ..forms_lists import BulkForm, SavedViewForm, filter_form, normalise_params, parse_filters
from .records_common import KINDS, Cell, Column, RecordKind, member_view

PAGE_SIZE = 50
# Where a page starts: not part of what a saved view or a sort link keeps.
PAGING = ("cursor", "before")
SESSION_COLUMNS = "rapport_columns_{}"


def custom_columns(definitions: list[CustomFieldDefinition]) -> list[Column]:
    """One column per custom field of the record type (`custom.<key>`)."""

    def cell_for(key: str, field_type: str) -> Any:
        def cell(obj: Any, actor: Member) -> Cell:
            value = obj.custom.get(key)
            if isinstance(value, list):
                return Cell(value, kind="tags")
            return Cell(value, kind="bool" if field_type == "boolean" else "text")

        return cell

    return [Column(f"custom.{d.key}", d.label, cell_for(d.key, d.field_type)) for d in definitions]


@dataclass
class ListState:
    """What one request asks the list to show, after the saved view and the session fill gaps."""

    view: SavedFilter | None
    params: dict[str, str]
    ordering: str
    columns: list[Column]
    available: list[Column]
    link_query: QueryDict  # the parameters every link of the page keeps


def _requested_columns(query: QueryDict) -> list[str] | None:
    if "columns" not in query:
        return None
    return [key for value in query.getlist("columns") for key in value.split(",") if key]


def resolve_state(request: HttpRequest, kind: RecordKind, actor: Member) -> ListState:
    query = request.GET
    view = None
    view_param = query.get("view", "")
    if view_param.isdigit():
        view = get_saved_filter(actor, view_param)
        if view.record_type != kind.record_type:
            view = None
    elif "view" not in query and not [key for key in query if key not in PAGING]:
        # The list opened with no parameters: the member's role may have a default view.
        view = role_default_for(actor, kind.record_type)
    raw = dict(view.params) if view is not None else {}
    for name in kind.filters.model_fields:
        if name in query:
            raw[name] = query[name]
    params = normalise_params(kind.filters, raw, timezone.get_current_timezone())
    ordering = query.get("ordering") or (view.ordering if view is not None else "") or kind.default_ordering

    definitions = list(CustomFieldDefinition.objects.filter(workspace_id=actor.workspace_id, record_type=kind.record_type))
    available = [*kind.columns, *custom_columns(definitions)]
    by_key = {c.key: c for c in available}
    session_key = SESSION_COLUMNS.format(kind.record_type)
    requested = _requested_columns(query)
    if requested is not None and [k for k in requested if k in by_key]:
        keys = [k for k in requested if k in by_key]
        if request.session.get(session_key) != keys:
            request.session[session_key] = keys
    elif view is not None and view.columns:
        keys = [k for k in view.columns if k in by_key]
    else:
        keys = [k for k in request.session.get(session_key, ()) if k in by_key] or list(kind.default_columns)
    link_query = query.copy()
    for key in PAGING:
        link_query.pop(key, None)
    if view is not None and "view" not in link_query:
        link_query["view"] = str(view.pk)
    return ListState(view, params, ordering, [by_key[k] for k in keys] or [kind.columns[0]], available, link_query)


def _link(query: QueryDict, **changes: Any) -> str:
    query = query.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _queryset(kind: RecordKind, actor: Member, columns: list[Column]) -> QuerySet:
    qs = visible_to(actor, kind.model)
    related = sorted({r for c in columns for r in c.related})
    prefetch = sorted({p for c in columns for p in c.prefetch})
    if related:
        qs = qs.select_related(*related)
    if prefetch:
        qs = qs.prefetch_related(*prefetch)
    return qs


def _from_row(row: Any, ordering: str) -> Q:
    """Rows from `row` on (itself included) in `ordering`: the keyset comparison of the API."""
    field = ordering.removeprefix("-")
    value = getattr(row, field)
    op, id_op = ("lt", "lte") if ordering.startswith("-") else ("gt", "gte")
    # The first condition bounds the index range scan (see api/paging.py); the OR alone would not.
    return Q(**{f"{field}__{id_op}": value}) & (Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{id_op}": row.pk}))


def _reverse(ordering: str) -> str:
    return ordering.removeprefix("-") if ordering.startswith("-") else f"-{ordering}"


def _page(qs: QuerySet, state: ListState, kind: RecordKind, query: QueryDict) -> tuple[list[Any], dict[str, str]]:
    """One page of rows and the cursors of the pages beside it.

    "Next" pages forward with the API's cursor; "previous" pages the same way in the reverse
    order (`before`). Every cursor comes from the API's own `paginate`, so their format stays
    the API's: a one-row page that starts at a row carries the cursor that starts after it.
    """
    try:
        limit = max(1, min(int(query.get("limit", PAGE_SIZE)), 200))
    except ValueError:
        raise ValidationError({"limit": _("Give a number of rows between 1 and 200.")}) from None
    ordering, reverse = state.ordering, _reverse(state.ordering)

    def cursor_after(row: Any, order: str) -> str | None:
        # Only the cursor is wanted: none of the page's related rows.
        bare = qs.filter(_from_row(row, order)).select_related(None).prefetch_related(None)
        _rows, info = paginate(bare, ordering=order, allowed=kind.orderings, default=kind.default_ordering, limit=1)
        return info["next_cursor"]

    cursors: dict[str, str] = {}
    before = query.get("before")
    if before:
        rows, info = paginate(qs, ordering=reverse, allowed=kind.orderings, default=kind.default_ordering, limit=limit, cursor=before)
        rows.reverse()
        if info["next_cursor"]:
            cursors["previous"] = info["next_cursor"]
        following = cursor_after(rows[-1], ordering) if rows else None
        if following:
            cursors["next"] = following
        return rows, cursors
    rows, info = paginate(qs, ordering=ordering, allowed=kind.orderings, default=kind.default_ordering, limit=limit, cursor=query.get("cursor"))
    if info["next_cursor"]:
        cursors["next"] = info["next_cursor"]
    if query.get("cursor") and rows:
        preceding = cursor_after(rows[0], reverse)
        if preceding:
            cursors["previous"] = preceding
    return rows, cursors


def table_rows(objects: list[Any], columns: Any, actor: Member) -> SafeString:
    """The table's rows: a select box and a cell per column each. Built in Python like the
    cells themselves: a page of 50 rows is hundreds of template nodes otherwise."""
    select = gettext("Select %(name)s")
    rows = []
    for obj in objects:
        cells = "".join(f"<td>{column.cell(obj, actor).html}</td>" for column in columns)
        label = conditional_escape(select % {"name": obj})
        rows.append(
            f'<tr><td class="select-col"><input type="checkbox" name="ids" value="{obj.pk}" form="bulk-form" data-row-select '
            f'aria-label="{label}"></td>{cells}</tr>'
        )
    return mark_safe("\n".join(rows))


def list_context(request: HttpRequest, kind: RecordKind) -> tuple[dict[str, Any], int]:
    actor: Member = request.actor  # type: ignore[attr-defined]
    state = resolve_state(request, kind, actor)
    filters, errors = parse_filters(kind.filters, state.params)
    rows: list[Any] = []
    cursors: dict[str, str] = {}
    total = 0
    if filters is not None:
        qs = filters.filter(_queryset(kind, actor, state.columns))
        try:
            rows, cursors = _page(qs, state, kind, request.GET)
            total = filters.filter(visible_to(actor, kind.model)).count()
        except ValidationError as exc:
            errors = [(key, message) for key, messages in exc.message_dict.items() for message in messages]
    current_field = state.ordering.lstrip("-")
    headers = []
    for column in state.columns:
        sort_link = ""
        sorted_as = ""
        if column.sort and column.sort in kind.orderings:
            if current_field == column.sort:
                sorted_as = "descending" if state.ordering.startswith("-") else "ascending"
            next_ordering = f"-{column.sort}" if state.ordering == column.sort else column.sort
            sort_link = _link(state.link_query, ordering=next_ordering)
        headers.append({"column": column, "sort_link": sort_link, "sorted_as": sorted_as})
    context = {
        "kind": kind,
        "section": kind.slug,
        "state": state,
        "headers": headers,
        "rows": table_rows(rows, state.columns, actor),
        "total": total,
        "errors": errors,
        "filter_form": filter_form(actor, kind.record_type, kind.filters, state.params, errors),
        "next_link": _link(state.link_query, cursor=cursors["next"]) if "next" in cursors else "",
        "previous_link": _link(state.link_query, before=cursors["previous"]) if "previous" in cursors else "",
        "first_link": _link(state.link_query) if (request.GET.get("cursor") or request.GET.get("before")) else "",
        "list_url": f"/{kind.slug}/",
        "can_add": can(actor, Action.ADD, kind.model),
        "selected_columns": [c.key for c in state.columns],
        "current_query": state.link_query.urlencode(),
    }
    return context, (422 if errors else 200)


def render_list_page(request: HttpRequest, kind: RecordKind, status: int | None = None, view_form: SavedViewForm | None = None) -> HttpResponse:
    actor: Member = request.actor  # type: ignore[attr-defined]
    context, list_status = list_context(request, kind)
    query = request.GET.urlencode()
    context.update(
        {
            "views": list(saved_filters_for(actor, kind.record_type).select_related("role")),
            "view_form": view_form or SavedViewForm(actor=actor, initial={"query": context["current_query"]}, auto_id="view_%s"),
            # Back to the list as shown (request.GET may be the list's query on a refused POST).
            "bulk_form": BulkForm(actor=actor, record_type=kind.record_type, initial={"next": f"/{kind.slug}/?{query}" if query else f"/{kind.slug}/"}),
        }
    )
    return render(request, "web/records/list.html", context, status=status or list_status)


@member_view
def record_list(request: HttpRequest, slug: str) -> HttpResponse:
    kind = KINDS[slug]
    if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
        # The table alone, on filter / sort / page changes and live refreshes; errors are shown in it.
        context, _status = list_context(request, kind)
        return render(request, "web/records/_results.html", context)
    return render_list_page(request, kind)


# --- Saved views --------------------------------------------------------------------------------


def _view_data(request: HttpRequest, kind: RecordKind, query: QueryDict) -> dict[str, Any]:
    """What a saved view keeps of the list as shown: its filters, columns and sorting."""
    raw = {name: query[name] for name in kind.filters.model_fields if name in query}
    columns = _requested_columns(query)
    if columns is None:
        columns = list(request.session.get(SESSION_COLUMNS.format(kind.record_type), ()))
    return {
        "params": normalise_params(kind.filters, raw, timezone.get_current_timezone()),
        "columns": columns,
        "ordering": query.get("ordering", ""),
    }


def _with_query(request: HttpRequest, query: str) -> HttpRequest:
    request.GET = QueryDict(query)
    return request


@require_POST
@member_view
def saved_view_create(request: HttpRequest, slug: str) -> HttpResponse:
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    form = SavedViewForm(request.POST, actor=actor, auto_id="view_%s")
    query = QueryDict(request.POST.get("query", ""))
    if form.is_valid():
        data = {
            "record_type": kind.record_type,
            "name": form.cleaned_data["name"],
            "role": form.cleaned_data.get("role"),
            "is_role_default": form.cleaned_data.get("is_role_default", False),
            **_view_data(request, kind, query),
        }
        try:
            saved = saved_filter_create(actor=actor, data=data)
        except ValidationError as exc:
            for key, messages_ in exc.message_dict.items():
                for message in messages_:
                    form.add_error(key if key in form.fields else None, message)
        else:
            messages.success(request, _("The view “%(name)s” was saved.") % {"name": saved.name})
            return redirect(f"/{kind.slug}/?view={saved.pk}")
    return render_list_page(_with_query(request, query.urlencode()), kind, status=422, view_form=form)


@require_POST
@member_view
def saved_view_update(request: HttpRequest, slug: str, view_id: int) -> HttpResponse:
    """Keep the list as now shown (filters, columns, sorting) in an existing view."""
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    saved = get_saved_filter(actor, view_id)
    query = QueryDict(request.POST.get("query", ""))
    try:
        saved_filter_update(actor=actor, saved_filter=saved, data=_view_data(request, kind, query))
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        return render_list_page(_with_query(request, query.urlencode()), kind, status=422)
    messages.success(request, _("The view “%(name)s” was updated.") % {"name": saved.name})
    return redirect(f"/{kind.slug}/?view={saved.pk}")


@require_POST
@member_view
def saved_view_delete(request: HttpRequest, slug: str, view_id: int) -> HttpResponse:
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    saved = get_saved_filter(actor, view_id)
    saved_filter_delete(actor=actor, saved_filter=saved)
    messages.success(request, _("The view “%(name)s” was deleted.") % {"name": saved.name})
    return redirect(f"/{kind.slug}/?view=none")
