"""Fixtures of the API tests: one seeded world per module, each test inside its own savepoint.

The API suite runs hundreds of short tests against the same two workspaces. Building the org
chart for each test would cost most of the suite's time, so each module seeds it once inside a
transaction that is never committed, and every test runs in a savepoint rolled back after it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from rapport.records.models import Account, Contact, Deal, Pipeline
from rapport.workspaces.models import Member, Role, Workspace
from rapport.workspaces.services import member_create, workspace_create

from ..conftest import ApiClient
from ..factories import AccountFactory, ContactFactory, DealFactory
from .support import World

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # Members made inside a test get passwords too; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = FAST_HASHER


def _role(workspace: Workspace, name: str, view: str, add: str, edit: str, delete: str) -> Role:
    grant = {"view": view, "add": add, "edit": edit, "delete": delete}
    # No service creates roles yet: the row is made the way workspace_create makes the defaults.
    return Role.objects.create(
        workspace=workspace,
        name=name,
        permissions={t: dict(grant) for t in ("account", "contact", "lead", "deal", "activity")},
    )


def _member(workspace: Workspace, email: str, role: str, first_name: str, manager: Member | None = None) -> Member:
    return member_create(
        actor=None, workspace=workspace, email=email, role=role, manager=manager, first_name=first_name, last_name="Test"
    )


def build_world() -> World:
    """acme: admin, manager over seller and seller2, loner, an auditor (sees all, changes nothing)
    and an intern (sees only their own, adds nothing); globex: its administrator, the outsider.
    acme's account, contact and deal are owned by admin."""
    acme = workspace_create(name="Acme", slug="acme", time_zone="Europe/Madrid", base_currency="EUR")
    globex = workspace_create(name="Globex", slug="globex", time_zone="UTC", base_currency="USD")
    _role(acme, "Auditor", "all", "none", "none", "none")
    _role(acme, "Intern", "own", "none", "none", "none")
    admin = _member(acme, "admin@acme.test", "Administrator", "Ada")
    manager = _member(acme, "manager@acme.test", "Sales manager", "Max")
    members = {
        "admin": admin,
        "manager": manager,
        "seller": _member(acme, "seller@acme.test", "Seller", "Sam", manager),
        "seller2": _member(acme, "seller2@acme.test", "Seller", "Sue", manager),
        "loner": _member(acme, "loner@acme.test", "Seller", "Lou"),
        "auditor": _member(acme, "auditor@acme.test", "Auditor", "Aud"),
        "intern": _member(acme, "intern@acme.test", "Intern", "Ian"),
        "outsider": _member(globex, "boss@globex.test", "Administrator", "Otto"),
    }
    pipeline = Pipeline.objects.get(workspace=acme, name="Sales")
    account = AccountFactory(actor=admin, name="Acme Holdings")
    world = World(
        members=members,
        pipeline=pipeline,
        stages=list(pipeline.stages.order_by("position", "id")),
        account=account,
        contact=ContactFactory(actor=admin, last_name="Reference", account=account),
        deal=DealFactory(actor=admin, name="Acme reference deal", pipeline=pipeline, account=account),
        outsider_pipeline=Pipeline.objects.get(workspace=globex, name="Sales"),
    )
    for name, member in members.items():  # tokens are issued (and logged) here, not inside tests
        world._clients[name] = ApiClient(member)
    return world


def _fresh(seed: World) -> World:
    """The seeded world re-read from the database, so no test sees another's in-memory changes."""
    members = {
        name: Member.objects.select_related("user", "role", "workspace").get(pk=m.pk) for name, m in seed.members.items()
    }
    pipeline = Pipeline.objects.get(pk=seed.pipeline.pk)
    return World(
        members=members,
        pipeline=pipeline,
        stages=list(pipeline.stages.order_by("position", "id")),
        account=Account.objects.get(pk=seed.account.pk),
        contact=Contact.objects.get(pk=seed.contact.pk),
        deal=Deal.objects.get(pk=seed.deal.pk),
        outsider_pipeline=Pipeline.objects.get(pk=seed.outsider_pipeline.pk),
        _clients=seed._clients,
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests using `world` use the database: the marker is how pytest-django learns to create it.
    for item in items:
        if "world" in getattr(item, "fixturenames", ()) and "tests/api/" in item.nodeid:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="module")
def seeded_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHER):
                seed = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield seed
    with django_db_blocker.unblock():
        transaction.set_rollback(True)  # nothing seeded here outlives the module
        outer.__exit__(None, None, None)


@pytest.fixture
def _django_db_helper(seeded_world: World, django_db_blocker) -> Iterator[None]:
    """Replaces pytest-django's per-test database wrapper for the tests of this folder.

    pytest-django wraps each test in a Django TestCase class whose teardown closes the database
    connection, which would end the module's seeding transaction after the first test. Here each
    test is a savepoint inside that transaction instead, rolled back when the test ends.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def world(seeded_world: World, _django_db_helper: None) -> World:
    """The seeded world, read afresh; whatever the test writes is rolled back after it."""
    return _fresh(seeded_world)
