"""What the `rapport` commands share: turning service errors into one-line command errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from rapport.core.errors import ServiceError
from rapport.workspaces.models import Member, Workspace


def one_line(exc: ValidationError | ServiceError) -> str:
    """A service error as one line: "field: message; other: message"."""
    if isinstance(exc, ServiceError):
        return exc.detail
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


@contextmanager
def service_errors() -> Iterator[None]:
    """Report a refused service call as a command error (exit status 1, no traceback)."""
    try:
        yield
    except (ValidationError, ServiceError) as exc:
        raise CommandError(one_line(exc)) from None


def get_workspace(slug: str) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise CommandError(f"No workspace with slug {slug!r}.")
    return workspace


def get_member(workspace: Workspace, email: str) -> Member:
    member = (
        Member.objects.select_related("user", "role", "workspace")
        .filter(workspace=workspace, user__username=(email or "").strip().lower())
        .first()
    )
    if member is None:
        raise CommandError(f"No member with e-mail {email!r} in workspace {workspace.slug!r}.")
    return member
