"""`rapport serve`: prepare the database, then serve the app with uvicorn and run tasks in-process."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.tasks import task_backends
from django_tasks_db import DatabaseBackend

from rapport.core.management.demo import DEMO_PASSWORD
from rapport.workspaces.models import Member, Workspace

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Serve Rapport over HTTP (ASGI, uvicorn). Creates the data folder, migrates the database, "
        "loads the demo workspace on the first run and runs background tasks in a worker thread."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
        parser.add_argument("--workers", type=int, default=1, help="number of server processes (default: 1)")
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo workspace on the first run")
        parser.add_argument("--no-worker", action="store_true", help="do not run background tasks in this process")
        parser.add_argument(
            "--no-access-log",
            action="store_true",
            help="do not log a line per request (for a proxy in front that keeps the access log; errors are still logged)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if options["workers"] > 1 and not settings.REDIS_URL:
            self.stderr.write(
                self.style.WARNING(
                    "Several processes without REDIS_URL: a change reaches only the open pages served by the "
                    "process that made it. Set REDIS_URL for live updates across processes."
                )
            )
        for folder in (settings.DATA_DIR, settings.STATIC_ROOT, settings.MEDIA_ROOT):
            folder.mkdir(parents=True, exist_ok=True)
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_demo"] and not Workspace.objects.exists():
            self.stdout.write("First run: building the demo workspace (under a minute)…")
            call_command("demo", stdout=self.stdout)
        host = options["host"]
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        self.stdout.write(self.style.SUCCESS(f"Rapport is running at http://{shown_host}:{options['port']}/"))
        demo_admin = Member.objects.filter(workspace__slug="demo", user__username="admin@demo.rapport").exists()
        if demo_admin:
            self.stdout.write(f"Demo sign-in: admin@demo.rapport / {DEMO_PASSWORD}")
        self.stdout.write("API docs: /api/v1/docs. Press Ctrl+C to stop.")

        worker = None if options["no_worker"] else self._start_worker()
        # The server's own threads and processes open their own connections.
        connection.close()
        try:
            uvicorn.run(
                "rapport.asgi:application",
                host=host,
                port=options["port"],
                workers=options["workers"],
                lifespan="off",
                log_level="info",
                access_log=not options["no_access_log"],
            )
        finally:
            if worker is not None:
                worker.stop()

    def _start_worker(self) -> _WorkerThread | None:
        backend = task_backends["default"]
        if not isinstance(backend, DatabaseBackend):
            self.stdout.write(
                f"Background tasks use {type(backend).__name__}; run `rapport worker` (or that backend's worker) beside the server."
            )
            return None
        worker = _WorkerThread()
        worker.start()
        self.stdout.write("Background tasks run in this process.")
        return worker


class _WorkerThread:
    """django-tasks-db's worker loop in a daemon thread, processing every queue."""

    def __init__(self) -> None:
        from django.utils.crypto import get_random_string
        from django_tasks_db.management.commands.db_worker import Worker

        self.worker = Worker(
            queue_names=["*"],
            interval=1,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"serve-{get_random_string(16)}",
            excluded_queue_names=[],
        )
        self.thread = threading.Thread(target=self._run, name="rapport-tasks", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            self.worker.run()
        except Exception:
            logger.exception("the background task worker stopped")
        finally:
            connection.close()

    def stop(self) -> None:
        # The loop checks the flag between tasks, so a running task finishes first.
        self.worker.running = False
        self.thread.join(timeout=10)
