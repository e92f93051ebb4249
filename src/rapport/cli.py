"""The `rapport` command: Django's management commands under the product's name."""

from __future__ import annotations

import os
import sys

USAGE = """Usage: rapport <command> [options]

Commands:
  serve             run the web app (with demo data and a task worker on first run)
  migrate           create or update the database tables
  createworkspace   add a workspace
  createadmin       add an administrator to a workspace
  demo              build a demo workspace with six months of history
  token             issue an API token for a member
  worker            run background tasks in the foreground

`rapport <command> --help` explains a command; `rapport help` lists every command.
"""


def main(argv: list[str] | None = None) -> None:
    """Dispatch `rapport <command> [args]` to the management command of that name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        sys.stdout.write(USAGE)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rapport", *args])


if __name__ == "__main__":
    main()
