"""Build the large benchmark dataset.

One big workspace ("bench"): 50 members in an org chart, 3 pipelines, 200,000 accounts,
1,000,000 contacts, 100,000 leads, 500,000 deals with realistic stage histories (stage-change
rows and events), 5,000,000 activities and the matching event log; plus 200 small workspaces
beside it, built through the services. `--scale 0.01` builds 1% of it, for a quick look.

Usage (from the repository root):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench ./rapport bench generate
    ./rapport bench generate --scale 0.01          # SQLite in ./data, 1% of the size

Settings and members come from the services (so they are exactly what the app makes); the bulk
of records is written with PostgreSQL COPY (or executemany on SQLite) in chunks, ids assigned
here, sequences fixed afterwards. It prints its own build time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bulk import IdSequence, load, sync_sequences, timestamp  # noqa: E402
from rapport.events.models import Event  # noqa: E402
from rapport.records import services  # noqa: E402
from rapport.records.models import Account, Activity, Contact, Deal, Lead, Stage, StageChange  # noqa: E402
from rapport.workspaces.models import Workspace  # noqa: E402
from rapport.workspaces.services import member_create, workspace_create  # noqa: E402

FIRST = "Ana Ben Carla David Elena Farid Greta Hugo Iris Jonas Karin Luis Marta Nils Olga Pablo Rosa Sven Tania Uwe Vera Wim Ximena Yusuf Zoe".split()
LAST = "Garcia Novak Kowalski Silva Rossi Müller Dubois Petrov Jensen Moreau Costa Nowak Fischer Santos Varga Horvat Ivanova Lopez Becker Wagner".split()
COMPANY_A = "Nordic Atlas Blue Delta Green Iron Silver Swift Bright Prime Vertex Solar Urban Coastal Alpine".split()
COMPANY_B = "Logistics Foods Systems Analytics Pharma Energy Textiles Robotics Media Labs Partners Motors Retail Health Capital".split()
CITIES = [("Madrid", "ES"), ("Warsaw", "PL"), ("Berlin", "DE"), ("Lyon", "FR"), ("Porto", "PT"), ("Milan", "IT"), ("Riga", "LV"), ("Vigo", "ES"), ("Kraków", "PL"), ("Moscow", "RU")]
INDUSTRIES = "software manufacturing retail logistics healthcare finance education energy media hospitality".split()
PIPELINES = {
    "Sales": None,  # created by workspace_create with its default stages
    "Partners": [("Introduced", 10), ("Qualified", 30), ("Joint proposal", 60), ("Signed", 90)],
    "Renewals": [("Due", 40), ("Contacted", 60), ("Quote sent", 75), ("Verbal yes", 90), ("Paperwork", 95)],
}
ACTIVITY_KINDS = ["task"] * 30 + ["call"] * 25 + ["email"] * 25 + ["meeting"] * 10 + ["note"] * 7 + ["message"] * 3
SUBJECTS = {
    "task": ["Send proposal", "Follow up", "Prepare demo", "Check budget", "Book meeting"],
    "call": ["Discovery call", "Pricing call", "Check-in call", "Support call"],
    "email": ["Re: proposal", "Contract draft", "Meeting notes", "Introduction"],
    "meeting": ["Demo", "Kick-off", "Quarterly review", "Negotiation"],
    "note": ["Decision maker is the CFO", "Budget approved for Q3", "Prefers e-mail"],
    "message": ["Chat: pricing question", "Chat: delivery date"],
}
LOST_REASONS = ["Price", "Competitor", "No budget", "No decision", "Timing"]
PASSWORD = "rapport-bench"


def log(message: str) -> None:
    print(message, flush=True)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Builder:
    def __init__(self, *, scale: float, seed: int, slug: str):
        self.rng = random.Random(seed)
        self.scale = scale
        self.slug = slug
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.start = self.now - dt.timedelta(days=365)

    def n(self, full: int) -> int:
        return max(1, int(full * self.scale))

    def moment(self, after: dt.datetime | None = None, before: dt.datetime | None = None) -> dt.datetime:
        lo = (after or self.start).timestamp()
        hi = (before or self.now).timestamp()
        return dt.datetime.fromtimestamp(self.rng.uniform(lo, hi), dt.UTC)

    # --- settings and people, through the services -------------------------------------------

    def build_workspace(self) -> None:
        with transaction.atomic():
            self.workspace = workspace_create(name="Benchmark Corp", slug=self.slug, time_zone="Europe/Madrid", base_currency="EUR")
            self.admin = member_create(actor=None, workspace=self.workspace, email=f"admin@{self.slug}.rapport", first_name="Ada", last_name="Admin", role="Administrator", password=PASSWORD)
            self.members = [self.admin]
            self.managers = []
            self.sellers = []
            for m in range(5):
                manager = member_create(actor=self.admin, workspace=self.workspace, email=f"manager{m + 1}@{self.slug}.rapport", first_name=FIRST[m], last_name=LAST[m], role="Sales manager", manager=self.admin, password=PASSWORD if m == 0 else None)
                self.managers.append(manager)
                for s in range(9 if m < 4 else 8):
                    index = len(self.sellers) + 1
                    seller = member_create(actor=self.admin, workspace=self.workspace, email=f"seller{index}@{self.slug}.rapport", first_name=FIRST[index % len(FIRST)], last_name=LAST[(index * 7) % len(LAST)], role="Seller", manager=manager, password=PASSWORD if index == 1 else None)
                    self.sellers.append(seller)
            self.members += self.managers + self.sellers
            for name, stages in PIPELINES.items():
                if stages:
                    services.pipeline_create(actor=self.admin, data={"name": name}, stages=[{"name": s, "probability": p} for s, p in stages])
        self.stages = {}
        for stage in Stage.objects.filter(workspace=self.workspace).order_by("pipeline_id", "position"):
            self.stages.setdefault(stage.pipeline_id, []).append(stage)
        self.pipeline_ids = list(self.stages)
        log(f"  workspace {self.slug!r}: {len(self.members)} members, {len(self.pipeline_ids)} pipelines")

    def owner(self) -> int:
        # Sellers own most records; managers some; the administrator a few.
        roll = self.rng.random()
        if roll < 0.85:
            return self.rng.choice(self.sellers).pk
        if roll < 0.97:
            return self.rng.choice(self.managers).pk
        return self.admin.pk

    # --- bulk records --------------------------------------------------------------------------

    def build_records(self) -> None:
        ws = self.workspace.pk
        names = {m.pk: m.display_name for m in self.members}
        events: list[tuple] = []
        event_ids = IdSequence(Event)

        def event(occurred, actor, object_type, object_id, object_name, event_type, field="", before=None, after=None):
            events.append((event_ids.take(), ws, timestamp(occurred), actor, "user", names[actor], object_type, object_id, object_name[:300], event_type, field, None if before is None else dumps(before), None if after is None else dumps(after)))

        event_columns = ["id", "workspace_id", "occurred_at", "actor_id", "actor_kind", "actor_name", "object_type", "object_id", "object_name", "event_type", "field", "before", "after"]

        def flush_events():
            load(Event, event_columns, events)
            events.clear()

        rng = self.rng
        t = time.monotonic()
        # Accounts
        account_ids = IdSequence(Account)
        self.account_first = account_ids.next
        n_accounts = self.n(200_000)
        account_owner = {}
        rows = []
        for i in range(n_accounts):
            pk = account_ids.take()
            created = self.moment()
            owner = self.owner()
            account_owner[pk] = owner
            name = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {pk}"
            city, country = rng.choice(CITIES)
            rows.append((pk, ws, 1, timestamp(created), timestamp(created), owner, "{}", "company", name, dumps([f"info@c{pk}.example"]), "[]", city, country, rng.choice(INDUSTRIES), owner, rng.random() < 0.02, rng.random() < 0.005))
            event(created, owner, "account", pk, name, "created", after={"name": name, "city": city})
        load(Account, ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "kind", "name", "emails", "phones", "city", "country", "industry", "owner_id", "is_global", "is_private"], rows)
        flush_events()
        log(f"  {n_accounts:,} accounts ({time.monotonic() - t:.0f} s)")

        # Contacts: about five per account
        t = time.monotonic()
        contact_ids = IdSequence(Contact)
        self.contact_first = contact_ids.next
        n_contacts = self.n(1_000_000)
        rows = []
        for i in range(n_contacts):
            pk = contact_ids.take()
            account = self.account_first + (i % n_accounts)
            owner = account_owner[account]
            created = self.moment()
            first, last = rng.choice(FIRST), rng.choice(LAST)
            rows.append((pk, ws, 1, timestamp(created), timestamp(created), owner, "{}", first, last, account, dumps([f"{first.lower()}.{last.lower()}{pk}@example.com"]), dumps([f"+34 600 {pk % 1000000:06d}"]), "{}", owner))
            if len(rows) == 50_000:
                load(Contact, ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "first_name", "last_name", "account_id", "emails", "phones", "messengers", "owner_id"], rows)
                rows.clear()
            event(created, owner, "contact", pk, f"{first} {last}", "created", after={"name": f"{first} {last}"})
            if len(events) >= 200_000:
                flush_events()
        load(Contact, ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "first_name", "last_name", "account_id", "emails", "phones", "messengers", "owner_id"], rows)
        flush_events()
        log(f"  {n_contacts:,} contacts ({time.monotonic() - t:.0f} s)")

        # Deals with their stage histories
        t = time.monotonic()
        deal_ids = IdSequence(Deal)
        change_ids = IdSequence(StageChange)
        self.deal_first = deal_ids.next
        n_deals = self.n(500_000)
        deals, changes = [], []
        deal_columns = ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "name", "account_id", "pipeline_id", "stage_id", "status", "lost_reason", "amount", "currency", "expected_close", "owner_id", "source", "stage_changed_at", "closed_at"]
        change_columns = ["id", "workspace_id", "deal_id", "pipeline_id", "from_stage_id", "to_stage_id", "from_status", "to_status", "amount", "currency", "changed_at", "actor_id"]
        weights = [0.6, 0.25, 0.15][: len(self.pipeline_ids)]
        for i in range(n_deals):
            pk = deal_ids.take()
            pipeline = rng.choices(self.pipeline_ids, weights)[0]
            stages = self.stages[pipeline]
            owner = self.owner()
            account = self.account_first + rng.randrange(n_accounts)
            amount = Decimal(int(rng.lognormvariate(8, 1.0))).quantize(Decimal("1.00"))
            currency = "EUR" if rng.random() < 0.85 else "USD"
            created = self.moment()
            name = f"{rng.choice(COMPANY_B)} deal {pk}"
            stage_at = created
            changes.append((change_ids.take(), ws, pk, pipeline, None, stages[0].pk, "", "open", amount, currency, timestamp(created), owner))
            event(created, owner, "deal", pk, name, "created", after={"name": name, "stage": {"id": stages[0].pk, "name": stages[0].name}, "amount": str(amount)})
            position = 0
            moves = rng.randrange(len(stages))
            for _ in range(moves):
                stage_at = self.moment(after=stage_at, before=min(self.now, stage_at + dt.timedelta(days=40)))
                src, dst = stages[position], stages[position + 1]
                changes.append((change_ids.take(), ws, pk, pipeline, src.pk, dst.pk, "open", "open", amount, currency, timestamp(stage_at), owner))
                event(stage_at, owner, "deal", pk, name, "stage_changed", "stage", {"id": src.pk, "name": src.name}, {"id": dst.pk, "name": dst.name})
                position += 1
            roll = rng.random()
            status, closed, reason = "open", None, ""
            if roll < 0.5 and stage_at < self.now - dt.timedelta(days=2):
                status = "won" if roll < 0.25 else "lost"
                closed = self.moment(after=stage_at, before=min(self.now, stage_at + dt.timedelta(days=30)))
                reason = rng.choice(LOST_REASONS) if status == "lost" else ""
                changes.append((change_ids.take(), ws, pk, pipeline, stages[position].pk, stages[position].pk, "open", status, amount, currency, timestamp(closed), owner))
                event(closed, owner, "deal", pk, name, status, "status", "open", status)
            updated = closed or stage_at
            expected = (created + dt.timedelta(days=rng.randrange(20, 120))).date().isoformat()
            deals.append((pk, ws, 1 + moves + (status != "open"), timestamp(created), timestamp(updated), owner, "{}", name, account, pipeline, stages[position].pk, status, reason, amount, currency, expected, owner, rng.choice(["web", "referral", "event", "outbound", ""]), timestamp(stage_at), timestamp(closed) if closed else None))
            if len(deals) >= 50_000:
                load(Deal, deal_columns, deals)
                load(StageChange, change_columns, changes)
                deals.clear()
                changes.clear()
            if len(events) >= 200_000:
                flush_events()
        load(Deal, deal_columns, deals)
        load(StageChange, change_columns, changes)
        flush_events()
        log(f"  {n_deals:,} deals with stage histories ({time.monotonic() - t:.0f} s)")

        # Leads
        t = time.monotonic()
        lead_ids = IdSequence(Lead)
        n_leads = self.n(100_000)
        rows = []
        for i in range(n_leads):
            pk = lead_ids.take()
            created = self.moment()
            owner = self.owner() if rng.random() < 0.8 else None
            first, last = rng.choice(FIRST), rng.choice(LAST)
            title = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} enquiry {pk}"
            status = rng.choices(["new", "working", "nurturing", "disqualified"], [0.4, 0.3, 0.15, 0.15])[0]
            rows.append((pk, ws, 1, timestamp(created), timestamp(created), owner or self.admin.pk, "{}", title, first, last, title.rsplit(" ", 2)[0], f"{first.lower()}{pk}@example.org", rng.choice(["email", "chat", "phone", "web_form", "import", "api", "manual"]), status, rng.choice(["low", "normal", "high"]), "No budget" if status == "disqualified" else "", owner))
            event(created, owner or self.admin.pk, "lead", pk, title, "created", after={"title": title})
        load(Lead, ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "title", "first_name", "last_name", "company", "email", "source", "status", "priority", "disqualify_reason", "owner_id"], rows)
        flush_events()
        log(f"  {n_leads:,} leads ({time.monotonic() - t:.0f} s)")

        # Activities: half about deals, the rest about accounts and contacts
        t = time.monotonic()
        activity_ids = IdSequence(Activity)
        n_activities = self.n(5_000_000)
        rows = []
        columns = ["id", "workspace_id", "version", "created_at", "updated_at", "created_by_id", "custom", "kind", "subject", "owner_id", "due_at", "done_at", "direction", "duration_minutes", "account_id", "contact_id", "deal_id"]
        for i in range(n_activities):
            pk = activity_ids.take()
            kind = rng.choice(ACTIVITY_KINDS)
            subject = rng.choice(SUBJECTS[kind])
            owner = self.owner()
            created = self.moment()
            roll = rng.random()
            deal = self.deal_first + rng.randrange(n_deals) if roll < 0.5 else None
            account = self.account_first + rng.randrange(n_accounts) if 0.5 <= roll < 0.8 else None
            contact = self.contact_first + rng.randrange(n_contacts) if roll >= 0.8 else None
            due = done = None
            direction, duration = "", None
            if kind == "task":
                due_at = created + dt.timedelta(hours=rng.randrange(2, 240))
                due = timestamp(due_at)
                if due_at < self.now and rng.random() < 0.85:
                    done = timestamp(due_at + dt.timedelta(hours=rng.uniform(-48, 24)))
            elif kind in ("call", "email", "message"):
                direction = rng.choice(["inbound", "outbound"])
                done = timestamp(created)
                duration = rng.randrange(1, 45) if kind == "call" else None
            elif kind == "meeting":
                duration = rng.choice([30, 45, 60, 90])
                done = timestamp(created)
            rows.append((pk, ws, 1, timestamp(created), timestamp(created), owner, "{}", kind, subject, owner, due, done, direction, duration, account, contact, deal))
            event(created, owner, "activity", pk, subject, "created", after={"kind": kind, "subject": subject})
            if len(rows) >= 50_000:
                load(Activity, columns, rows)
                rows.clear()
            if len(events) >= 200_000:
                flush_events()
        load(Activity, columns, rows)
        flush_events()
        log(f"  {n_activities:,} activities ({time.monotonic() - t:.0f} s)")
        sync_sequences(*(m._meta.db_table for m in (Account, Contact, Deal, StageChange, Lead, Activity, Event)))

    # --- the neighbours ------------------------------------------------------------------------

    def build_small_workspaces(self, count: int) -> None:
        t = time.monotonic()
        rng = self.rng
        for w in range(count):
            with transaction.atomic():
                workspace = workspace_create(name=f"Small business {w + 1}", slug=f"{self.slug}-small-{w + 1}")
                admin = member_create(actor=None, workspace=workspace, email=f"owner{w + 1}@{self.slug}-small.rapport", first_name="Owner", role="Administrator")
                stages = list(Stage.objects.filter(workspace=workspace).order_by("position"))
                for a in range(5):
                    account = services.account_create(actor=admin, data={"name": f"Customer {a + 1} of {workspace.name}", "city": rng.choice(CITIES)[0]})
                    services.contact_create(actor=admin, data={"first_name": rng.choice(FIRST), "last_name": rng.choice(LAST), "account": account.pk})
                    deal = services.deal_create(actor=admin, data={"name": f"Order {a + 1}", "pipeline": stages[0].pipeline_id, "account": account.pk, "amount": Decimal(rng.randrange(100, 5000))})
                    services.activity_create(actor=admin, data={"kind": "task", "subject": "Follow up", "deal": deal.pk})
        log(f"  {count} small workspaces ({time.monotonic() - t:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (default 1.0)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slug", default="bench")
    parser.add_argument("--small-workspaces", type=int, default=200)
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale must be in (0, 10]")
    started = time.monotonic()
    log(f"Building the benchmark dataset on {connection.vendor} at scale {args.scale} …")
    call_command("migrate", verbosity=0)
    if Workspace.objects.filter(slug=args.slug).exists():
        print(f"error: workspace {args.slug!r} exists; use a fresh database (or another --slug)", file=sys.stderr)
        return 2
    builder = Builder(scale=args.scale, seed=args.seed, slug=args.slug)
    builder.build_workspace()
    builder.build_records()
    builder.build_small_workspaces(args.small_workspaces if args.scale >= 0.1 else max(1, int(args.small_workspaces * args.scale * 10)))
    if connection.vendor == "postgresql":
        t = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"  VACUUM ANALYZE ({time.monotonic() - t:.0f} s)")
    log(f"Built in {time.monotonic() - started:.0f} s. Sign in as admin@{args.slug}.rapport / {PASSWORD}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
