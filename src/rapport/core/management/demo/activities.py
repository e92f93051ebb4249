"""The demo's activities: tasks, calls, meetings, e-mails and notes around its deals, leads and accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rapport.records.models import Activity, Contact
from rapport.records.services import activity_complete, activity_create
from rapport.workspaces.models import Member

from . import names
from .plan import DAY, HOUR, MINUTE, Planner

ACTIVITIES = 1500
ACTIVITY_KINDS = {"task": 30, "call": 25, "meeting": 12, "email": 20, "note": 13}


class ActivityPlanner(Planner):
    """Plans activities at moments when their deal, lead or account is alive, and completes them."""

    def plan_activities(self) -> None:
        leads = [lead for lead in self.leads if lead.owner is not None]
        accounts = [a for a in self.accounts if a.created < self.now - 6 * DAY]
        planned = 0
        while planned < ACTIVITIES:
            target = self.weighted({"deal": 62, "lead": 20, "account": 18})
            if target == "deal":
                deal = self.rng.choice(self.deals)
                owner, first, last = deal.owner, deal.created + 30 * MINUTE, deal.end or self.now
                links: dict[str, Any] = {"deal": deal}
            elif target == "lead":
                lead = self.rng.choice(leads)
                owner, first, last = lead.owner, lead.owner_from + 30 * MINUTE, lead.closed or self.now  # type: ignore[operator]
                links = {"lead": lead}
            else:
                account = self.rng.choice(accounts)
                owner, first, last = account.owner, account.created + 5 * DAY, self.now
                links = {"account": account}
            if last - first < HOUR:
                continue
            when = self.between(first, last - 10 * MINUTE)
            self._plan_activity(when, owner, links)  # type: ignore[arg-type]
            planned += 1

    def _plan_activity(self, when: datetime, owner: Member, links: dict[str, Any]) -> None:
        kind = self.weighted(ACTIVITY_KINDS)
        data: dict[str, Any] = {"kind": kind, "owner": owner.pk}
        complete_at = None
        if kind == "task":
            data["subject"] = self.rng.choice(names.TASK_SUBJECTS)
            data["category"] = self.rng.choice(names.TASK_CATEGORIES)
            due = self.between(when + 4 * HOUR, when + 7 * DAY)
            data["due_at"] = due
            roll = self.rng.random()
            if due <= self.now:
                if roll < 0.65:
                    complete_at = self.between(when + 10 * MINUTE, due)
                elif roll < 0.85 and due + HOUR < self.now:
                    complete_at = self.between(due + HOUR, min(due + 5 * DAY, self.now))
            elif roll < 0.1:
                complete_at = self.between(when + 10 * MINUTE, self.now)
        elif kind == "call":
            data["subject"] = self.rng.choice(names.CALL_SUBJECTS)
            data["direction"] = "outbound" if self.rng.random() < 0.65 else "inbound"
            data["duration_minutes"] = self.rng.randint(2, 40)
            if self.rng.random() < 0.9:
                data["done_at"] = when
            else:
                due = self.between(when + HOUR, when + 3 * DAY)
                data["due_at"] = due
                data["direction"] = "outbound"
                if due < self.now:
                    complete_at = due
        elif kind == "meeting":
            data["subject"] = self.rng.choice(names.MEETING_SUBJECTS)
            data["duration_minutes"] = self.rng.choice([30, 45, 60, 90])
            due = self.between(when + DAY, when + 10 * DAY).replace(minute=0)
            data["due_at"] = due
            finished = due + data["duration_minutes"] * MINUTE
            if finished < self.now and self.rng.random() < 0.85:
                complete_at = finished
        elif kind == "email":
            data["subject"] = self.rng.choice(names.EMAIL_SUBJECTS)
            data["direction"] = "outbound" if self.rng.random() < 0.55 else "inbound"
            data["done_at"] = when
        else:
            data["subject"] = "Note"
            data["body"] = self.rng.choice(names.NOTE_BODIES)
        pick = self.rng.random()
        with_manager = kind == "meeting" and owner.pk in self.manager_of and self.rng.random() < 0.3
        made: dict[str, Activity] = {}
        self.timeline.at(when, self._create_activity, made, data, owner, links, pick, with_manager)
        if complete_at is not None:
            self.timeline.at(complete_at, self._complete_activity, made, owner)

    def _create_activity(
        self, made: dict[str, Activity], data: dict[str, Any], owner: Member, links: dict[str, Any], pick: float,
        with_manager: bool,
    ) -> None:
        data = dict(data)
        contacts: list[Contact] = []
        if "deal" in links:
            deal = links["deal"]
            data["deal"] = deal.obj.pk
            if deal.obj.account_id:
                data["account"] = deal.obj.account_id
            contacts = deal.contact_objs
        elif "lead" in links:
            data["lead"] = links["lead"].obj.pk
        else:
            account = links["account"]
            data["account"] = account.obj.pk
            contacts = [c.obj for c in account.contacts if c.obj is not None]
        contact = contacts[int(pick * len(contacts))] if contacts else None
        if contact is not None:
            data["contact"] = contact.pk
            if data["kind"] == "call":
                data["subject"] = f"{data['subject']} with {contact}"
        if data["kind"] == "meeting":
            data["participant_members"] = [owner.pk] + ([self.manager_of[owner.pk].pk] if with_manager else [])
            data["participant_contacts"] = [contact.pk] if contact else []
        made["activity"] = activity_create(actor=owner, data=data)

    def _complete_activity(self, made: dict[str, Activity], owner: Member) -> None:
        activity_complete(actor=owner, activity=made["activity"])
