"""Build the large benchmark dataset.

One big workspace ("bench"): 50 members in an org chart (an administrator, 5 sales managers,
44 sellers), 3 pipelines, 200,000 accounts, 1,000,000 contacts, 100,000 leads, 500,000 deals
with their stage histories (stage-change rows and events, most old deals won or lost), 5,000,000
activities (tasks, calls, e-mails, meetings, notes, and chat messages in 50,000 conversations),
usage intervals, goals and exchange rates, and the matching event log (about 9 million events);
plus 200 small workspaces beside it, built through the services. History spans `--years`
(default 3) up to now. `--scale 0.01` builds 1% of it, for a quick look (SQLite is fine).

Usage (from the repository root):
    createdb -h 127.0.0.1 -U postgres rapport_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench ./rapport bench generate
    ./rapport bench generate --scale 0.01       # SQLite in ./data (or RAPPORT_DATA_DIR)

Settings, members, rates, goals and the small workspaces come from the services (so they are
exactly what the app makes); the bulk of records is written with PostgreSQL COPY (executemany
on SQLite) in chunks, ids assigned here, sequences fixed afterwards. On PostgreSQL the loaded
tables' secondary indexes are dropped for the load and rebuilt after it. It prints its own
build time.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from bulk import (  # noqa: E402
    IdSequence,
    epoch_text,
    load,
    sync_sequences,
    unchecked_foreign_keys,
    without_indexes,
)
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from rapport.analytics.services import goal_create  # noqa: E402
from rapport.core import clock  # noqa: E402
from rapport.events.models import Event  # noqa: E402
from rapport.intake.models import Conversation, Message, UsageInterval  # noqa: E402
from rapport.records import services  # noqa: E402
from rapport.records.models import (  # noqa: E402
    Account,
    Activity,
    Contact,
    Deal,
    DealContact,
    Lead,
    Stage,
    StageChange,
)
from rapport.workspaces.models import Member, Workspace  # noqa: E402
from rapport.workspaces.rates import exchange_rate_set  # noqa: E402
from rapport.workspaces.services import member_create, workspace_create  # noqa: E402

FIRST = (
    "Ana Ben Carla David Elena Farid Greta Hugo Iris Jonas Karin Luis Marta Nils Olga Pablo Rosa Sven Tania Uwe Vera "
    "Wim Ximena Yusuf Zoe Agnieszka Bruno Celia Dmitri Emma Felipe Hanna Igor Julia Kasia Lena Mateo Nadia Oscar Pia"
).split()
LAST_REAL = (
    "Garcia Novak Kowalski Silva Rossi Müller Dubois Petrov Jensen Moreau Costa Nowak Fischer Santos Varga Horvat "
    "Ivanova Lopez Becker Wagner Fernández Wiśniewski Lewandowski Schmidt Martin Bernard Ferreira Oliveira Romano Smirnov"
).split()
# Surnames made of parts, so a million contacts do not share a handful of names.
LAST_HEADS = "Kowal Nowa Wiśni Zielin Szyman Woźni Kamin Lewan Dąbro Mazur Krawc Pietr Grabo Pawl Michal Sobcz Król Wiecz Jabło Majew Ostro Malin Zając Stępn".split()
LAST_TAILS = "ski czyk ewicz ak iak owski ek ik as ero ez ova enko ov ini etti ard ier sen son".split()
LAST = LAST_REAL + [h + t for h in LAST_HEADS for t in LAST_TAILS]
COMPANY_A = "Nordic Atlas Blue Delta Green Iron Silver Swift Bright Prime Vertex Solar Urban Coastal Alpine Polar Crimson Golden Rapid Noble Quantum Orbit Cedar Falcon Harbor".split()
COMPANY_B = "Logistics Foods Systems Analytics Pharma Energy Textiles Robotics Media Labs Partners Motors Retail Health Capital Builders Dynamics Software Trading Consulting".split()
COMPANY_C = "Ltd GmbH S.A. Sp. z o.o. SL Group Holding & Co. Oy AB".split(" ")
PRODUCTS = "licences renewal expansion pilot rollout support upgrade hardware training audit integration".split()
CITIES = [("Madrid", "ES"), ("Warsaw", "PL"), ("Berlin", "DE"), ("Lyon", "FR"), ("Porto", "PT"), ("Milan", "IT"), ("Riga", "LV"), ("Vigo", "ES"), ("Kraków", "PL"), ("Moscow", "RU"), ("Gdańsk", "PL"), ("A Coruña", "ES")]
INDUSTRIES = "software manufacturing retail logistics healthcare finance education energy media hospitality".split()
PIPELINES = {
    "Sales": None,  # created by workspace_create with its default stages
    "Partners": [("Introduced", 10), ("Qualified", 30), ("Joint proposal", 60), ("Signed", 90)],
    "Renewals": [("Due", 40), ("Contacted", 60), ("Quote sent", 75), ("Verbal yes", 90), ("Paperwork", 95)],
}
# Chat messages are made with their conversations; this is the mix of everything else.
ACTIVITY_KINDS = ["task"] * 31 + ["call"] * 26 + ["email"] * 26 + ["meeting"] * 10 + ["note"] * 7
SUBJECTS = {
    "task": ["Send proposal", "Follow up", "Prepare demo", "Check budget", "Book meeting", "Send contract", "Chase invoice"],
    "call": ["Discovery call", "Pricing call", "Check-in call", "Support call", "Reference call"],
    "email": ["Re: proposal", "Contract draft", "Meeting notes", "Introduction", "Price list", "Re: delivery"],
    "meeting": ["Demo", "Kick-off", "Quarterly review", "Negotiation", "Site visit"],
    "note": ["Decision maker is the CFO", "Budget approved for next quarter", "Prefers e-mail", "Competitor is cheaper"],
}
CHANNELS = ["whatsapp", "telegram", "web_chat", "email", "facebook", "sms"]
CHAT_LINES = ["Hello, a question about pricing", "When can you deliver?", "Thanks, that helps", "Can we talk tomorrow?", "Please send the invoice again"]
LOST_REASONS = ["Price", "Competitor", "No budget", "No decision", "Timing"]
LEAD_SOURCES = (["email", "chat", "phone", "web_form", "import", "api", "manual"], [0.2, 0.1, 0.15, 0.3, 0.1, 0.05, 0.1])
PASSWORD = "rapport-bench"
DAY = 86_400.0


def log(message: str) -> None:
    print(message, flush=True)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Builder:
    def __init__(self, *, scale: float, seed: int, slug: str, years: float):
        self.rng = random.Random(seed)
        self.scale = scale
        self.slug = slug
        self.now_dt = clock.now().replace(microsecond=0)
        self.now = self.now_dt.timestamp()
        self.start = self.now - years * 365 * DAY
        self.ts = epoch_text()

    def n(self, full: int) -> int:
        return max(1, int(full * self.scale))

    def when(self, after: float | None = None, before: float | None = None) -> float:
        return self.rng.uniform(after if after is not None else self.start, before if before is not None else self.now)

    def arrivals(self, count: int) -> list[float]:
        """`count` moments spread evenly over the history, in order: ids follow time, as in an
        app that has been in use all along."""
        return sorted(self.rng.uniform(self.start, self.now) for _ in range(count))

    def earlier(self, times: list[float], moment: float) -> int:
        """A random index among the rows of `times` (sorted) that existed at `moment`."""
        return self.rng.randrange(max(1, bisect.bisect_left(times, moment)))

    # --- settings and people, through the services ----------------------------------------------

    def build_workspace(self) -> None:
        t = time.monotonic()
        with transaction.atomic():
            self.workspace = workspace_create(name="Benchmark Corp", slug=self.slug, time_zone="Europe/Madrid", base_currency="EUR")
            admin = member_create(actor=None, workspace=self.workspace, email=f"admin@{self.slug}.rapport", first_name="Ada", last_name="Admin", role="Administrator", password=PASSWORD)
            self.admin = Member.objects.select_related("user", "role", "workspace").get(pk=admin.pk)
            self.managers, self.sellers = [], []
            for m in range(5):
                manager = member_create(actor=self.admin, workspace=self.workspace, email=f"manager{m + 1}@{self.slug}.rapport", first_name=FIRST[m], last_name=LAST[m], role="Sales manager", manager=self.admin, password=PASSWORD if m == 0 else None)
                self.managers.append(manager)
                for _s in range(9 if m < 4 else 8):
                    index = len(self.sellers) + 1
                    seller = member_create(actor=self.admin, workspace=self.workspace, email=f"seller{index}@{self.slug}.rapport", first_name=FIRST[index % len(FIRST)], last_name=LAST[(index * 7) % len(LAST)], role="Seller", manager=manager, password=PASSWORD if index == 1 else None)
                    self.sellers.append(seller)
            self.members = [self.admin, *self.managers, *self.sellers]
            for name, stages in PIPELINES.items():
                if stages:
                    services.pipeline_create(actor=self.admin, data={"name": name}, stages=[{"name": s, "probability": p} for s, p in stages])
            first_day = dt.datetime.fromtimestamp(self.start, dt.UTC).date()
            for quarter in range(0, int((self.now - self.start) / (91 * DAY)) + 1):
                day = first_day + dt.timedelta(days=91 * quarter)
                exchange_rate_set(actor=self.admin, currency="USD", rate=Decimal("0.92") + Decimal(quarter % 5) / 100, valid_from=day)
                exchange_rate_set(actor=self.admin, currency="GBP", rate=Decimal("1.16") + Decimal(quarter % 3) / 100, valid_from=day)
        self.stages: dict[int, list[Stage]] = {}
        for stage in Stage.objects.filter(workspace=self.workspace).order_by("pipeline_id", "position"):
            self.stages.setdefault(stage.pipeline_id, []).append(stage)
        self.pipeline_ids = list(self.stages)
        self.names = {m.pk: m.display_name for m in self.members}
        seller_ids = [m.pk for m in self.sellers]
        manager_ids = [m.pk for m in self.managers]
        # Sellers own most records, managers some, the administrator a few.
        self.owner_pool = seller_ids * 17 + manager_ids * 12 + [self.admin.pk] * 6
        log(f"  workspace {self.slug!r}: {len(self.members)} members, {len(self.pipeline_ids)} pipelines, exchange rates ({time.monotonic() - t:.0f} s)")

    def build_goals(self) -> None:
        t = time.monotonic()
        today = self.now_dt.date().replace(day=1)
        months = [today]
        for _m in range(12):
            months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
        count = 0
        with transaction.atomic():
            for member in [*self.managers, *self.sellers]:
                scope = "team" if member in self.managers else "member"
                for month in months:
                    goal_create(actor=self.admin, data={"member": member.pk, "scope": scope, "month": month.isoformat()[:7], "target": Decimal(40_000 if scope == "member" else 400_000)})
                    count += 1
        log(f"  {count} goals ({time.monotonic() - t:.0f} s)")

    # --- bulk records --------------------------------------------------------------------------

    def build_records(self) -> None:
        models_ = (Account, Contact, Deal, DealContact, StageChange, Lead, Activity, Event, Conversation, Message, UsageInterval)
        with unchecked_foreign_keys(), without_indexes(*models_, log=log):
            self._records()
        sync_sequences(*models_)

    def _records(self) -> None:
        rng, ts, ws, names = self.rng, self.ts, self.workspace.pk, self.names
        owner_pool = self.owner_pool
        events: list[tuple] = []
        event_ids = IdSequence(Event)
        event_columns = ["id", "workspace_id", "occurred_at", "actor_id", "actor_kind", "actor_name", "object_type", "object_id", "object_name", "event_type", "field", "before", "after"]

        def event(occurred: str, actor: int, object_type: str, object_id: int, object_name: str, event_type: str, field: str = "", before: str | None = None, after: str | None = None) -> None:
            events.append((event_ids.take(), ws, occurred, actor, "user", names[actor], object_type, object_id, object_name, event_type, field, before, after))
            if len(events) >= 100_000:
                flush_events()

        def flush_events() -> None:
            load(Event, event_columns, events)
            events.clear()

        # Accounts
        t = time.monotonic()
        account_ids = IdSequence(Account)
        first_account = account_ids.next
        n_accounts = self.n(200_000)
        self.account_owner = account_owner = []
        account_created = self.arrivals(n_accounts)
        rows = []
        columns = ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "kind", "name", "emails", "phones", "city", "country", "industry", "owner_id", "is_global", "is_private"]
        for i in range(n_accounts):
            pk = account_ids.take()
            created = account_created[i]
            stamp = ts(created)
            owner = rng.choice(owner_pool)
            account_owner.append(owner)
            name = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {rng.choice(COMPANY_C)} {pk}"
            city, country = rng.choice(CITIES)
            rows.append((pk, ws, 1, stamp, stamp, owner, "{}", "company", name, dumps([f"info@c{pk}.example"]), dumps([f"+34 91 {pk % 10_000_000:07d}"]), city, country, rng.choice(INDUSTRIES), owner, rng.random() < 0.02, rng.random() < 0.002))
            event(stamp, owner, "account", pk, name, "created", after=dumps({"name": name, "city": city}))
            if len(rows) >= 50_000:
                load(Account, columns, rows)
                rows.clear()
        load(Account, columns, rows)
        log(f"  {n_accounts:,} accounts ({time.monotonic() - t:.0f} s)")

        # Contacts: about five per account, owned by the account's owner
        t = time.monotonic()
        contact_ids = IdSequence(Contact)
        first_contact = contact_ids.next
        n_contacts = self.n(1_000_000)
        contact_owner = []
        contact_created = self.arrivals(n_contacts)
        rows = []
        columns = ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "first_name", "last_name", "job_title", "account_id", "emails", "phones", "messengers", "owner_id"]
        titles = ["CEO", "CFO", "Buyer", "Head of IT", "Office manager", "Engineer", "Sales director", ""]
        for i in range(n_contacts):
            pk = contact_ids.take()
            created = contact_created[i]
            a = self.earlier(account_created, created)
            owner = account_owner[a]
            contact_owner.append(owner)
            stamp = ts(created)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            rows.append((pk, ws, 1, stamp, stamp, owner, "{}", first, last, rng.choice(titles), first_account + a, dumps([f"{first.lower()}.{pk}@c{first_account + a}.example"]), dumps([f"+34 600 {pk % 1_000_000:06d}"]), "{}", owner))
            event(stamp, owner, "contact", pk, f"{first} {last}", "created", after=dumps({"first_name": first, "last_name": last}))
            if len(rows) >= 50_000:
                load(Contact, columns, rows)
                rows.clear()
        load(Contact, columns, rows)
        log(f"  {n_contacts:,} contacts ({time.monotonic() - t:.0f} s)")

        # Deals with their stage histories; old deals are mostly closed, as in a real pipeline.
        t = time.monotonic()
        deal_ids = IdSequence(Deal)
        change_ids = IdSequence(StageChange)
        link_ids = IdSequence(DealContact)
        first_deal = deal_ids.next
        n_deals = self.n(500_000)
        deal_owner, deal_created = [], self.arrivals(n_deals)
        deals, changes, links = [], [], []
        deal_columns = ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "name", "account_id", "pipeline_id", "stage_id", "status", "lost_reason", "amount", "currency", "expected_close", "owner_id", "source", "stage_changed_at", "closed_at"]
        change_columns = ["id", "workspace_id", "deal_id", "pipeline_id", "from_stage_id", "to_stage_id", "from_status", "to_status", "amount", "currency", "changed_at", "actor_id"]
        link_columns = ["id", "workspace_id", "deal_id", "contact_id", "role"]
        weights = [0.6, 0.25, 0.15][: len(self.pipeline_ids)]
        refs = {p: [dumps({"id": s.pk, "name": s.name}) for s in stages] for p, stages in self.stages.items()}
        for i in range(n_deals):
            pk = deal_ids.take()
            pipeline = rng.choices(self.pipeline_ids, weights)[0]
            stages = self.stages[pipeline]
            created = deal_created[i]
            a = self.earlier(account_created, created)
            owner = account_owner[a] if rng.random() < 0.8 else rng.choice(owner_pool)
            amount = Decimal(int(rng.lognormvariate(8, 1.0))).quantize(Decimal("1.00"))
            roll = rng.random()
            currency = "EUR" if roll < 0.85 else "USD" if roll < 0.95 else "GBP"
            deal_owner.append(owner)
            stamp = ts(created)
            name = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {rng.choice(PRODUCTS)} {pk}"
            changes.append((change_ids.take(), ws, pk, pipeline, None, stages[0].pk, "", "open", amount, currency, stamp, owner))
            event(stamp, owner, "deal", pk, name, "created", after=dumps({"name": name, "stage": {"id": stages[0].pk, "name": stages[0].name}, "amount": str(amount), "currency": currency}))
            position, moved = 0, created
            for _m in range(rng.randrange(len(stages))):
                nxt = moved + rng.uniform(0.5, 25) * DAY
                if nxt >= self.now:
                    break
                moved = nxt
                stamp = ts(moved)
                changes.append((change_ids.take(), ws, pk, pipeline, stages[position].pk, stages[position + 1].pk, "open", "open", amount, currency, stamp, owner))
                event(stamp, owner, "deal", pk, name, "stage_changed", "stage", refs[pipeline][position], refs[pipeline][position + 1])
                position += 1
            age = (self.now - created) / DAY
            status, closed, reason = "open", None, ""
            if rng.random() < (0.96 if age > 120 else age / 200):
                closing = moved + rng.uniform(1, 30) * DAY
                if closing < self.now:
                    status = "won" if rng.random() < 0.2 + 0.15 * position else "lost"
                    closed = closing
                    reason = rng.choice(LOST_REASONS) if status == "lost" else ""
                    stamp = ts(closed)
                    changes.append((change_ids.take(), ws, pk, pipeline, stages[position].pk, stages[position].pk, "open", status, amount, currency, stamp, owner))
                    event(stamp, owner, "deal", pk, name, status, "status", '"open"', f'"{status}"')
            updated = closed or moved
            expected = dt.datetime.fromtimestamp(created + rng.randrange(20, 120) * DAY, dt.UTC).date().isoformat()
            deals.append((pk, ws, 1 + position + (status != "open"), ts(created), ts(updated), owner, "{}", name, first_account + a, pipeline, stages[position].pk, status, reason, amount, currency, expected, owner, rng.choice(["web", "referral", "event", "outbound", ""]), ts(moved), ts(closed) if closed else None))
            if rng.random() < 0.3:
                links.append((link_ids.take(), ws, pk, first_contact + (a + rng.randrange(5) * n_accounts) % n_contacts, rng.choice(["Decision maker", "User", "Champion", ""])))
            if len(deals) >= 50_000:
                load(Deal, deal_columns, deals)
                load(StageChange, change_columns, changes)
                load(DealContact, link_columns, links)
                deals.clear(), changes.clear(), links.clear()
        load(Deal, deal_columns, deals)
        load(StageChange, change_columns, changes)
        load(DealContact, link_columns, links)
        log(f"  {n_deals:,} deals with stage histories ({time.monotonic() - t:.0f} s)")

        # Leads
        t = time.monotonic()
        lead_ids = IdSequence(Lead)
        first_lead = lead_ids.next
        n_leads = self.n(100_000)
        lead_owner, lead_created = [], self.arrivals(n_leads)
        rows = []
        columns = ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "title", "first_name", "last_name", "company", "email", "source", "status", "priority", "disqualify_reason", "owner_id"]
        for i in range(n_leads):
            pk = lead_ids.take()
            created = lead_created[i]
            stamp = ts(created)
            owner = rng.choice(owner_pool) if rng.random() < 0.85 else None
            lead_owner.append(owner)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)}"
            title = f"{company}: {rng.choice(PRODUCTS)} enquiry"
            age = (self.now - created) / DAY
            status = rng.choices(["new", "working", "nurturing", "qualified", "disqualified"], [0.5, 0.3, 0.1, 0.05, 0.05] if age < 30 else [0.03, 0.07, 0.2, 0.35, 0.35])[0]
            creator = owner or self.admin.pk
            rows.append((pk, ws, 1, stamp, stamp, creator, "{}", title, first, last, company, f"{first.lower()}{pk}@example.org", rng.choices(*LEAD_SOURCES)[0], status, rng.choice(["low", "normal", "normal", "high"]), "No budget" if status == "disqualified" else "", owner))
            event(stamp, creator, "lead", pk, title, "created", after=dumps({"title": title}))
        load(Lead, columns, rows)
        log(f"  {n_leads:,} leads ({time.monotonic() - t:.0f} s)")

        # Conversations, their messages, and a message activity for each message
        t = time.monotonic()
        activity_ids = IdSequence(Activity)
        conversation_ids = IdSequence(Conversation)
        message_ids = IdSequence(Message)
        n_conversations = self.n(50_000)
        activity_columns = ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "kind", "subject", "owner_id", "due_at", "done_at", "direction", "duration_minutes", "category", "account_id", "contact_id", "lead_id", "deal_id"]
        conversation_columns = ["id", "workspace_id", "channel", "external_id", "customer_name", "customer_handle", "contact_id", "owner_id", "opened_at", "last_message_at", "closed_at", "closed_by_id", "rating", "rated_at"]
        message_columns = ["id", "workspace_id", "conversation_id", "direction", "author_id", "author_name", "sent_at", "text", "external_id", "activity_id", "response_seconds", "created_at"]
        activities, conversations, messages = [], [], []
        n_messages = 0
        for opened in self.arrivals(n_conversations):
            pk = conversation_ids.take()
            c = self.earlier(contact_created, opened)
            owner = contact_owner[c]
            channel = rng.choice(CHANNELS)
            at, last_in = opened, None
            for m in range(rng.randrange(2, 7)):
                inbound = m % 2 == 0
                at += rng.uniform(60, 4 * 3600) if m else 0
                if at >= self.now:
                    break
                mid, aid = message_ids.take(), activity_ids.take()
                stamp = ts(at)
                line = rng.choice(CHAT_LINES)
                direction = "inbound" if inbound else "outbound"
                response = None if inbound or last_in is None else int(at - last_in)
                last_in = at if inbound else None
                activities.append((aid, ws, 1, stamp, stamp, owner, "{}", "message", line, owner, None, stamp, direction, None, channel, None, first_contact + c, None, None))
                messages.append((mid, ws, pk, direction, None if inbound else owner, "Customer" if inbound else names[owner], stamp, line, "", aid, response, stamp))
                event(stamp, owner, "message", mid, f"{direction.title()} #{mid}", "created", after=dumps({"conversation": pk, "channel": channel, "direction": direction}))
                n_messages += 1
            closed = at + rng.uniform(600, 3 * DAY) if rng.random() < 0.85 else None
            closed = closed if closed and closed < self.now else None
            rating = rng.choices(range(11), [1, 1, 1, 1, 1, 2, 3, 6, 8, 10, 9])[0] if closed and rng.random() < 0.4 else None
            conversations.append((pk, ws, channel, f"bench-{pk}", "Customer", f"+34 600 {c % 1_000_000:06d}", first_contact + c, owner, ts(opened), ts(at), ts(closed) if closed else None, owner if closed else None, rating, ts(closed + 60) if rating is not None else None))
            event(ts(opened), owner, "conversation", pk, f"{channel} #{pk}", "created", after=dumps({"channel": channel}))
            if closed:
                event(ts(closed), owner, "conversation", pk, f"{channel} #{pk}", "completed", "closed_at", None, dumps(ts(closed)))
        load(Conversation, conversation_columns, conversations)
        load(Activity, activity_columns, activities)
        load(Message, message_columns, messages)
        activities.clear()
        log(f"  {n_conversations:,} conversations with {n_messages:,} messages ({time.monotonic() - t:.0f} s)")

        # Activities: about deals (half), accounts, contacts and leads, owned like what they are about
        t = time.monotonic()
        n_activities = max(0, self.n(5_000_000) - n_messages)
        after_created = {kind: dumps({"kind": kind, "subject": s}) for kind, subjects in SUBJECTS.items() for s in subjects}
        for created in self.arrivals(n_activities):
            pk = activity_ids.take()
            kind = rng.choice(ACTIVITY_KINDS)
            subject = rng.choice(SUBJECTS[kind])
            roll = rng.random()
            deal = account = contact = lead = None
            # About a record that existed by then, owned like it.
            if roll < 0.5:
                d = self.earlier(deal_created, created)
                deal, owner = first_deal + d, deal_owner[d]
            elif roll < 0.7:
                a = self.earlier(account_created, created)
                account, owner = first_account + a, account_owner[a]
            elif roll < 0.92:
                c = self.earlier(contact_created, created)
                contact, owner = first_contact + c, contact_owner[c]
            else:
                le = self.earlier(lead_created, created)
                lead, owner = first_lead + le, lead_owner[le] or self.admin.pk
            stamp = ts(created)
            due = done = None
            direction, duration = "", None
            if kind == "task":
                due_at = created + rng.uniform(0.1, 10) * DAY
                due = ts(due_at)
                if due_at < self.now and rng.random() < (0.98 if self.now - due_at > 30 * DAY else 0.8):
                    done_at = max(created + 60, due_at + rng.uniform(-2, 1) * DAY)
                    done = ts(min(done_at, self.now - 60))
            elif kind in ("call", "email"):
                direction = "inbound" if rng.random() < 0.45 else "outbound"
                done = stamp
                duration = rng.randrange(1, 45) if kind == "call" else None
            elif kind == "meeting":
                duration = rng.choice([30, 45, 60, 90])
                due_at = created + rng.uniform(0, 14) * DAY
                due = ts(due_at)
                done = due if due_at < self.now else None
            activities.append((pk, ws, 1, stamp, stamp, owner, "{}", kind, subject, owner, due, done, direction, duration, "", account, contact, lead, deal))
            event(stamp, owner, "activity", pk, subject, "created", after=after_created[subject] if subject in after_created else dumps({"kind": kind, "subject": subject}))
            if kind == "task" and done is not None:
                event(done, owner, "activity", pk, subject, "completed", "done_at", None, dumps(done))
            if len(activities) >= 50_000:
                load(Activity, activity_columns, activities)
                activities.clear()
        load(Activity, activity_columns, activities)
        log(f"  {n_activities + n_messages:,} activities ({time.monotonic() - t:.0f} s)")

        # Usage: each member's working days, two or three stretches a day
        t = time.monotonic()
        interval_ids = IdSequence(UsageInterval)
        rows = []
        days = int(min(365, (self.now - self.start) / DAY) * max(self.scale, 0.05))
        for member in self.members:
            for d in range(days):
                day = self.now - (d + 1) * DAY
                if dt.datetime.fromtimestamp(day, dt.UTC).weekday() >= 5:
                    continue
                start = day - day % DAY + 8 * 3600
                for _s in range(rng.randrange(2, 4)):
                    start += rng.uniform(0.2, 2) * 3600
                    end = start + rng.uniform(0.2, 2.5) * 3600
                    pk = interval_ids.take()
                    rows.append((pk, ws, member.pk, ts(start), ts(end)))
                    event(ts(start), member.pk, "usageinterval", pk, f"{member.pk}", "created", after=dumps({"member": {"id": member.pk, "name": names[member.pk]}}))
                    start = end
        load(UsageInterval, ["id", "workspace_id", "member_id", "started_at", "ended_at"], rows)
        log(f"  {len(rows):,} usage intervals ({time.monotonic() - t:.0f} s)")
        flush_events()
        log(f"  {event_ids.next - 1:,} events in the log")

    # --- the neighbours ------------------------------------------------------------------------

    def build_small_workspaces(self, count: int) -> None:
        t = time.monotonic()
        rng = self.rng
        for w in range(count):
            with transaction.atomic():
                workspace = workspace_create(name=f"Small business {w + 1}", slug=f"{self.slug}-small-{w + 1}")
                admin = member_create(actor=None, workspace=workspace, email=f"owner{w + 1}@{self.slug}-small.rapport", first_name="Owner", role="Administrator")
                admin = Member.objects.select_related("user", "role", "workspace").get(pk=admin.pk)
                stages = list(Stage.objects.filter(workspace=workspace).order_by("position"))
                for a in range(5):
                    account = services.account_create(actor=admin, data={"name": f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} (customer {a + 1})", "city": rng.choice(CITIES)[0]})
                    services.contact_create(actor=admin, data={"first_name": rng.choice(FIRST), "last_name": rng.choice(LAST), "account": account.pk})
                    deal = services.deal_create(actor=admin, data={"name": f"Order {a + 1}", "pipeline": stages[0].pipeline_id, "account": account.pk, "amount": Decimal(rng.randrange(100, 5000))})
                    services.activity_create(actor=admin, data={"kind": "task", "subject": "Follow up", "deal": deal.pk})
        log(f"  {count} small workspaces ({time.monotonic() - t:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rapport bench generate", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (default 1.0)")
    parser.add_argument("--years", type=float, default=3.0, help="years of history up to now (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slug", default="bench", help="slug of the big workspace (default bench)")
    parser.add_argument("--small-workspaces", type=int, default=200, help="small workspaces beside it (default 200)")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale must be in (0, 10]")
    if not 0.1 <= args.years <= 20:
        parser.error("--years must be in [0.1, 20]")
    started = time.monotonic()
    log(f"Building the benchmark dataset on {connection.vendor} ({connection.settings_dict['NAME']}) at scale {args.scale} …")
    call_command("migrate", verbosity=0)
    if Workspace.objects.filter(slug=args.slug).exists():
        print(f"error: workspace {args.slug!r} exists; use a fresh database (or another --slug)", file=sys.stderr)
        return 2
    builder = Builder(scale=args.scale, seed=args.seed, slug=args.slug, years=args.years)
    builder.build_workspace()
    builder.build_records()
    builder.build_goals()
    small = args.small_workspaces if args.scale >= 0.1 else max(1, int(args.small_workspaces * args.scale * 10))
    builder.build_small_workspaces(small)
    if connection.vendor == "postgresql":
        t = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"  VACUUM ANALYZE ({time.monotonic() - t:.0f} s)")
    log(f"Built in {time.monotonic() - started:.0f} s. Sign in as admin@{args.slug}.rapport or seller1@{args.slug}.rapport / {PASSWORD}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
