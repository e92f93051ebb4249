"""Fixtures of the API tests: fast password hashing, extra roles, and database snapshots."""

from __future__ import annotations

import pytest

from rapport.records.models import Pipeline
from rapport.workspaces.models import Member, Role, Workspace

from ..conftest import add_member
from ..factories import AccountFactory, ContactFactory, DealFactory
from .support import World


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # The shared fixtures give every member a password; the default hasher costs ~1s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _role(workspace: Workspace, name: str, view: str, add: str, edit: str, delete: str) -> Role:
    grant = {"view": view, "add": add, "edit": edit, "delete": delete}
    # Roles have no service yet; administrators configure them like this in the admin.
    return Role.objects.create(
        workspace=workspace,
        name=name,
        permissions={t: dict(grant) for t in ("account", "contact", "lead", "deal", "activity")},
    )


@pytest.fixture
def auditor(workspace, admin) -> Member:
    """Sees every record of every type and may change none."""
    _role(workspace, "Auditor", "all", "none", "none", "none")
    return add_member(workspace, "auditor@acme.test", "Auditor", first_name="Aud", last_name="Itor")


@pytest.fixture
def intern(workspace, admin) -> Member:
    """Sees only what they own, owns nothing, and may add nothing."""
    _role(workspace, "Intern", "own", "none", "none", "none")
    return add_member(workspace, "intern@acme.test", "Intern", first_name="Ian", last_name="Intern")


@pytest.fixture
def world(admin, manager, seller, seller2, loner, auditor, intern, outsider) -> World:
    """acme's org chart plus an auditor and an intern, acme records owned by admin, globex's pipeline."""
    pipeline = Pipeline.objects.get(workspace=admin.workspace, name="Sales")
    account = AccountFactory(actor=admin, name="Acme Holdings")
    world = World(
        members={
            "admin": admin, "manager": manager, "seller": seller, "seller2": seller2, "loner": loner,
            "auditor": auditor, "intern": intern, "outsider": outsider,
        },
        pipeline=pipeline,
        stages=list(pipeline.stages.order_by("position", "id")),
        account=account,
        contact=ContactFactory(actor=admin, last_name="Reference", account=account),
        deal=DealFactory(actor=admin, name="Acme reference deal", pipeline=pipeline, account=account),
        outsider_pipeline=Pipeline.objects.get(workspace=outsider.workspace, name="Sales"),
    )
    for name in world.members:  # issue (and log) every token now, before tests snapshot the database
        world.api(name)
    return world


import os  # noqa: E402  TEMPORARY while the web urls are broken by work in progress

if os.environ.get("F2_API_ONLY_URLS"):

    @pytest.fixture(autouse=True)
    def _tmp_urls(settings):
        settings.ROOT_URLCONF = "tests.api._tmp_urls"
