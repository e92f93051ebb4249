"""`rapport demo`: build a demo workspace with six months of sales history."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from rapport.core.management.base import service_errors
from rapport.core.management.demo import DEMO_PASSWORD, build_demo
from rapport.workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Build a demo workspace: 20 members in an org chart, 3 pipelines, accounts, contacts, leads, "
        "deals and activities with six months of history, all written through the services."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace-slug", default="demo", help="slug of the new workspace (default: demo)")
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same data (default: 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = slugify(options["workspace_slug"])
        if not slug:
            raise CommandError("Give a slug made of letters, digits or dashes.")
        if Workspace.objects.filter(slug=slug).exists():
            raise CommandError(f"A workspace with slug {slug!r} exists; choose another --workspace-slug.")
        started = time.monotonic()
        with service_errors():
            summary = build_demo(slug=slug, seed=options["seed"])
        elapsed = time.monotonic() - started
        counts = ", ".join(f"{n} {name}" for name, n in summary.counts.items())
        self.stdout.write(f"Demo workspace {summary.workspace.slug!r} built in {elapsed:.1f} s: {counts}.")
        self.stdout.write(f"Sign in as the administrator: {summary.admin_email} / {DEMO_PASSWORD}")
        self.stdout.write(f"or as a seller:               {summary.seller_email} / {DEMO_PASSWORD}")
