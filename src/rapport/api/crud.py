"""One definition gives a record type its list / create / detail / update / delete endpoints.

The endpoints only parse, call the record type's services and render: permission checks,
validation and events all happen in the services (see docs/ARCHITECTURE.md).
"""

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connections, models
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from ninja import FilterSchema, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field, create_model

from rapport.workspaces.models import Member
from rapport.workspaces.permissions import get_visible, visible_to

from .paging import MAX_CURSOR_LENGTH, paginate
from .schemas import Page

# "3", W/"3" or a bare 3; quotes come in pairs.
_IF_MATCH = re.compile(r'^\s*(?:W/)?("?)(\d{1,9})\1\s*$')


def actor_of(request: HttpRequest) -> Member:
    return request.auth  # type: ignore[attr-defined,return-value]


def expected_version(request: HttpRequest) -> int | None:
    """The version named by If-Match (as sent back from ETag), or None when the client sent none."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _IF_MATCH.match(header)
    if match is None:
        raise HttpError(400, 'If-Match must be the version from the ETag header, e.g. "3".')
    return int(match.group(2))


def set_etag(response: HttpResponse, obj: models.Model) -> None:
    version = getattr(obj, "version", None)
    if version is not None:
        response["ETag"] = f'"{version}"'


@dataclass
class Resource:
    """How one record type is exposed: its schemas, filters, orderings and services."""

    name: str  # singular, used in operation ids: "deal" → deal_list, deal_create, ...
    model: type[models.Model]
    out: type[Schema]
    create_in: type[Schema]
    patch_in: type[Schema]
    filters: type[FilterSchema]
    create: Callable[[Member, dict[str, Any]], models.Model]
    update: Callable[[Member, models.Model, dict[str, Any], int | None], models.Model]
    delete: Callable[[Member, models.Model, int | None], None]
    orderings: tuple[str, ...] = ("created_at", "updated_at")
    default_ordering: str = "-created_at"
    select_related: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = field(default_factory=tuple)
    # The create service returns the saved instance holding exactly the row it inserted (no
    # value is set by the database, by a later UPDATE or by a signal), so the answer to a create
    # may be built from it instead of reading the row back. See `created`.
    answer_create_from_instance: bool = False

    def queryset(self, actor: Member) -> models.QuerySet:
        qs = visible_to(actor, self.model)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch:
            qs = qs.prefetch_related(*self.prefetch)
        return qs

    def get_visible(self, actor: Member, pk: Any) -> models.Model:
        """One row the actor may see, with its relations loaded (`permissions.get_visible`)."""
        return get_visible(actor, self.model, pk, select_related=self.select_related, prefetch_related=self.prefetch)

    def reload(self, obj: models.Model) -> models.Model:
        """Fresh row with its relations loaded, for the answer to a write."""
        qs = self.model._default_manager.filter(pk=obj.pk)
        if self.prefetch:
            qs = qs.prefetch_related(*self.prefetch)
        return qs.get()

    def created(self, obj: models.Model, data: Mapping[str, Any]) -> models.Model:
        """The answer to a create: what `reload` would read, without reading the row again when
        the saved instance already holds the values the database would give back.

        The instance's values are put in the form the database returns them in (decimals to the
        column's places, moments in UTC); a JSON value the database could store differently
        (PostgreSQL's jsonb reorders an object's keys) and many-to-many values given in `data`
        are read from the database as before.
        """
        if not self.answer_create_from_instance or not _as_stored(obj, connections[obj._state.db or "default"].vendor):
            return self.reload(obj)
        given = []
        for name in self.prefetch:
            field_ = self.model._meta.get_field(name)
            if not isinstance(field_, models.ManyToManyField):
                return self.reload(obj)
            if data.get(name):
                given.append(name)
        # A new row has no related rows but those its service set from `data`. The empty lists
        # are stored as prefetch_related stores what it read: a queryset with its results filled.
        cache = {}
        for name in self.prefetch:
            if name not in given:
                empty = self.model._meta.get_field(name).related_model._default_manager.none()
                empty._result_cache, empty._prefetch_done = [], True
                cache[name] = empty
        obj._prefetched_objects_cache = cache  # type: ignore[attr-defined]
        if given:
            prefetch_related_objects([obj], *given)
        return obj


def _as_stored(obj: models.Model, vendor: str) -> bool:
    """Put `obj`'s values in the form the database gives them back; False if that is unsure."""
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        if value is None:
            continue
        if isinstance(f, models.DecimalField):
            if not isinstance(value, Decimal):
                return False
            # Both databases answer a decimal column with the column's number of places.
            setattr(obj, f.attname, value.quantize(Decimal(1).scaleb(-f.decimal_places), context=f.context))
        elif isinstance(f, models.DateTimeField):
            if not isinstance(value, dt.datetime) or value.tzinfo is None:
                return False
            setattr(obj, f.attname, value.astimezone(dt.UTC))
        elif isinstance(f, models.JSONField):
            if not _json_stable(value, vendor):
                return False
        elif isinstance(f, models.FloatField | models.DurationField | models.BinaryField):
            return False
    return True


