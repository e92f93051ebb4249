"""`rapport worker`: run background tasks (Django's tasks API, database backend) in the foreground."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.tasks import task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run background tasks in the foreground until stopped (Ctrl+C finishes the current task first)."

    def run_from_argv(self, argv: list[str]) -> None:
        # Checked before parsing: the parser itself refuses a backend that is not a database one.
        try:
            check_database_backend()
        except CommandError as exc:
            self.stderr.write(f"CommandError: {exc}")
            sys.exit(1)
        super().run_from_argv(argv)

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        # Like the worker thread of `rapport serve`, process every queue unless told otherwise.
        parser.set_defaults(queue_name="*")

    def handle(self, *args: Any, **options: Any) -> None:
        check_database_backend()
        super().handle(*args, **options)


def check_database_backend() -> None:
    if not isinstance(task_backends["default"], DatabaseBackend):
        backend = type(task_backends["default"]).__name__
        raise CommandError(
            f"The task backend is {backend}, not the database backend; run that backend's own worker."
        )
