"""The demo's plan: what is created, by whom and when, and the timeline that replays it in order."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from rapport.core import clock
from rapport.records.models import Account, Contact, Deal, Lead, Pipeline
from rapport.workspaces.models import Member

from . import names

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(eq=False)
class PlannedAccount:
    created: datetime
    owner: Member
    data: dict[str, Any]
    domain: str
    is_private: bool
    parent: PlannedAccount | None = None
    contacts: list[PlannedContact] = field(default_factory=list)
    obj: Account | None = None


@dataclass(eq=False)
class PlannedContact:
    account: PlannedAccount
    created: datetime
    data: dict[str, Any]
    obj: Contact | None = None


@dataclass(eq=False)
class PlannedLead:
    created: datetime
    creator: Member
    owner: Member | None
    owner_from: datetime | None
    data: dict[str, Any]
    account: PlannedAccount | None = None
    company: dict[str, Any] | None = None  # what the seller fills in on the account made when qualifying
    closed: datetime | None = None
    obj: Lead | None = None


@dataclass(eq=False)
class PlannedDeal:
    created: datetime
    owner: Member
    pipeline: Pipeline
    name: str
    amount: Decimal
    account: PlannedAccount | None = None
    lead: PlannedLead | None = None
    contacts: list[tuple[PlannedContact, str]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    end: datetime | None = None
    obj: Deal | None = None
    contact_objs: list[Contact] = field(default_factory=list)


class Timeline:
    """Service calls to make, each at its moment; replayed in time order."""

    def __init__(self) -> None:
        self._actions: list[tuple[datetime, int, Callable[..., Any], tuple[Any, ...]]] = []

    def at(self, when: datetime, fn: Callable[..., Any], *args: Any) -> None:
        self._actions.append((when, len(self._actions), fn, args))

    def replay(self) -> None:
        for when, _, fn, args in sorted(self._actions, key=lambda a: (a[0], a[1])):
            with clock.frozen_at(when):
                fn(*args)


def ascii_name(text: str) -> str:
    """A name as it appears in an e-mail address: "Chloé O'Brien" → "chloeobrien"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace("'", "").replace(" ", "")


class Planner:
    """What every part of the demo plan shares: the seeded generator, the clock and the plan so far."""

    manager_of: dict[int, Member]

    def __init__(self, *, seed: int, now: datetime, history: timedelta) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - history
        self.timeline = Timeline()
        self.accounts: list[PlannedAccount] = []
        self.leads: list[PlannedLead] = []
        self.deals: list[PlannedDeal] = []

    def between(self, first: datetime, last: datetime) -> datetime:
        """A moment between two others, to the minute."""
        if last <= first:
            return first
        moment = (first + (last - first) * self.rng.random()).replace(second=0, microsecond=0)
        return max(moment, first)

    def weighted(self, weights: dict[Any, int]) -> Any:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def person(self) -> tuple[str, str]:
        return self.rng.choice(names.FIRST_NAMES), self.rng.choice(names.LAST_NAMES)

    def phone(self, prefix: str) -> str:
        return f"{prefix} {self.rng.randint(20, 99)} {self.rng.randint(1000000, 9999999)}"

    def amount(self) -> Decimal:
        value = min(max(self.rng.lognormvariate(9.3, 0.8), 800), 250000)
        return Decimal(round(value, -2 if value < 20000 else -3)).quantize(Decimal("1"))
