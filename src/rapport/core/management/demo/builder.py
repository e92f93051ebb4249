"""Builds the demo workspace: a plan of backdated service calls, replayed in time order.

Every record is written by the same service functions the app and the API use, each call inside
`clock.frozen_at(...)` at the moment it "happened", so the event log, the stage changes and every
figure computed from them tell one consistent six-month story. The plan is drawn from a seeded
random generator first and replayed afterwards, so one seed always gives the same workspace
(relative to the day it is built).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from rapport.core import clock
from rapport.events.log import acting_as
from rapport.events.models import ActorKind, Event
from rapport.records.models import (
    Account,
    Activity,
    Contact,
    Deal,
    Lead,
    LeadSource,
    Pipeline,
    Stage,
)
from rapport.records.services import (
    account_create,
    account_favourite,
    account_update,
    contact_create,
    custom_field_create,
    deal_create,
    deal_mark_lost,
    deal_mark_won,
    deal_move,
    deal_update,
    lead_archive,
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_update,
    pipeline_create,
    stage_create,
    tag_create,
)
from rapport.workspaces.models import Member, Workspace
from rapport.workspaces.services import member_create, workspace_create

from . import names
from .activities import ActivityPlanner
from .intake import IntakePlanner
from .plan import (
    DAY,
    HOUR,
    MINUTE,
    PlannedAccount,
    PlannedContact,
    PlannedDeal,
    PlannedLead,
    ascii_name,
)

DEMO_PASSWORD = "rapport-demo"
HISTORY_DAYS = 182
ACCOUNTS = 240
LEADS = 400
DIRECT_DEALS = 250

PIPELINES = {
    "Partners": [("Registered", 10), ("Qualified by partner", 25), ("Joint demo", 40), ("Proposal", 60), ("Commit", 85)],
    "Renewals": [("Upcoming", 40), ("In discussion", 60), ("Quote sent", 80), ("Verbal yes", 95)],
}
TEAMS = [("North", 5), ("South", 6), ("West", 5)]
SELLER_TITLES = ["Account executive", "Sales representative", "Business development representative", "Senior account executive"]
INTAKE_SOURCES = {LeadSource.WEB_FORM, LeadSource.API, LeadSource.EMAIL, LeadSource.CHAT}
LEAD_SOURCES = {
    LeadSource.WEB_FORM: 30, LeadSource.EMAIL: 18, LeadSource.PHONE: 12, LeadSource.CHAT: 10,
    LeadSource.IMPORT: 8, LeadSource.API: 10, LeadSource.MANUAL: 12,
}


@dataclass(frozen=True)
class DemoSummary:
    workspace: Workspace
    admin_email: str
    seller_email: str
    counts: dict[str, int]


class _Builder(ActivityPlanner, IntakePlanner):
    def __init__(self, *, slug: str, seed: int, now: datetime) -> None:
        super().__init__(seed=seed, now=now, history=timedelta(days=HISTORY_DAYS))
        self.slug = slug
        self.company_names: set[tuple[str, str]] = set()

    # -- set-up: workspace, people, pipelines, fields ------------------------------------------

    def set_up(self) -> None:
        with clock.frozen_at(self.start - 21 * DAY):
            self.workspace = workspace_create(
                name="Demo Company" if self.slug == "demo" else f"Demo Company ({self.slug})",
                slug=self.slug, time_zone="Europe/Berlin", base_currency="EUR",
            )
            self.domain = f"{self.workspace.slug}.rapport"
            self._members()
        with clock.frozen_at(self.start - 20 * DAY - 20 * HOUR):
            self._pipelines()
            self._custom_fields()

    def _members(self) -> None:
        taken = {("Dana", "Whitfield")}
        admin = member_create(
            actor=None, workspace=self.workspace, email=f"admin@{self.domain}", first_name="Dana",
            last_name="Whitfield", role="Administrator", title="Head of Sales",
        )

        def new_member(role: str, manager: Member, title: str) -> Member:
            first, last = self.person()
            while (first, last) in taken:
                first, last = self.person()
            taken.add((first, last))
            return member_create(
                actor=admin, workspace=self.workspace, email=f"{ascii_name(first)}.{ascii_name(last)}@{self.domain}",
                first_name=first, last_name=last, role=role, manager=manager, title=title,
            )

        managers, sellers = [], []
        for region, size in TEAMS:
            manager = new_member("Sales manager", admin, f"Sales manager, {region}")
            managers.append(manager)
            sellers.extend(new_member("Seller", manager, self.rng.choice(SELLER_TITLES)) for _ in range(size))
        # One hash for everyone: hashing twenty times would take most of the build.
        get_user_model().objects.filter(memberships__workspace=self.workspace).update(password=make_password(DEMO_PASSWORD))
        # Fresh rows with role, user and workspace loaded once, for the thousands of calls ahead.
        loaded = {
            m.pk: m for m in Member.objects.select_related("user", "role", "workspace").filter(workspace=self.workspace)
        }
        self.admin = loaded[admin.pk]
        self.managers = [loaded[m.pk] for m in managers]
        self.sellers = [loaded[m.pk] for m in sellers]
        self.manager_of = {s.pk: loaded[s.manager_id] for s in self.sellers}

    def _pipelines(self) -> None:
        sales = Pipeline.objects.get(workspace=self.workspace, name="Sales")
        stage_create(actor=self.admin, data={"pipeline": sales.pk, "name": "Contract sent", "probability": 90})
        self.pipelines = {"Sales": sales}
        for name, stages in PIPELINES.items():
            self.pipelines[name] = pipeline_create(
                actor=self.admin, data={"name": name}, stages=[{"name": s, "probability": p} for s, p in stages]
            )
        self.stages: dict[int, list[Stage]] = {
            p.pk: list(Stage.objects.filter(pipeline=p).order_by("position", "id")) for p in self.pipelines.values()
        }

    def _custom_fields(self) -> None:
        custom_field_create(actor=self.admin, data={
            "record_type": "deal", "key": "competitor", "label": "Competitor", "field_type": "choice",
            "choices": names.COMPETITORS,
        })
        custom_field_create(actor=self.admin, data={
            "record_type": "account", "key": "employees", "label": "Employees", "field_type": "number",
        })
        custom_field_create(actor=self.admin, data={
            "record_type": "contact", "key": "preferred_channel", "label": "Preferred channel",
            "field_type": "choice", "choices": names.CHANNELS,
        })
        self.tags = {name: tag_create(actor=self.admin, data={"name": name, "color": color}).pk for name, color in names.TAGS}

    # -- accounts and contacts -------------------------------------------------------------

    def plan_accounts(self) -> None:
        for index in range(ACCOUNTS):
            if index < ACCOUNTS * 0.45:  # the customer base loaded when the team started
                created = self.between(self.start - 20 * DAY, self.start)
            else:
                created = self.between(self.start, self.now - 3 * DAY)
            owner = self.rng.choice(self.sellers) if self.rng.random() < 0.85 else self.rng.choice(self.managers)
            account = self._company(created, owner) if self.rng.random() < 0.9 else self._person_account(created, owner)
            self.accounts.append(account)
        self.accounts.sort(key=lambda a: a.created)
        self.account_times = [a.created for a in self.accounts]
        companies = [a for a in self.accounts if a.data["kind"] == "company" and not a.is_private]
        for account in self.accounts:
            if account.data["kind"] == "company" and account.created > self.start and self.rng.random() < 0.07:
                earlier = [a for a in companies if a.created < account.created - DAY]
                if earlier:
                    account.parent = self.rng.choice(earlier)
            self.timeline.at(account.created, self._create_account, account)
            self._plan_contacts(account)
            if self.rng.random() < 0.12:
                self.timeline.at(self.between(account.created + DAY, min(account.created + 40 * DAY, self.now)), self._favourite, account)

    def new_company_name(self) -> tuple[str, str]:
        while True:
            word, trade = self.rng.choice(names.COMPANY_WORDS), self.rng.choice(list(names.TRADES))
            if (word, trade) not in self.company_names:
                self.company_names.add((word, trade))
                return word, trade

    def _company(self, created: datetime, owner: Member) -> PlannedAccount:
        word, trade = self.new_company_name()
        country = self.weighted(names.COUNTRY_WEIGHTS)
        suffix, phone_prefix, vat_prefix, cities, streets = names.COUNTRIES[country]
        city, postcode = self.rng.choice(cities)
        domain = f"{slugify(f'{word}-{trade}')}.example"
        roll = self.rng.random()
        is_global, is_private = roll < 0.04, 0.04 <= roll < 0.07
        data: dict[str, Any] = {
            "kind": "company",
            "name": f"{word} {trade} {suffix}",
            "emails": [f"info@{domain}"],
            "phones": [self.phone(phone_prefix)],
            "street": f"{self.rng.choice(streets)} {self.rng.randint(1, 180)}",
            "city": city,
            "postcode": "".join(str(self.rng.randint(0, 9)) if c == "#" else c for c in postcode),
            "country": country,
            "industry": names.TRADES[trade],
            "website": f"https://www.{domain}",
            "owner": owner.pk,
            "is_global": is_global,
            "is_private": is_private,
        }
        if vat_prefix and self.rng.random() < 0.8:
            data["vat_number"] = f"{vat_prefix}{self.rng.randint(100000000, 999999999)}"
        if self.rng.random() < 0.8:
            data["custom"] = {"employees": self.rng.choice([8, 15, 25, 40, 60, 120, 250, 500, 1200, 5000])}
        if self.rng.random() < 0.08:
            data["tags"] = ["Key account"]
        if self.rng.random() < 0.15:
            data["comment"] = self.rng.choice(names.NOTE_BODIES)
        return PlannedAccount(created=created, owner=owner, data=data, domain=domain, is_private=is_private)

    def _person_account(self, created: datetime, owner: Member) -> PlannedAccount:
        first, last = self.person()
        country = self.weighted(names.COUNTRY_WEIGHTS)
        _, phone_prefix, _, cities, streets = names.COUNTRIES[country]
        city, _ = self.rng.choice(cities)
        data = {
            "kind": "person", "first_name": first, "last_name": last,
            "emails": [f"{ascii_name(first)}.{ascii_name(last)}@mail.example"], "phones": [self.phone(phone_prefix)],
            "street": f"{self.rng.choice(streets)} {self.rng.randint(1, 90)}", "city": city, "country": country,
            "owner": owner.pk,
        }
        return PlannedAccount(created=created, owner=owner, data=data, domain="mail.example", is_private=False)

    def _plan_contacts(self, account: PlannedAccount) -> None:
        if account.data["kind"] == "person":
            count = 1 if self.rng.random() < 0.3 else 0
        else:
            count = self.rng.choice([1, 2, 2, 2, 3])
        for _ in range(count):
            first, last = self.person()
            data: dict[str, Any] = {
                "first_name": first, "last_name": last,
                "job_title": self.rng.choice(names.JOB_TITLES),
                "contact_type": self.rng.choice(names.CONTACT_TYPES),
                "emails": [f"{ascii_name(first)}.{ascii_name(last)}@{account.domain}"],
                "phones": [self.phone(names.COUNTRIES[account.data["country"]][1])],
                "owner": account.owner.pk,
                "consent_email": self.rng.random() < 0.7,
                "consent_phone": self.rng.random() < 0.4,
            }
            if self.rng.random() < 0.5:
                data["custom"] = {"preferred_channel": self.rng.choice(names.CHANNELS)}
            created = min(self.between(account.created + 10 * MINUTE, account.created + 4 * DAY), self.now - HOUR)
            contact = PlannedContact(account=account, created=created, data=data)
            account.contacts.append(contact)
            self.timeline.at(created, self._create_contact, contact)

    def _create_account(self, account: PlannedAccount) -> None:
        data = dict(account.data)
        if "tags" in data:
            data["tags"] = [self.tags[t] for t in data["tags"]]
        if account.parent is not None:
            data["parent"] = account.parent.obj.pk  # type: ignore[union-attr]
        account.obj = account_create(actor=account.owner, data=data)

    def _create_contact(self, contact: PlannedContact) -> None:
        contact.obj = contact_create(actor=contact.account.owner, data={**contact.data, "account": contact.account.obj.pk})  # type: ignore[union-attr]

    def _favourite(self, account: PlannedAccount) -> None:
        account_favourite(actor=account.owner, account=account.obj, favourite=True)  # type: ignore[arg-type]

    def accounts_before(self, moment: datetime) -> list[PlannedAccount]:
        return self.accounts[: bisect.bisect_right(self.account_times, moment)]

    # -- leads -------------------------------------------------------------------------------

    def plan_leads(self) -> None:
        last = self.now - HOUR
        for _ in range(LEADS):
            created = self.between(self.start, self.now - 2 * HOUR)
            source = self.weighted(LEAD_SOURCES)
            if created > self.now - 3 * DAY:
                status = "new" if self.rng.random() < 0.7 else "working"
            else:
                status = self.weighted({"qualified": 27, "disqualified": 16, "nurturing": 12, "working": 20, "new": 25})
            seller = self.rng.choice(self.sellers)
            unassigned = status == "new" and self.rng.random() < 0.6
            owner_from: datetime | None = created
            if source in INTAKE_SOURCES or unassigned:
                creator, owner = self.admin, None
                if not unassigned:
                    owner_from = self.between(created + 15 * MINUTE, min(created + DAY, last))
                    owner = seller
            else:
                creator = self.admin if source == LeadSource.IMPORT else seller
                owner = seller
            initial_owner = None if source in INTAKE_SOURCES or unassigned else owner
            lead = PlannedLead(created=created, creator=creator, owner=owner, owner_from=owner_from if owner else None,
                         data={})
            self._lead_data(lead, source, initial_owner)
            self.leads.append(lead)
            self.timeline.at(created, self._create_lead, lead)
            if owner is not None and initial_owner is None:
                self.timeline.at(owner_from, self._assign_lead, lead)  # type: ignore[arg-type]
            self._plan_lead_progress(lead, status)

    def _lead_data(self, lead: PlannedLead, source: str, owner: Member | None) -> None:
        first, last = self.person()
        existing = [a for a in self.accounts_before(lead.created - DAY) if a.data["kind"] == "company" and not a.is_private]
        data: dict[str, Any] = {"first_name": first, "last_name": last, "source": source,
                                "priority": self.weighted({"low": 20, "normal": 60, "high": 20})}
        roll = self.rng.random()
        if roll < 0.25 and existing:
            account = self.rng.choice(existing)
            data["company"] = account.data["name"]
            data["account"] = account
            domain = account.domain
        elif roll < 0.85:
            word, trade = self.new_company_name()
            country = self.weighted(names.COUNTRY_WEIGHTS)
            suffix, phone_prefix, _, cities, streets = names.COUNTRIES[country]
            data["company"] = f"{word} {trade} {suffix}"
            domain = f"{slugify(f'{word}-{trade}')}.example"
            lead.company = {
                "city": self.rng.choice(cities)[0], "country": country, "industry": names.TRADES[trade],
                "street": f"{self.rng.choice(streets)} {self.rng.randint(1, 180)}",
                "website": f"https://www.{domain}", "emails": [f"info@{domain}"], "phones": [self.phone(phone_prefix)],
            }
        else:
            domain = "mail.example"
        data["email"] = f"{ascii_name(first)}.{ascii_name(last)}@{domain}"
        if self.rng.random() < 0.7:
            data["phone"] = self.phone(self.rng.choice(["+49", "+33", "+34", "+48", "+44"]))
        data["title"] = f"{data.get('company') or f'{first} {last}'}: {self.rng.choice(names.NEEDS)}"
        if self.rng.random() < 0.6:
            data["budget"] = self.amount()
            data["currency"] = "EUR"
        if self.rng.random() < 0.5:
            data["description"] = self.rng.choice(names.LEAD_DESCRIPTIONS)
        # No owner given means "the creator"; an explicit None leaves the lead with the robot owner.
        data["owner"] = owner.pk if owner is not None else None
        lead.data = data

    def _plan_lead_progress(self, lead: PlannedLead, status: str) -> None:
        if lead.owner is None or status == "new":
            return
        last = self.now - HOUR
        moment = self.between(lead.owner_from + 2 * HOUR, lead.owner_from + 3 * DAY)  # type: ignore[operator]
        if status == "disqualified" and self.rng.random() < 0.5:
            moment = lead.owner_from + HOUR  # type: ignore[operator]
        else:
            if moment >= last:
                return
            self.timeline.at(moment, self._lead_status, lead, "working")
        if status == "nurturing":
            later = self.between(moment + DAY, moment + 20 * DAY)
            if later < last:
                self.timeline.at(later, self._lead_status, lead, "nurturing")
        elif status == "qualified":
            when = self.between(moment + DAY, moment + 20 * DAY)
            if when < self.now - DAY:
                lead.closed = when
                self._plan_lead_deal(lead, when)
        elif status == "disqualified":
            when = self.between(moment + DAY, moment + 25 * DAY)
            if when < last:
                lead.closed = when
                self.timeline.at(when, self._disqualify, lead, self.rng.choice(names.DISQUALIFY_REASONS))
                if self.rng.random() < 0.3:
                    archived = self.between(when + DAY, when + 10 * DAY)
                    if archived < last:
                        self.timeline.at(archived, self._archive, lead)

    def _create_lead(self, lead: PlannedLead) -> None:
        data = dict(lead.data)
        if isinstance(data.get("account"), PlannedAccount):
            data["account"] = data["account"].obj.pk
        if lead.creator is self.admin and data["source"] in {LeadSource.API, LeadSource.WEB_FORM}:
            with acting_as(ActorKind.API):
                lead.obj = lead_create(actor=lead.creator, data=data)
        else:
            lead.obj = lead_create(actor=lead.creator, data=data)

    def _assign_lead(self, lead: PlannedLead) -> None:
        lead.obj = lead_update(actor=self.admin, lead=lead.obj, data={"owner": lead.owner.pk})  # type: ignore[arg-type,union-attr]

    def _lead_status(self, lead: PlannedLead, status: str) -> None:
        lead.obj = lead_update(actor=lead.owner, lead=lead.obj, data={"status": status})  # type: ignore[arg-type]

    def _disqualify(self, lead: PlannedLead, reason: str) -> None:
        lead.obj = lead_disqualify(actor=lead.owner, lead=lead.obj, reason=reason)  # type: ignore[arg-type]

    def _archive(self, lead: PlannedLead) -> None:
        lead.obj = lead_archive(actor=lead.owner, lead=lead.obj)  # type: ignore[arg-type]

    # -- deals ---------------------------------------------------------------------------------

    def _plan_lead_deal(self, lead: PlannedLead, when: datetime) -> None:
        pipeline = self.pipelines["Sales"] if self.rng.random() < 0.8 else self.pipelines["Partners"]
        deal = PlannedDeal(created=when, owner=lead.owner, pipeline=pipeline, name=lead.data["title"],  # type: ignore[arg-type]
                     amount=lead.data.get("budget") or self.amount(), lead=lead)
        self.deals.append(deal)
        self.timeline.at(when, self._qualify, deal)
        if lead.company is not None:
            self.timeline.at(self.between(when + 10 * MINUTE, when + 2 * HOUR), self._complete_account, deal)
        self._plan_path(deal)

    def plan_deals(self) -> None:
        planned = 0
        while planned < DIRECT_DEALS:
            created = self.between(self.start, self.now - DAY)
            candidates = self.accounts_before(created - 5 * DAY)
            if not candidates:
                continue
            account = self.rng.choice(candidates)
            if account.is_private or self.rng.random() < 0.75:
                owner = account.owner
            else:
                owner = self.rng.choice(self.sellers)
            roll = self.rng.random()
            pipeline_name = "Renewals" if roll < 0.2 else "Partners" if roll < 0.35 else "Sales"
            short = account.data.get("name") or f"{account.data['first_name']} {account.data['last_name']}"
            if pipeline_name == "Renewals":
                name = f"{short}: renewal {created.year + 1}"
            else:
                name = f"{short}: {self.rng.choice(names.NEEDS)}"
            deal = PlannedDeal(created=created, owner=owner, pipeline=self.pipelines[pipeline_name], name=name,
                         amount=self.amount(), account=account)
            roles = self.rng.sample(names.DEAL_ROLES, k=len(names.DEAL_ROLES))
            picked = self.rng.sample(account.contacts, k=min(len(account.contacts), self.rng.choice([1, 1, 2])))
            deal.contacts = list(zip(picked, roles, strict=False))
            deal.data = {"expected_close": (created + self.rng.randint(20, 100) * DAY).date()}
            if self.rng.random() < 0.6:
                deal.data["custom"] = {"competitor": self.rng.choice(names.COMPETITORS)}
            if self.rng.random() < 0.1:
                deal.data["tags"] = [self.tags[self.rng.choice(["Upsell", "Referral", "Urgent", "Public sector"])]]
            self.deals.append(deal)
            self.timeline.at(created, self._create_deal, deal)
            self._plan_path(deal)
            planned += 1

    def _plan_path(self, deal: PlannedDeal) -> None:
        """Moves through the stages at increasing moments, ending won, lost or still open."""
        stage_count = len(self.stages[deal.pipeline.pk])
        window = (self.now - HOUR) - deal.created
        outcome = self.weighted({"won": 25, "lost": 20, "open": 55})
        if window < 4 * DAY:
            outcome = "open"
        if outcome == "won":
            target = stage_count - 1
        else:
            target = self.rng.choices(range(stage_count), weights=[stage_count - i + 1 for i in range(stage_count)])[0]
        path = list(range(1, target + 1))
        if outcome == "won" and len(path) > 2 and self.rng.random() < 0.2:
            path.pop(self.rng.randrange(len(path) - 1))  # skipped a stage
        steps: list[tuple[Any, ...]] = [("move", index) for index in path]
        if len(path) >= 2 and self.rng.random() < 0.06:  # slipped back, then recovered
            steps += [("move", path[-2]), ("move", path[-1])]
        if self.rng.random() < 0.15:
            steps.insert(self.rng.randint(0, len(steps)), ("amount", self.amount()))
        if outcome == "won":
            steps.append(("won",))
        elif outcome == "lost":
            steps.append(("lost", self.rng.choice(names.LOST_REASONS)))
        elif deal.pipeline.name == "Sales" and self.rng.random() < 0.04:
            steps.append(("pipeline", self.pipelines["Partners"]))
        if not steps:
            return
        gaps = [self.rng.uniform(1, 14) * DAY for _ in steps]
        total = sum(gaps, timedelta())
        if total > window * 0.9:
            gaps = [gap * (window * 0.9 / total) for gap in gaps]
        moment = deal.created
        for gap, step in zip(gaps, steps, strict=True):
            moment = max(moment + gap, moment + 10 * MINUTE).replace(second=0, microsecond=0)
            self.timeline.at(moment, self._deal_step, deal, step)
        if outcome in ("won", "lost"):
            deal.end = moment

    def _qualify(self, deal: PlannedDeal) -> None:
        qualified = lead_qualify(actor=deal.owner, lead=deal.lead.obj, pipeline=deal.pipeline.pk, amount=deal.amount)  # type: ignore[union-attr,arg-type]
        deal.lead.obj = qualified.lead  # type: ignore[union-attr]
        deal.obj = qualified.deal
        deal.contact_objs = [qualified.contact] if qualified.contact else []

    def _complete_account(self, deal: PlannedDeal) -> None:
        """The seller fills in the account that qualifying the lead made from its company name."""
        account = Account.objects.get(pk=deal.obj.account_id)  # type: ignore[union-attr]
        account_update(actor=deal.owner, account=account, data=deal.lead.company)  # type: ignore[union-attr,arg-type]

    def _create_deal(self, deal: PlannedDeal) -> None:
        data = {
            **deal.data, "name": deal.name, "pipeline": deal.pipeline.pk, "amount": deal.amount,
            "owner": deal.owner.pk, "account": deal.account.obj.pk,  # type: ignore[union-attr]
        }
        deal.obj = deal_create(
            actor=deal.owner, data=data, contacts=[{"contact": c.obj.pk, "role": role} for c, role in deal.contacts]  # type: ignore[union-attr]
        )
        deal.contact_objs = [c.obj for c, _ in deal.contacts]  # type: ignore[misc]

    def _deal_step(self, deal: PlannedDeal, step: tuple[Any, ...]) -> None:
        kind = step[0]
        if kind == "move":
            stage = self.stages[deal.obj.pipeline_id][step[1]]  # type: ignore[union-attr]
            deal.obj = deal_move(actor=deal.owner, deal=deal.obj, stage=stage.pk)  # type: ignore[arg-type]
        elif kind == "pipeline":
            deal.obj = deal_move(actor=deal.owner, deal=deal.obj, pipeline=step[1].pk)  # type: ignore[arg-type]
        elif kind == "amount":
            deal.obj = deal_update(actor=deal.owner, deal=deal.obj, data={"amount": step[1]})  # type: ignore[arg-type]
        elif kind == "won":
            deal.obj = deal_mark_won(actor=deal.owner, deal=deal.obj)  # type: ignore[arg-type]
        else:
            deal.obj = deal_mark_lost(actor=deal.owner, deal=deal.obj, reason=step[1])  # type: ignore[arg-type]

    # -- the whole build -----------------------------------------------------------------

    def build(self) -> DemoSummary:
        with transaction.atomic():
            self.set_up()
            self.plan_accounts()
            self.plan_leads()
            self.plan_deals()
            self.plan_activities()
            self.plan_intake()
            self.timeline.replay()
        workspace = self.workspace
        counts = {
            "members": Member.objects.filter(workspace=workspace).count(),
            "pipelines": Pipeline.objects.filter(workspace=workspace).count(),
            "accounts": Account.objects.filter(workspace=workspace).count(),
            "contacts": Contact.objects.filter(workspace=workspace).count(),
            "leads": Lead.objects.filter(workspace=workspace).count(),
            "deals": Deal.objects.filter(workspace=workspace).count(),
            "activities": Activity.objects.filter(workspace=workspace).count(),
            "events": Event.objects.filter(workspace=workspace).count(),
        }
        return DemoSummary(
            workspace=workspace,
            admin_email=self.admin.user.username,
            seller_email=self.sellers[0].user.username,
            counts=counts,
        )


def build_demo(*, slug: str = "demo", seed: int = 1, now: datetime | None = None) -> DemoSummary:
    """Create the demo workspace `slug`, with history up to `now` (default: this minute)."""
    moment = (now or timezone.now()).replace(second=0, microsecond=0)
    return _Builder(slug=slug, seed=seed, now=moment).build()
