"""Fixtures and helpers of the record page tests (imported by tests/web/test_records_*.py)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from rapport.records.models import Pipeline, Stage

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    # The shared fixtures give every member a password; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def sales_pipeline(member) -> Pipeline:
    """The workspace's default pipeline: Incoming, Qualification, Proposal, Negotiation."""
    return Pipeline.objects.get(workspace_id=member.workspace_id, name="Sales")


def sales_stages(member) -> list[Stage]:
    return list(sales_pipeline(member).stages.order_by("position"))


def database_state() -> dict[str, list[dict[str, Any]]]:
    """Every row the record services may write, to prove a refused request changed nothing."""
    tables = [
        model
        for label in ("records", "events", "workspaces")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in tables}


@contextmanager
def unchanged() -> Iterator[None]:
    before = database_state()
    yield
    after = database_state()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"rows changed in {changed}"


def text(response) -> str:
    return response.content.decode()


def row_names(response) -> list[str]:
    """The name in the first linked cell of each row of the list's table, in order."""
    html = text(response)
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    names = []
    for row in body.split("<tr>")[1:]:
        match = re.search(r'<td><a href="/[a-z]+/\d+/">([^<]*)</a>', row)
        if match:
            names.append(html_lib.unescape(match.group(1)))
    return names


def reload(obj: models.Model) -> models.Model:
    return type(obj)._default_manager.get(pk=obj.pk)