def _json_stable(value: Any, vendor: str) -> bool:
    """Would the JSON column give `value` back as it is? (A tuple comes back a list, a number
    key a string; PostgreSQL's jsonb reorders an object's keys and rewrites some numbers.)"""
    try:
        if json.loads(json.dumps(value)) != value:
            return False
    except (TypeError, ValueError):
        return False
    return vendor != "postgresql" or _jsonb_stable(value)


def _jsonb_stable(value: Any) -> bool:
    if isinstance(value, dict):
        return len(value) < 2 and all(_jsonb_stable(v) for v in value.values())
    if isinstance(value, list):
        return all(_jsonb_stable(v) for v in value)
    return not isinstance(value, float)


def register(router: Router, resource: Resource) -> None:
    """Add list, create, detail, update and delete operations for `resource` to `router`."""
    name = resource.name
    list_out = create_model(f"{resource.out.__name__}List", __base__=Page, items=(list[resource.out], ...))
    filters_cls = resource.filters
    orderings = ", ".join(f"{f}, -{f}" for f in resource.orderings)
    verbose = resource.model._meta.verbose_name
    verbose_plural = resource.model._meta.verbose_name_plural

    class Paging(Schema):
        limit: int = Field(50, ge=1, le=200, description="Rows per page (at most 200).")
        cursor: str | None = Field(None, max_length=MAX_CURSOR_LENGTH, description="`next_cursor` of the previous page.")
        offset: int | None = Field(None, ge=0, le=10_000_000, description="Skip this many rows instead of using a cursor.")
        ordering: str | None = Field(None, max_length=40, description=f"One of: {orderings}. Default {resource.default_ordering}.")

    Paging.__name__ = f"{name.title()}Paging"

    @router.get("", response=list_out, operation_id=f"{name}_list", summary=f"List {verbose_plural}")
    def list_records(request: HttpRequest, filters: Query[filters_cls], paging: Query[Paging]):
        qs = filters.filter(resource.queryset(actor_of(request)))
        rows, page = paginate(
            qs,
            ordering=paging.ordering,
            allowed=resource.orderings,
            default=resource.default_ordering,
            limit=paging.limit,
            cursor=paging.cursor,
            offset=paging.offset,
        )
        return {"items": rows, **page}

    @router.post("", response={201: resource.out}, operation_id=f"{name}_create", summary=f"Create a {verbose}")
    def create_record(request: HttpRequest, response: HttpResponse, payload: resource.create_in):
        data = payload.model_dump(exclude_unset=True)
        obj = resource.created(resource.create(actor_of(request), data), data)
        set_etag(response, obj)
        return 201, obj

    @router.get("/{int:record_id}", response=resource.out, operation_id=f"{name}_get", summary=f"Get a {verbose}")
    def get_record(request: HttpRequest, response: HttpResponse, record_id: int):
        obj = resource.get_visible(actor_of(request), record_id)
        set_etag(response, obj)
        return obj

    @router.patch("/{int:record_id}", response=resource.out, operation_id=f"{name}_update", summary=f"Update a {verbose}")
    def update_record(request: HttpRequest, response: HttpResponse, record_id: int, payload: resource.patch_in):
        actor = actor_of(request)
        obj = get_visible(actor, resource.model, record_id)
        obj = resource.update(actor, obj, payload.model_dump(exclude_unset=True), expected_version(request))
        obj = resource.reload(obj)
        set_etag(response, obj)
        return obj

    @router.delete("/{int:record_id}", response={204: None}, operation_id=f"{name}_delete", summary=f"Delete a {verbose}")
    def delete_record(request: HttpRequest, record_id: int):
        actor = actor_of(request)
        obj = get_visible(actor, resource.model, record_id)
        resource.delete(actor, obj, expected_version(request))
        return 204, None
