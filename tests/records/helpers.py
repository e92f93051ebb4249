"""Assertions shared by the service tests: "the database is unchanged", event look-ups, roles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from rapport.events.models import Event
from rapport.workspaces.models import Member, Role, Workspace

from ..conftest import add_member

# Every table a service may write: records (with many-to-many tables), the event log, workspaces.
_APPS = ("records", "events", "workspaces")


def _tables() -> list[type[models.Model]]:
    tables = [model for label in _APPS for model in apps.get_app_config(label).get_models(include_auto_created=True)]
    return [*tables, get_user_model()]


def database_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table services write, so two states compare equal only if nothing changed."""
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in _tables()}


@contextmanager
def unchanged() -> Iterator[None]:
    """Assert that the block (usually a refused service call) leaves every row as it was."""
    before = database_state()
    yield
    after = database_state()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"rows changed in {changed}"


def events_of(obj: models.Model, event_type: str | None = None) -> list[Event]:
    """The events logged about `obj`, oldest first."""
    object_type = getattr(type(obj), "RECORD_TYPE", None) or obj._meta.model_name
    qs = Event.objects.filter(workspace_id=obj.workspace_id, object_type=object_type, object_id=obj.pk)  # type: ignore[attr-defined]
    if event_type is not None:
        qs = qs.filter(event_type=event_type)
    return list(qs.order_by("id"))


def make_role(workspace: Workspace, name: str, grants: dict[str, dict[str, str]]) -> Role:
    # No service edits roles yet; tests make the ones they need directly.
    return Role.objects.create(workspace=workspace, name=name, permissions=grants)


def member_with(workspace: Workspace, email: str, grants: dict[str, dict[str, str]], manager: Member | None = None) -> Member:
    """A member whose role grants exactly `grants` ({record type: {action: scope}})."""
    role = make_role(workspace, f"Role of {email}", grants)
    return add_member(workspace, email, role.name, manager=manager, first_name=email.split("@")[0].title())


def reload(obj: models.Model) -> models.Model:
    return type(obj)._default_manager.get(pk=obj.pk)
