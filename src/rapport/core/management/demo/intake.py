"""The demo's intake and dashboard settings: exchange rates, goals, telephony calls, chats, usage.

Everything goes through the same services the intake API calls (the telephony and chat
integrations acting as the administrator's API token), at the moments it "happened", so the
dashboard's calls, NPS, messages, response time, system usage and goals widgets have a recent
history to show.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rapport.analytics.services import goal_create
from rapport.events.log import acting_as
from rapport.events.models import ActorKind
from rapport.intake.models import Conversation
from rapport.intake.services import (
    call_log,
    chat_message_receive,
    conversation_close,
    conversation_rate,
    usage_interval_record,
)
from rapport.workspaces.models import Member
from rapport.workspaces.rates import exchange_rate_set

from .plan import DAY, HOUR, MINUTE, PlannedContact, Planner

CALLS = 150
CHATS = 70
RECENT = 60 * DAY  # calls and chats of the last two months
USAGE_DAYS = 21
RATES = {"USD": ("0.9200", "0.9350"), "GBP": ("1.1700", "1.1850"), "PLN": ("0.2310", "0.2290"), "CHF": ("1.0400", "1.0600")}
CHANNELS = {"whatsapp": 45, "web_chat": 25, "telegram": 15, "facebook": 10, "instagram": 5}
CUSTOMER_LINES = [
    "Hello, is the offer from last week still valid?",
    "Can you send me the price list?",
    "We have a problem with the last delivery.",
    "Could we move our call to Thursday?",
    "Do you ship to Portugal?",
    "Who can help me with the invoice?",
]
OUR_LINES = [
    "Good morning! Yes, it is valid until the end of the month.",
    "Of course, I am sending it now.",
    "Sorry to hear that, I am checking with logistics.",
    "Thursday at 10:00 works for me.",
    "Yes, delivery takes about five working days.",
    "I will forward you to our accounting team.",
]
RATINGS = {10: 30, 9: 25, 8: 15, 7: 10, 6: 7, 5: 5, 3: 4, 1: 2, 0: 2}


class IntakePlanner(Planner):
    """Plans exchange rates and goals, and calls, chats and usage over the last weeks."""

    admin: Member
    managers: list[Member]
    sellers: list[Member]
    workspace: Any

    def plan_intake(self) -> None:
        self._plan_rates_and_goals()
        contacts = [c for a in self.accounts for c in a.contacts if c.data.get("phones")]
        recent_start = max(self.start, self.now - RECENT)
        for index in range(CALLS):
            contact = self.rng.choice(contacts)
            when = self.between(max(recent_start, contact.created + HOUR), self.now - 10 * MINUTE)
            self._plan_call(index, contact, when)
        for index in range(CHATS):
            contact = self.rng.choice(contacts)
            when = self.between(max(recent_start, contact.created + HOUR), self.now - 2 * HOUR)
            self._plan_chat(index, contact, when)
        self._plan_usage()

    # -- settings: exchange rates and goals ---------------------------------------------------------

    def _plan_rates_and_goals(self) -> None:
        first = (self.start - 30 * DAY).date()
        middle = (self.start + 90 * DAY).date()
        for currency, (old, new) in RATES.items():
            self.timeline.at(self.start - 20 * DAY, self._rate_set, currency, old, first)
            self.timeline.at(self.start + 89 * DAY, self._rate_set, currency, new, middle)
        zone = ZoneInfo(self.workspace.time_zone)
        this_month = self.now.astimezone(zone).date().replace(day=1)
        last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
        for month in (last_month, this_month):
            when = max(dt.datetime.combine(month, dt.time(8), tzinfo=zone), self.start)
            amounts = [Decimal(self.rng.choice([15000, 20000, 25000, 30000, 40000])) for _ in self.sellers]
            counts = [Decimal(self.rng.choice([8, 10, 12])) for _ in self.managers]
            self.timeline.at(min(when, self.now - HOUR), self._goals, month, amounts, counts)

    def _rate_set(self, currency: str, rate: str, valid_from: dt.date) -> None:
        exchange_rate_set(actor=self.admin, currency=currency, rate=rate, valid_from=valid_from)

    def _goals(self, month: dt.date, amounts: list[Decimal], counts: list[Decimal]) -> None:
        for seller, target in zip(self.sellers, amounts, strict=True):
            goal_create(actor=self.admin, data={"member": seller.pk, "month": month, "target": target})
        for manager, target in zip(self.managers, counts, strict=True):
            goal_create(actor=self.admin, data={"member": manager.pk, "scope": "team", "metric": "count", "month": month, "target": target})

    # -- calls ---------------------------------------------------------------------------------

    def _plan_call(self, index: int, contact: PlannedContact, when: dt.datetime) -> None:
        direction = "outbound" if self.rng.random() < 0.6 else "inbound"
        answered = self.rng.random() < 0.85
        data = {
            "external_id": f"pbx-{index + 1:05d}",
            "direction": direction,
            "from_number" if direction == "inbound" else "to_number": contact.data["phones"][0],
            "to_number" if direction == "inbound" else "from_number": "+49 30 5550100",
            "started_at": when,
            "duration_seconds": self.rng.randint(20, 1500) if answered else 0,
            "member": contact.account.owner.pk,
        }
        if answered and self.rng.random() < 0.7:
            data["recording_url"] = f"https://pbx.{self.slug}.example/recordings/{index + 1:05d}.mp3"  # type: ignore[attr-defined]
        self.timeline.at(when + dt.timedelta(seconds=data["duration_seconds"]), self._log_call, data)

    def _log_call(self, data: dict[str, Any]) -> None:
        with acting_as(ActorKind.API):
            call_log(actor=self.admin, data=data)

    # -- chats ---------------------------------------------------------------------------------

    def _plan_chat(self, index: int, contact: PlannedContact, when: dt.datetime) -> None:
        channel = self.weighted(CHANNELS)
        owner = contact.account.owner
        key = {"channel": channel, "conversation_external_id": f"{channel}-{index + 1:04d}", "customer_handle": contact.data["phones"][0]}
        moment, turns = when, self.rng.randint(1, 3)
        for turn in range(turns):
            line = self.rng.randrange(len(CUSTOMER_LINES))
            self.timeline.at(moment, self._message, {**key, "direction": "inbound", "text": CUSTOMER_LINES[line],
                                                     "author_name": contact.data["first_name"], "external_id": f"{index}-{turn}-in"}, None)
            # Replies are quick in working hours and slower at night.
            delay = self.rng.uniform(1, 25) if 8 <= moment.hour < 18 else self.rng.uniform(30, 600)
            reply_at = moment + delay * MINUTE
            if reply_at >= self.now - MINUTE:
                return
            self.timeline.at(reply_at, self._message, {**key, "direction": "outbound", "text": OUR_LINES[line],
                                                       "external_id": f"{index}-{turn}-out"}, owner)
            moment = reply_at + self.rng.uniform(3, 90) * MINUTE
            if moment >= self.now - HOUR:
                return
        if self.rng.random() < 0.8:
            closed = moment + self.rng.uniform(5, 120) * MINUTE
            if closed < self.now - 10 * MINUTE:
                self.timeline.at(closed, self._close, key["conversation_external_id"], owner)
                if self.rng.random() < 0.65 and closed + 20 * MINUTE < self.now:
                    self.timeline.at(closed + self.rng.uniform(1, 20) * MINUTE, self._rate, key["conversation_external_id"], self.weighted(RATINGS))

    def _message(self, data: dict[str, Any], author: Member | None) -> None:
        with acting_as(ActorKind.API):
            chat_message_receive(actor=self.admin, data={**data, "author": author.pk if author else None})

    def _conversation(self, external_id: str) -> Conversation:
        return Conversation.objects.get(workspace=self.workspace, external_id=external_id)

    def _close(self, external_id: str, owner: Member) -> None:
        conversation = self._conversation(external_id)
        if conversation.closed_at is None:
            conversation_close(actor=owner, conversation=conversation)

    def _rate(self, external_id: str, rating: int) -> None:
        conversation = self._conversation(external_id)
        if conversation.closed_at is not None:
            with acting_as(ActorKind.API):
                conversation_rate(actor=self.admin, conversation=conversation, rating=rating)

    # -- usage -----------------------------------------------------------------------------------

    def _plan_usage(self) -> None:
        zone = ZoneInfo(self.workspace.time_zone)
        today = self.now.astimezone(zone).date()
        for member in [self.admin, *self.managers, *self.sellers]:
            diligence = self.rng.uniform(0.5, 1.3)
            for back in range(USAGE_DAYS, 0, -1):
                day = today - dt.timedelta(days=back)
                if day.weekday() >= 5 or self.rng.random() < 0.08:
                    continue
                start = dt.datetime.combine(day, dt.time(8), tzinfo=zone) + self.rng.uniform(0, 90) * MINUTE
                for _ in range(self.rng.choice([1, 2, 2])):
                    length = min(self.rng.uniform(0.4, 2.8) * diligence, 4.0) * HOUR
                    end = start + length
                    self.timeline.at(end, self._usage, member, start, end)
                    start = end + self.rng.uniform(15, 120) * MINUTE

    def _usage(self, member: Member, start: dt.datetime, end: dt.datetime) -> None:
        usage_interval_record(actor=self.admin, member=member, started_at=start, ended_at=end)
