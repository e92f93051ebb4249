"""`rapport createadmin`: add an administrator to a workspace."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.core.management.base import get_workspace, service_errors
from rapport.workspaces.models import Role
from rapport.workspaces.services import member_create


class Command(BaseCommand):
    help = (
        "Add an administrator to a workspace. The password comes from --password or "
        "RAPPORT_ADMIN_PASSWORD; without either, one is generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("--email", required=True, help="the administrator's e-mail (their sign-in)")
        parser.add_argument("--password", help="sign-in password (default: $RAPPORT_ADMIN_PASSWORD or generated)")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = get_workspace(options["workspace"])
        role = Role.objects.filter(workspace=workspace, is_admin=True).order_by("id").first()
        if role is None:
            raise CommandError(f"Workspace {workspace.slug!r} has no administrator role.")
        email = options["email"].strip().lower()
        existing_user = get_user_model().objects.filter(username=email).exists()
        password = options["password"] or os.environ.get("RAPPORT_ADMIN_PASSWORD") or ""
        generated = not password and not existing_user
        if generated:
            password = secrets.token_urlsafe(12)
        with service_errors():
            member = member_create(
                actor=None,
                workspace=workspace,
                email=email,
                first_name=options["first_name"],
                last_name=options["last_name"],
                role=role,
                password=password or None,
            )
        self.stdout.write(f"{member.user.username} is an administrator of {workspace.slug}.")
        if existing_user:
            self.stdout.write("They already had a sign-in; their password is unchanged.")
        elif generated:
            self.stdout.write(f"Password (shown once): {password}")
