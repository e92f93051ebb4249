"""Writes to workspaces, members and API tokens, with their events and refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from rapport.core import clock
from rapport.core.errors import Conflict, PermissionDenied
from rapport.events.models import ActorKind, EventType
from rapport.records.models import Pipeline
from rapport.workspaces.models import ApiToken, Member, Role
from rapport.workspaces.services import (
    member_create,
    member_update,
    token_create,
    token_revoke,
    workspace_create,
)

from ..conftest import PASSWORD
from ..records.helpers import events_of, reload, unchanged

MOMENT = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)

# -- workspace_create ------------------------------------------------------------------------------


def test_workspace_create_makes_roles_and_a_pipeline_logged_by_the_robot(db):
    workspace = workspace_create(name="  Initech ", time_zone="Europe/Warsaw", base_currency="pln")
    assert (workspace.name, workspace.slug, workspace.base_currency) == ("Initech", "initech", "PLN")
    assert set(workspace.roles.values_list("name", flat=True)) == {"Administrator", "Sales manager", "Seller"}
    pipeline = Pipeline.objects.get(workspace=workspace)
    assert list(pipeline.stages.order_by("position").values_list("name", "probability")) == [
        ("Incoming", 10), ("Qualification", 20), ("Proposal", 50), ("Negotiation", 75),
    ]
    [event] = events_of(pipeline)
    assert (event.event_type, event.actor, event.actor_kind, event.actor_name) == (EventType.CREATED, None, ActorKind.ROBOT, "Robot")
    assert event.after == {"name": "Sales", "stages": ["Incoming", "Qualification", "Proposal", "Negotiation"]}


def test_workspace_create_without_a_pipeline(db):
    workspace = workspace_create(name="Bare", with_pipeline=False)
    assert not Pipeline.objects.filter(workspace=workspace).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "Acme", "slug": "!!!"}, "slug"),
        ({"name": "Acme", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "Acme", "base_currency": "EURO"}, "base_currency"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_workspace_create_refuses_bad_input(db, kwargs, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        workspace_create(**kwargs)
    assert field in exc.value.message_dict


def test_workspace_slug_is_unique(workspace):
    with unchanged(), pytest.raises(ValidationError) as exc:
        workspace_create(name="Acme again", slug="ACME")
    assert "slug" in exc.value.message_dict


# -- member_create -------------------------------------------------------------------------------


def test_admin_adds_a_member_with_a_role_and_manager(workspace, admin, manager):
    member = member_create(
        actor=admin, workspace=workspace, email=" New.Person@Acme.TEST ", role="Seller", manager=manager,
        first_name="Nia", last_name="New", password=PASSWORD, title="Account executive",
    )
    assert member.user.username == "new.person@acme.test"
    assert member.user.check_password(PASSWORD)
    assert (member.role.name, member.manager, member.title, member.is_active) == ("Seller", manager, "Account executive", True)
    [event] = events_of(member)
    assert (event.event_type, event.actor, event.actor_kind, event.object_type) == (EventType.CREATED, admin, ActorKind.USER, "member")
    assert event.after == {"email": "new.person@acme.test", "role": "Seller", "manager": "Max Manager"}


def test_member_without_password_cannot_sign_in(workspace, admin):
    member = member_create(actor=admin, workspace=workspace, email="nopass@acme.test")
    assert not member.user.has_usable_password()


def test_a_person_can_join_a_second_workspace(workspace, other_workspace, admin, outsider):
    member = member_create(actor=outsider, workspace=other_workspace, email="admin@acme.test", role="Seller")
    assert member.user == admin.user
    assert member.workspace == other_workspace


def test_member_create_by_nobody_is_logged_as_the_robot(workspace):
    member = member_create(actor=None, workspace=workspace, email="first@acme.test", role="Administrator")
    [event] = events_of(member)
    assert (event.actor, event.actor_kind) == (None, ActorKind.ROBOT)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "admin@acme.test"}, "email"),  # already a member
        ({"email": "x@acme.test", "role": "Emperor"}, "role"),
        ({"email": "x@acme.test", "password": "123"}, "password"),
    ],
)
def test_member_create_refuses_bad_input(workspace, admin, kwargs, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        member_create(actor=admin, workspace=workspace, **kwargs)
    assert field in exc.value.message_dict


def test_member_create_refuses_a_role_or_manager_of_another_workspace(workspace, admin, other_workspace, outsider):
    globex_role = Role.objects.get(workspace=other_workspace, name="Seller")
    with unchanged(), pytest.raises(ValidationError) as exc:
        member_create(actor=admin, workspace=workspace, email="x@acme.test", role=globex_role)
    assert "role" in exc.value.message_dict
    with unchanged(), pytest.raises(ValidationError) as exc:
        member_create(actor=admin, workspace=workspace, email="x@acme.test", manager=outsider)
    assert "manager" in exc.value.message_dict


@pytest.mark.parametrize("who", ["manager", "seller", "outsider", "inactive_admin"])
def test_only_an_active_admin_of_the_workspace_adds_members(workspace, admin, manager, seller, outsider, who):
    if who == "inactive_admin":
        actor = member_create(actor=admin, workspace=workspace, email="old-admin@acme.test", role="Administrator")
        member_update(actor=admin, member=actor, data={"is_active": False})
        actor = reload(actor)
    else:
        actor = {"manager": manager, "seller": seller, "outsider": outsider}[who]
    with unchanged(), pytest.raises(PermissionDenied):
        member_create(actor=actor, workspace=workspace, email="sneaky@acme.test", role="Administrator")
    assert not get_user_model().objects.filter(username="sneaky@acme.test").exists()


# -- member_update -------------------------------------------------------------------------------


def test_member_update_logs_each_change_with_references_as_id_and_name(workspace, admin, manager, seller, loner):
    admin_role = Role.objects.get(workspace=workspace, name="Administrator")
    seller_role = seller.role
    with clock.frozen_at(MOMENT):
        member_update(actor=admin, member=seller, data={"role": admin_role.pk, "manager": loner.pk, "title": "Lead"})
    seller = reload(seller)
    assert (seller.role, seller.manager, seller.title) == (admin_role, loner, "Lead")
    changes = {e.field: (e.before, e.after) for e in events_of(seller, EventType.FIELD_CHANGED)}
    assert changes == {
        "role": ({"id": seller_role.pk, "name": "Seller"}, {"id": admin_role.pk, "name": "Administrator"}),
        "manager": ({"id": manager.pk, "name": "Max Manager"}, {"id": loner.pk, "name": "Lou Loner"}),
        "title": ("", "Lead"),
    }
    assert {e.occurred_at for e in events_of(seller, EventType.FIELD_CHANGED)} == {MOMENT}


def test_member_update_removes_a_manager(workspace, admin, seller):
    member_update(actor=admin, member=seller, data={"manager": None})
    assert reload(seller).manager is None
    [event] = events_of(seller, EventType.FIELD_CHANGED)
    assert (event.field, event.after) == ("manager", None)


def test_member_update_without_changes_logs_nothing(workspace, admin, seller):
    with unchanged():
        member_update(actor=admin, member=seller, data={"title": "", "is_active": True})


@pytest.mark.parametrize(
    ("member_name", "new_manager_name"),
    [
        ("seller", "seller"),  # own manager
        ("manager", "seller"),  # under their own subordinate
    ],
)
def test_member_update_refuses_a_loop_in_the_org_chart(workspace, admin, manager, seller, member_name, new_manager_name):
    people = {"manager": manager, "seller": seller}
    with unchanged(), pytest.raises(ValidationError) as exc:
        member_update(actor=admin, member=people[member_name], data={"manager": people[new_manager_name].pk})
    assert "loop" in exc.value.message_dict["manager"][0]


def test_member_update_refuses_a_loop_through_several_levels(workspace, admin, manager, seller):
    junior = member_create(actor=admin, workspace=workspace, email="junior@acme.test", manager=seller)
    with unchanged(), pytest.raises(ValidationError) as exc:
        member_update(actor=admin, member=manager, data={"manager": junior.pk})
    assert "manager" in exc.value.message_dict


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"role": 10**9}, "role"),
        ({"manager": 10**9}, "manager"),
        ({"email": "x@acme.test"}, "email"),
        ({"workspace": 1}, "workspace"),
        ({"is_active": "yes"}, "is_active"),
        ({"title": "x" * 121}, "title"),
    ],
)
def test_member_update_refuses_bad_input(workspace, admin, seller, data, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        member_update(actor=admin, member=seller, data=data)
    assert field in exc.value.message_dict


def test_member_update_refuses_a_role_or_manager_of_another_workspace(workspace, admin, seller, other_workspace, outsider):
    for data in ({"role": Role.objects.get(workspace=other_workspace, name="Administrator").pk}, {"manager": outsider.pk}):
        with unchanged(), pytest.raises(ValidationError):
            member_update(actor=admin, member=seller, data=data)


@pytest.mark.parametrize("who", ["manager", "seller", "outsider"])
def test_only_an_admin_of_the_workspace_changes_members(workspace, admin, manager, seller, outsider, who):
    actor = {"manager": manager, "seller": seller, "outsider": outsider}[who]
    with unchanged(), pytest.raises(PermissionDenied):
        member_update(actor=actor, member=seller, data={"role": Role.objects.get(workspace=workspace, name="Administrator").pk})


def test_deactivating_a_member_is_logged(workspace, admin, seller):
    member_update(actor=admin, member=seller, data={"is_active": False})
    assert not Member.objects.get(pk=seller.pk).is_active
    [event] = events_of(seller, EventType.FIELD_CHANGED)
    assert (event.field, event.before, event.after) == ("is_active", True, False)


# -- API tokens ----------------------------------------------------------------------------------


def test_token_create_keeps_only_the_hash(workspace, seller):
    with clock.frozen_at(MOMENT):
        token, key = token_create(actor=seller, member=seller, name="  Zapier ")
    assert key.startswith("rpt_") and len(key) > 30
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert (token.name, token.hint, token.workspace_id) == ("Zapier", key[:8], workspace.pk)
    [event] = events_of(seller, EventType.LINKED)
    assert event.field == "api_token" and key not in str(event.after)
    assert event.occurred_at == MOMENT


def test_token_gets_a_default_name(workspace, admin, seller):
    token, _ = token_create(actor=admin, member=seller, name=" ")
    assert token.name == "API token"


@pytest.mark.parametrize("who", ["seller2", "manager", "outsider"])
def test_a_members_tokens_are_made_by_them_or_an_admin_only(workspace, seller, seller2, manager, outsider, who):
    actor = {"seller2": seller2, "manager": manager, "outsider": outsider}[who]
    with unchanged(), pytest.raises(PermissionDenied):
        token_create(actor=actor, member=seller, name="stolen")


def test_token_revoke_stamps_the_clock_and_logs(workspace, admin, seller):
    token, _ = token_create(actor=seller, member=seller, name="CLI")
    with clock.frozen_at(MOMENT):
        token_revoke(actor=seller, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == MOMENT
    [event] = events_of(seller, EventType.UNLINKED)
    assert (event.field, event.before) == ("api_token", str(token))


def test_admin_revokes_a_members_token(workspace, admin, seller):
    token, _ = token_create(actor=seller, member=seller, name="CLI")
    token_revoke(actor=admin, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_revoking_twice_is_a_conflict(workspace, seller):
    token, _ = token_create(actor=seller, member=seller, name="CLI")
    token_revoke(actor=seller, token=token)
    with unchanged(), pytest.raises(Conflict):
        token_revoke(actor=seller, token=ApiToken.objects.get(pk=token.pk))


@pytest.mark.parametrize("who", ["seller2", "manager", "outsider"])
def test_others_cannot_revoke_a_members_token(workspace, seller, seller2, manager, outsider, who):
    token, _ = token_create(actor=seller, member=seller, name="CLI")
    actor = {"seller2": seller2, "manager": manager, "outsider": outsider}[who]
    with unchanged(), pytest.raises(PermissionDenied):
        token_revoke(actor=actor, token=token)

