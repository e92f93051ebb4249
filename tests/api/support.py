"""Helpers of the API tests: a seeded world of members and records, problem and snapshot checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse

from rapport.events.models import Event
from rapport.records.models import (
    Account,
    Activity,
    Contact,
    CustomFieldDefinition,
    Deal,
    DealContact,
    Lead,
    Pipeline,
    Stage,
    StageChange,
    Tag,
)
from rapport.workspaces.models import Member

from ..conftest import ApiClient

# Every table an API write may touch; a denied or invalid call must leave all of them as they were.
WRITABLE_MODELS = (
    Account, Contact, Lead, Deal, DealContact, StageChange, Activity, Pipeline, Stage, CustomFieldDefinition, Tag, Event,
)


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the API writes, to compare before and after a call."""
    state = {model.__name__: list(model._default_manager.order_by("pk").values()) for model in WRITABLE_MODELS}
    state["favourites"] = sorted(Account.favourited_by.through.objects.values_list("account_id", "member_id"))
    return state


def assert_problem(response: HttpResponse, status: int, field: str | None = None) -> dict[str, Any]:
    """The answer is an RFC 9457 problem document with `status` (and an error on `field`)."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    assert body["type"].startswith("urn:rapport:problem:")
    assert body["title"] and body["detail"]
    for error in body["errors"]:
        assert set(error) == {"field", "message"} and error["field"] and error["message"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def field_errors(response: HttpResponse) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def ids_of(response: HttpResponse) -> list[int]:
    """The ids of a list answer, paged (`{"items": [...]}`) or plain (`[...]`)."""
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return [item["id"] for item in items]


@dataclass
class World:
    """Two workspaces with their members and a few records, and an API client per member."""

    members: dict[str, Member]
    pipeline: Pipeline
    stages: list[Stage]
    account: Account
    contact: Contact
    deal: Deal
    outsider_pipeline: Pipeline
    _clients: dict[str, ApiClient] = field(default_factory=dict)

    def api(self, who: str) -> ApiClient:
        if who not in self._clients:
            self._clients[who] = ApiClient(self.members[who])
        return self._clients[who]

    def __getattr__(self, name: str) -> Member:
        try:
            return self.__dict__["members"][name]
        except KeyError:
            raise AttributeError(name) from None
