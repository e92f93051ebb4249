"""Helpers of the analytics and intake tests: local moments, widget calls, "the list shows the same"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import models

from rapport.core import clock

MADRID = ZoneInfo("Europe/Madrid")
UTC = dt.UTC
API_LISTS = {"/deals/": "deals", "/leads/": "leads", "/activities/": "activities", "/events/": "events"}


def at(*parts: int, tz: dt.tzinfo = MADRID) -> dt.datetime:
    """An aware moment on a wall clock: at(2025, 3, 12, 23, 59, 59) in Madrid."""
    return dt.datetime(*parts, tzinfo=tz)


@contextmanager
def moment(when: dt.datetime) -> Iterator[None]:
    with clock.frozen_at(when):
        yield


def widget(api: Any, key: str, **params: Any) -> dict[str, Any]:
    """GET /api/v1/dashboard/widgets/<key> as `api`'s member; asserts a 200."""
    response = api.get(f"dashboard/widgets/{key}", **{k: v for k, v in params.items() if v is not None})
    assert response.status_code == 200, response.content
    return response.json()


def rows_by_key(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in data["rows"]}


def listed(api: Any, link: str) -> list[int]:
    """The ids the API list answers for a web list link such as /deals/?pipeline=3&stage=7."""
    parts = urlsplit(link)
    params = dict(parse_qsl(parts.query))
    resource = API_LISTS[parts.path]
    ids: list[int] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        response = api.get(resource, **query)
        assert response.status_code == 200, (link, response.content)
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        cursor = body.get("next_cursor")
        if not cursor:
            return ids


# Authentication stamps a token's last use: bookkeeping of the request, not a write of the service.
IGNORED = {"workspaces.ApiToken"}


def state(*labels: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the apps' tables, to compare before and after a refused call."""
    tables = [
        m for label in labels for m in apps.get_app_config(label).get_models(include_auto_created=True) if m._meta.label not in IGNORED
    ]
    return {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in tables}


@contextmanager
def unchanged(*labels: str) -> Iterator[None]:
    labels = labels or ("records", "events", "workspaces", "analytics", "intake")
    before = state(*labels)
    yield
    after = state(*labels)
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"rows changed in {changed}"


def model_count(model: type[models.Model]) -> int:
    return model._default_manager.count()
