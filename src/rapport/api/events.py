"""The event log over the API (SPEC E2): newest first, filtered, keyset-paged."""

from typing import Annotated

from django.http import HttpRequest
from ninja import FilterLookup, FilterSchema, Query, Router
from pydantic import Field, create_model

from rapport.events.models import EventType
from rapport.events.selectors import events_visible_to

from . import schemas as s
from .crud import actor_of
from .paging import MAX_CURSOR_LENGTH, paginate

router = Router(tags=["events"])

EventTypeName = s.Literal[tuple(EventType.values)]  # type: ignore[misc]


class EventFilter(FilterSchema):
    user: Annotated[s.Id | None, FilterLookup("actor_id")] = None
    event_type: EventTypeName | None = None
    object_type: s.Text(32) | None = None
    object_id: s.Id | None = None
    since: Annotated[s.Moment | None, FilterLookup("occurred_at__gte")] = None
    until: Annotated[s.Moment | None, FilterLookup("occurred_at__lt")] = None


EventList = create_model("EventList", __base__=s.Page, items=(list[s.EventOut], ...))


class EventPaging(s.Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=MAX_CURSOR_LENGTH)


@router.get("", response=EventList, operation_id="event_list", summary="List events, newest first")
def event_list(request: HttpRequest, filters: Query[EventFilter], paging: Query[EventPaging]):
    qs = filters.filter(events_visible_to(actor_of(request)))
    rows, page = paginate(
        qs, ordering="-occurred_at", allowed=("occurred_at",), default="-occurred_at", limit=paging.limit, cursor=paging.cursor
    )
    return {"items": rows, **page}
