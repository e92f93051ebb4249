"""List filters for every record type: one definition serves the API's list endpoints and the
web app's list pages (query parameters with the same names)."""

import datetime as dt
from typing import Annotated, Literal

from django.db.models import Q
from ninja import FilterLookup, FilterSchema
from pydantic import AwareDatetime

from rapport.api import schemas as s

Search = Annotated[s.Text(100) | None, FilterLookup("name__icontains")]


class AccountFilter(FilterSchema):
    q: Annotated[s.Text(100) | None, FilterLookup(["name__icontains", "organisation__icontains", "city__icontains"])] = None
    kind: s.AccountKind | None = None
    owner: s.Id | None = None
    parent: s.Id | None = None
    city: Annotated[s.Text(100) | None, FilterLookup("city__iexact")] = None
    country: Annotated[s.Text(2) | None, FilterLookup("country__iexact")] = None
    industry: Annotated[s.Text(80) | None, FilterLookup("industry__iexact")] = None
    tag: Annotated[s.Id | None, FilterLookup("tags")] = None
    group: Annotated[s.Id | None, FilterLookup("groups")] = None
    is_global: bool | None = None
    archived: bool | None = None

    def filter_archived(self, value: bool | None):
        return Q() if value is None else Q(archived_at__isnull=not value)


class ContactFilter(FilterSchema):
    q: Annotated[s.Text(100) | None, FilterLookup(["first_name__icontains", "last_name__icontains", "job_title__icontains"])] = None
    account: s.Id | None = None
    owner: s.Id | None = None
    contact_type: s.Text(60) | None = None
    tag: Annotated[s.Id | None, FilterLookup("tags")] = None


class LeadFilter(FilterSchema):
    q: Annotated[s.Text(100) | None, FilterLookup(["title__icontains", "company__icontains", "last_name__icontains", "email__icontains"])] = None
    status: Literal["new", "working", "nurturing", "qualified", "disqualified"] | None = None
    source: s.LeadSource | None = None
    priority: s.LeadPriority | None = None
    owner: s.Id | None = None
    unassigned: Annotated[bool | None, FilterLookup("owner__isnull")] = None
    account: s.Id | None = None
    archived: bool | None = None
    created_after: Annotated[AwareDatetime | None, FilterLookup("created_at__gte")] = None
    created_before: Annotated[AwareDatetime | None, FilterLookup("created_at__lt")] = None
    tag: Annotated[s.Id | None, FilterLookup("tags")] = None

    def filter_archived(self, value: bool | None):
        return Q() if value is None else Q(archived_at__isnull=not value)


class DealFilter(FilterSchema):
    q: Search = None
    pipeline: s.Id | None = None
    stage: s.Id | None = None
    status: Literal["open", "won", "lost"] | None = None
    owner: s.Id | None = None
    account: s.Id | None = None
    currency: s.Currency | None = None
    amount_min: Annotated[s.Money | None, FilterLookup("amount__gte")] = None
    amount_max: Annotated[s.Money | None, FilterLookup("amount__lte")] = None
    expected_close_after: Annotated[dt.date | None, FilterLookup("expected_close__gte")] = None
    expected_close_before: Annotated[dt.date | None, FilterLookup("expected_close__lte")] = None
    tag: Annotated[s.Id | None, FilterLookup("tags")] = None


class ActivityFilter(FilterSchema):
    q: Annotated[s.Text(100) | None, FilterLookup(["subject__icontains", "body__icontains"])] = None
    kind: s.ActivityKind | None = None
    owner: s.Id | None = None
    account: s.Id | None = None
    contact: s.Id | None = None
    lead: s.Id | None = None
    deal: s.Id | None = None
    done: bool | None = None
    due_before: Annotated[AwareDatetime | None, FilterLookup("due_at__lt")] = None
    due_after: Annotated[AwareDatetime | None, FilterLookup("due_at__gte")] = None

    def filter_done(self, value: bool | None):
        return Q() if value is None else Q(done_at__isnull=not value)


