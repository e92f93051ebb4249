"""Figures learned from settled history, remembered for a while.

Some figures read a year of stage history to answer a question whose answer hardly moves: the
forecast's win rate per stage, the back-test of last quarter. On a workspace with half a million
deals they cost seconds of database time, while everything else on the dashboard costs
milliseconds. They are computed from a moment fixed for a while (the start of the hour, the start
of last quarter), so the same answer holds for everyone who may see the same deals, and kept in
the cache (per process, or Redis when `REDIS_URL` is set) for an hour.

What may see the same deals: members whose role sees every deal share one answer per workspace;
anyone else (scope own or team, or inactive) has answers of their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from rapport.records.models import Deal
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import sees_all_of

T = TypeVar("T")

KEEP_SECONDS = 3600


def audience(actor: Member) -> str:
    """Who shares an answer with `actor`: the whole workspace, or the member alone."""
    if sees_all_of(actor, Deal):
        return f"ws{actor.workspace_id}"
    return f"ws{actor.workspace_id}:m{actor.pk}"


def start_of_hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def remembered(actor: Member, name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, or the answer it gave within the hour for the same audience and parts."""
    raw = repr((name, audience(actor), parts))
    key = "rapport:analytics:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, KEEP_SECONDS)
    return value
