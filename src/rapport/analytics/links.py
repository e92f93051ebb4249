"""Links from a figure to the web list of the records behind it (SPEC D2).

The query parameters are the fields of the list's FilterSchema (records/filters.py), which the
API's list endpoints read too, so /deals/?... shows the records /api/v1/deals?... answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from .periods import iso

LISTS = {"deal": "/deals/", "lead": "/leads/", "activity": "/activities/", "account": "/accounts/", "contact": "/contacts/"}
DETAIL = {"deal": "/deals/{id}/", "lead": "/leads/{id}/", "activity": "/activities/{id}/", "account": "/accounts/{id}/", "contact": "/contacts/{id}/"}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def list_link(record_type: str, **filters: Any) -> str:
    """`/deals/?pipeline=3&moved_to_stage=7&...`; filters that are None are left out."""
    query = urlencode([(name, _value(value)) for name, value in filters.items() if value is not None])
    return f"{LISTS[record_type]}?{query}" if query else LISTS[record_type]


def detail_link(record_type: str, pk: int) -> str | None:
    pattern = DETAIL.get(record_type)
    return pattern.format(id=pk) if pattern else None


def events_link(**filters: Any) -> str:
    """The events page (SPEC E2) filtered by user, event_type, object_type, since, until."""
    query = urlencode([(name, _value(value)) for name, value in filters.items() if value is not None])
    return f"/events/?{query}" if query else "/events/"
