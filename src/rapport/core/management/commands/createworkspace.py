"""`rapport createworkspace NAME`: add a workspace with the default roles and pipeline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rapport.core.management.base import service_errors
from rapport.workspaces.services import workspace_create


class Command(BaseCommand):
    help = "Create a workspace (default roles and a Sales pipeline) and print its slug."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the workspace's name, e.g. the company's")
        parser.add_argument("--slug", help="short name used in URLs (default: made from the name)")
        parser.add_argument("--time-zone", default="UTC", help="IANA time zone, e.g. Europe/Berlin (default: UTC)")
        parser.add_argument("--currency", default="EUR", help="base currency, ISO 4217 code (default: EUR)")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            workspace = workspace_create(
                name=options["name"],
                slug=options["slug"],
                time_zone=options["time_zone"],
                base_currency=options["currency"],
            )
        self.stdout.write(workspace.slug)
