"""Fixtures shared by the whole suite: a workspace with an org chart, a second workspace, API clients.

The org chart of the `workspace` fixture:

    admin (Administrator)
    manager (Sales manager)
      ├─ seller (Seller)
      └─ seller2 (Seller)
    loner (Seller, no manager)

`outsider` is an administrator of `other_workspace`: everything it asks about `workspace`'s
records must answer 404 (or an empty list).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from rapport.workspaces.models import Member, Workspace
from rapport.workspaces.services import member_create, token_create, workspace_create

PASSWORD = "correct-horse-battery-staple"


def add_member(workspace: Workspace, email: str, role: str, manager: Member | None = None, **names: str) -> Member:
    member = member_create(actor=None, workspace=workspace, email=email, role=role, manager=manager, password=PASSWORD, **names)
    return Member.objects.select_related("user", "role", "workspace").get(pk=member.pk)


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: remembered figures (analytics/memo.py) are keyed by
    workspace id, and ids come back after a rolled-back test on SQLite."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def workspace(db) -> Workspace:
    return workspace_create(name="Acme", slug="acme", time_zone="Europe/Madrid", base_currency="EUR")


@pytest.fixture
def other_workspace(db) -> Workspace:
    return workspace_create(name="Globex", slug="globex", time_zone="UTC", base_currency="USD")


@pytest.fixture
def admin(workspace) -> Member:
    return add_member(workspace, "admin@acme.test", "Administrator", first_name="Ada", last_name="Admin")


@pytest.fixture
def manager(workspace, admin) -> Member:
    return add_member(workspace, "manager@acme.test", "Sales manager", first_name="Max", last_name="Manager")


@pytest.fixture
def seller(workspace, manager) -> Member:
    return add_member(workspace, "seller@acme.test", "Seller", manager=manager, first_name="Sam", last_name="Seller")


@pytest.fixture
def seller2(workspace, manager) -> Member:
    return add_member(workspace, "seller2@acme.test", "Seller", manager=manager, first_name="Sue", last_name="Second")


@pytest.fixture
def loner(workspace, admin) -> Member:
    return add_member(workspace, "loner@acme.test", "Seller", first_name="Lou", last_name="Loner")


@pytest.fixture
def outsider(other_workspace) -> Member:
    return add_member(other_workspace, "boss@globex.test", "Administrator", first_name="Otto", last_name="Outsider")


class ApiClient:
    """A test client that calls /api/v1/ as one member, with a bearer token."""

    def __init__(self, member: Member):
        self.member = member
        _, key = token_create(actor=None, member=member, name="tests")
        self.client = Client(headers={"Authorization": f"Bearer {key}"})

    def _send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, **params: Any):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        call = getattr(self.client, method)
        if method in ("get", "delete") and body is None:
            return call(url, params or None, headers=headers or {})
        return call(url, json.dumps(body) if body is not None else "", content_type="application/json", headers=headers or {})

    def get(self, path: str, **params: Any):
        return self._send("get", path, **params)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self._send("post", path, body if body is not None else {}, headers)

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self._send("patch", path, body, headers)

    def put(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self._send("put", path, body if body is not None else {}, headers)

    def delete(self, path: str, headers: dict[str, str] | None = None):
        return self._send("delete", path, None, headers)


@pytest.fixture
def api_as() -> Callable[[Member], ApiClient]:
    """`api_as(seller).get("deals")` calls the API with a token of that member."""
    return ApiClient


@pytest.fixture
def web_as(client) -> Callable[[Member], Client]:
    """`web_as(seller)` is a test client signed in as that member, in that member's workspace."""

    def sign_in(member: Member) -> Client:
        web = Client()
        web.force_login(member.user)
        session = web.session
        session["rapport_workspace_id"] = member.workspace_id
        session.save()
        return web

    return sign_in
