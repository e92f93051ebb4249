"""Time global search over a large workspace: `python tests/search/benchmark.py [--records N]`.

Builds a throw-away database (a temporary SQLite file, or with DATABASE_URL set a PostgreSQL
database named `<name>_search_bench`), fills one workspace with N records spread over the five
types (plus a second workspace of the same size, to show that it costs nothing), and prints the
median time of typical searches as an administrator and as a seller. Rows are bulk-inserted
(the SQLite triggers still index them), since the point is the read side.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

QUERIES = ["acme", "Acme Trdaing", "northw", "kowalski", "fischer anna", "pricing", "zzzz", "ma", "Smtih", "brochure demo", "Kowalsky", "Nordik Logistcs"]


def configure(records: int) -> None:
    url = os.environ.get("DATABASE_URL")
    if url:
        base, _, name = url.rpartition("/")
        os.environ["DATABASE_URL"] = f"{base}/{name}_search_bench"
    else:
        os.environ["RAPPORT_DATA_DIR"] = tempfile.mkdtemp(prefix="rapport-search-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")


def create_database() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{settings["NAME"]}"')
        admin.execute(f'CREATE DATABASE "{settings["NAME"]}"')


def fill(workspace, members, records: int, rng: random.Random) -> None:
    from django.utils import timezone

    from rapport.core.management.demo.names import (
        COMPANY_WORDS,
        FIRST_NAMES,
        LAST_NAMES,
        LEAD_DESCRIPTIONS,
        NEEDS,
        TASK_SUBJECTS,
        TRADES,
    )
    from rapport.records.models import Account, Activity, Contact, Deal, Lead, Stage

    now = timezone.now()
    stage = Stage.objects.filter(workspace=workspace).order_by("position").first()
    base = {"workspace": workspace, "created_at": now, "updated_at": now}
    share = {"account": 0.2, "contact": 0.3, "lead": 0.2, "deal": 0.15, "activity": 0.15}

    def company() -> str:
        return f"{rng.choice(COMPANY_WORDS)} {rng.choice(list(TRADES))}"

    def person() -> tuple[str, str]:
        return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)

    batch = 5000
    for model, maker in (
        (Account, lambda: Account(name=company(), city="Madrid", emails=[f"info@{rng.randrange(10**6)}.test"], owner=rng.choice(members), **base)),
        (Contact, lambda: Contact(first_name=(p := person())[0], last_name=p[1], job_title="Buyer", emails=[f"{p[0].lower()}@example.test"], owner=rng.choice(members), **base)),
        (Lead, lambda: Lead(title=rng.choice(NEEDS), company=company(), first_name=(p := person())[0], last_name=p[1], description=rng.choice(LEAD_DESCRIPTIONS), owner=rng.choice(members), **base)),
        (Deal, lambda: Deal(name=f"{company()} – {rng.choice(NEEDS)}", pipeline_id=stage.pipeline_id, stage=stage, currency="EUR", stage_changed_at=now, owner=rng.choice(members), **base)),
        (Activity, lambda: Activity(kind="note", subject=rng.choice(TASK_SUBJECTS), body=" ".join(rng.choice(LEAD_DESCRIPTIONS) for _ in range(3)), owner=rng.choice(members), **base)),
    ):
        total = int(records * share[model.RECORD_TYPE])
        for start in range(0, total, batch):
            model.objects.bulk_create([maker() for _ in range(min(batch, total - start))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reuse", metavar="DIR", nargs="?", const="-", help="search the database of an earlier run (SQLite: its data folder)")
    args = parser.parse_args()
    configure(args.records)
    if args.reuse and args.reuse != "-":
        os.environ["RAPPORT_DATA_DIR"] = args.reuse

    import django

    django.setup()
    if not args.reuse:
        create_database()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from rapport.records.models import Account
    from rapport.search.backends import search
    from rapport.workspaces.models import Member
    from rapport.workspaces.services import member_create, workspace_create

    rng = random.Random(7)
    spaces = []
    for slug in () if args.reuse else ("bench", "other"):
        workspace = workspace_create(name=slug.title(), slug=slug)
        admin = member_create(actor=None, workspace=workspace, email=f"admin@{slug}.test", role="Administrator", password="x" * 12)
        sellers = [member_create(actor=None, workspace=workspace, email=f"s{i}@{slug}.test", role="Seller", password="x" * 12) for i in range(20)]
        started = time.perf_counter()
        fill(workspace, [admin, *sellers], args.records, rng)
        print(f"{slug}: {args.records} records inserted and indexed in {time.perf_counter() - started:.1f}s")
        spaces.append((admin, sellers[0]))
    if args.reuse:
        spaces = [(Member.objects.get(user__email=f"admin@{slug}.test"), Member.objects.get(user__email=f"s0@{slug}.test")) for slug in ("bench", "other")]
    else:
        print(f"data folder: {os.environ.get('RAPPORT_DATA_DIR', '(PostgreSQL)')}")
    first = Account.objects.filter(workspace=spaces[0][0].workspace).order_by("pk").first()
    Account.objects.filter(pk=first.pk).update(name="Acme Trading")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    print(f"\n{connection.vendor}, {args.records} records per workspace, median of {args.repeat} runs (ms)")
    print("wall clock (CPU time of this process) per search")
    print(f"{'query':<18}{'admin':>14}{'seller':>14}{'admin2':>14}   hits (admin)")
    for query in QUERIES:
        row = []
        for member in (*spaces[0], spaces[1][0]):
            member = Member.objects.select_related("role", "workspace", "user").get(pk=member.pk)
            times, cpu = [], []
            for _ in range(args.repeat):
                started, started_cpu = time.perf_counter(), time.process_time()
                results = search(member, query)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            row.append((statistics.median(times), results, statistics.median(cpu)))
        counts = " ".join(f"{g.type[:4]}={g.count}" for g in row[0][1].groups if g.count)
        cells = "".join(f"{f'{wall:.0f} ({cpu:.0f})':>14}" for wall, _, cpu in row)
        print(f"{query:<18}{cells}   {counts}")


if __name__ == "__main__":
    main()
