"""`rapport token`: issue an API token for a member and print its key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.core.management.base import get_member, get_workspace, service_errors
from rapport.workspaces.services import token_create


class Command(BaseCommand):
    help = "Create an API token for a member and print the key (shown once; send it as 'Authorization: Bearer <key>')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("--email", required=True, help="the member the token acts as")
        parser.add_argument("--name", default="Command line", help="a name to recognise the token by")

    def handle(self, *args: Any, **options: Any) -> None:
        member = get_member(get_workspace(options["workspace"]), options["email"])
        if not member.is_active:
            raise CommandError(f"{member.user.username} is not an active member of {member.workspace.slug}.")
        with service_errors():
            _, key = token_create(actor=None, member=member, name=options["name"])
        self.stdout.write(key)
