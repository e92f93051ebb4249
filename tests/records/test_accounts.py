"""Account services: create, update, delete, archive, favourite (SPEC R1, P3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from rapport.core import clock
from rapport.core.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from rapport.events.models import EventType
from rapport.records import services
from rapport.records.models import Account, AccountGroup, Activity, Contact, Deal, Lead

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .helpers import events_of, reload, unchanged

MOMENT = datetime(2025, 5, 6, 7, 8, tzinfo=UTC)


def test_create_company_account(workspace, admin, seller):
    tag = services.tag_create(actor=admin, data={"name": "Key"})
    with clock.frozen_at(MOMENT):
        account = services.account_create(
            actor=seller,
            data={"name": "Initech", "emails": ["Sales@Initech.TEST", "sales@initech.test", " "], "phones": ["+34 600 000 000"],
                  "city": "Madrid", "country": "ES", "website": "https://initech.test", "tags": [tag.pk]},
        )
    account = reload(account)
    assert (account.owner, account.created_by, account.version, account.created_at) == (seller, seller, 1, MOMENT)
    assert account.emails == ["sales@initech.test"]
    assert list(account.tags.all()) == [tag]
    [event] = events_of(account)
    assert event.event_type == EventType.CREATED and event.actor == seller
    assert event.after["name"] == "Initech"
    assert event.after["owner"] == {"id": seller.pk, "name": "Sam Seller"}
    assert event.after["emails"] == ["sales@initech.test"]
    assert event.after["tags"] == ["Key"]


def test_person_account_is_named_after_the_person(workspace, seller):
    account = services.account_create(actor=seller, data={"kind": "person", "first_name": "Ana", "last_name": "Ruiz"})
    assert account.name == "Ana Ruiz"


def test_create_with_owner_parent_and_group(workspace, admin, seller):
    parent = AccountFactory(actor=admin)
    group = AccountGroup.objects.create(workspace=workspace, name="North")  # no service yet: settings row
    account = services.account_create(actor=admin, data={"name": "Sub", "owner": seller.pk, "parent": parent.pk, "groups": [group.pk]})
    assert (account.owner, account.parent) == (seller, parent)
    assert list(account.groups.all()) == [group]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A", "emails": ["not an address"]}, "emails"),
        ({"name": "A", "emails": "a@b.test"}, "emails"),
        ({"name": "A", "emails": [f"p{i}@b.test" for i in range(11)]}, "emails"),
        ({"name": "A", "phones": ["call me"]}, "phones"),
        ({"name": "A", "website": "javascript:alert(1)"}, "website"),
        ({"name": "A", "kind": "robot"}, "kind"),
        ({"name": "A", "country": "ESP"}, "country"),
        ({"name": "A", "bogus": 1}, "bogus"),
        ({"name": "A", "version": 7}, "version"),
        ({"name": "A", "workspace": 1}, "workspace"),
        ({"name": "A", "created_by": 1}, "created_by"),
        ({"name": "A", "archived_at": "2025-01-01T00:00:00Z"}, "archived_at"),
        ({"name": "A\x00B"}, "name"),
        ({"name": "A", "owner": 10**9}, "owner"),
        ({"name": "A", "owner": "me"}, "owner"),
        ({"name": "A", "parent": "abc"}, "parent"),
        ({"name": "A", "parent": 2**64}, "parent"),
        ({"name": "A", "tags": 5}, "tags"),
        ({"name": "A", "tags": ["x"]}, "tags"),
        ({"name": "A", "tags": [10**9]}, "tags"),
        ({"name": "A", "custom": {"nope": 1}}, "custom.nope"),
        ({"name": "A", "custom": ["x"]}, "custom"),
    ],
)
def test_create_refuses_bad_input_field_by_field(workspace, seller, data, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.account_create(actor=seller, data=data)
    assert field in exc.value.message_dict


def test_create_refuses_an_inactive_owner(workspace, admin, seller, loner):
    from rapport.workspaces.services import member_update

    member_update(actor=admin, member=loner, data={"is_active": False})
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.account_create(actor=seller, data={"name": "A", "owner": loner.pk})
    assert "owner" in exc.value.message_dict


@pytest.mark.parametrize("field", ["owner", "parent", "tags"])
def test_ids_of_another_workspace_are_field_errors(workspace, seller, foreign, field):
    value = {"owner": foreign.member.pk, "parent": foreign.account.pk, "tags": [foreign.tag.pk]}[field]
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.account_create(actor=seller, data={"name": "A", field: value})
    assert field in exc.value.message_dict


def test_a_private_account_of_someone_else_cannot_be_a_parent(workspace, seller, seller2):
    private = AccountFactory(actor=seller2, is_private=True)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.account_create(actor=seller, data={"name": "A", "parent": private.pk})
    assert "parent" in exc.value.message_dict


def test_create_denied_without_add_permission(workspace, seller):
    seller.role.permissions["account"]["add"] = "none"
    seller.role.save()
    with unchanged(), pytest.raises(PermissionDenied):
        services.account_create(actor=seller, data={"name": "A"})


# -- update --------------------------------------------------------------------------------------


def test_update_logs_one_event_per_changed_field(workspace, seller, seller2):
    account = AccountFactory(actor=seller, name="Old", city="Vigo")
    with clock.frozen_at(MOMENT):
        services.account_update(actor=seller, account=account, data={"name": "New", "city": "Vigo", "owner": seller2.pk}, expected_version=1)
    account = reload(account)
    assert (account.name, account.owner, account.version, account.updated_at) == ("New", seller2, 2, MOMENT)
    changes = {e.field: (e.before, e.after) for e in events_of(account, EventType.FIELD_CHANGED)}
    assert changes == {
        "name": ("Old", "New"),
        "owner": ({"id": seller.pk, "name": "Sam Seller"}, {"id": seller2.pk, "name": "Sue Second"}),
    }


def test_update_of_tags_logs_names_before_and_after(workspace, admin, seller):
    hot = services.tag_create(actor=admin, data={"name": "Hot"})
    account = AccountFactory(actor=seller)
    services.account_update(actor=seller, account=account, data={"tags": [hot.pk]})
    [event] = events_of(account, EventType.FIELD_CHANGED)
    assert (event.field, event.before, event.after) == ("tags", [], ["Hot"])
    assert reload(account).version == 2


def test_update_without_changes_writes_nothing(workspace, seller):
    account = AccountFactory(actor=seller, name="Same")
    with unchanged():
        services.account_update(actor=seller, account=account, data={"name": "Same"})


def test_update_with_a_stale_version_changes_nothing(workspace, seller):
    account = AccountFactory(actor=seller)
    services.account_update(actor=seller, account=account, data={"city": "Lugo"})
    with unchanged(), pytest.raises(StaleVersion):
        services.account_update(actor=seller, account=account, data={"city": "Ourense"}, expected_version=1)


@pytest.mark.parametrize("parent", ["self", "child", "grandchild"])
def test_update_refuses_a_loop_in_the_hierarchy(workspace, seller, parent):
    top = AccountFactory(actor=seller)
    child = AccountFactory(actor=seller, parent=top)
    grandchild = AccountFactory(actor=seller, parent=child)
    new_parent = {"self": top, "child": child, "grandchild": grandchild}[parent]
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.account_update(actor=seller, account=top, data={"parent": new_parent.pk})
    assert "parent" in exc.value.message_dict


@pytest.mark.parametrize(("data", "field"), [({"parent": "abc"}, "parent"), ({"name": ""}, "name"), ({"is_global": "maybe"}, "is_global")])
def test_update_refuses_bad_input(workspace, seller, data, field):
    account = AccountFactory(actor=seller)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.account_update(actor=seller, account=account, data=data)
    assert field in exc.value.message_dict


def test_update_denied_to_a_member_who_only_sees_it(workspace, seller, seller2):
    account = AccountFactory(actor=seller)
    with unchanged(), pytest.raises(PermissionDenied):
        services.account_update(actor=seller2, account=account, data={"name": "Mine now"})


@pytest.mark.parametrize("data", [{"name": "Hacked"}, {"parent": "abc"}, {"name": ""}])
def test_update_from_another_workspace_is_not_found(workspace, seller, outsider, data):
    account = AccountFactory(actor=seller)
    with unchanged(), pytest.raises(NotFound):
        services.account_update(actor=outsider, account=account, data=data)


def test_private_account_is_not_found_even_for_an_admin(workspace, admin, seller):
    account = AccountFactory(actor=seller, is_private=True)
    with unchanged(), pytest.raises(NotFound):
        services.account_update(actor=admin, account=account, data={"name": "Seen"})
    with unchanged(), pytest.raises(NotFound):
        services.account_delete(actor=admin, account=account)


# -- delete --------------------------------------------------------------------------------------


def test_delete_unlinks_what_pointed_at_it_and_keeps_the_last_values(workspace, admin, seller):
    account = AccountFactory(actor=seller, name="Gone Ltd", city="Lugo")
    child = AccountFactory(actor=seller, parent=account)
    contact = ContactFactory(actor=seller, account=account)
    deal = DealFactory(actor=seller, account=account)
    lead = LeadFactory(actor=seller, account=account)
    task = ActivityFactory(actor=seller, account=account)
    pk = account.pk
    services.account_delete(actor=admin, account=account)
    assert not Account.objects.filter(pk=pk).exists()
    for model, row in ((Account, child), (Contact, contact), (Deal, deal), (Lead, lead), (Activity, task)):
        field = "parent" if model is Account else "account"
        assert getattr(model.objects.get(pk=row.pk), f"{field}_id") is None
        [unlinked] = events_of(row, EventType.UNLINKED)
        assert (unlinked.field, unlinked.before, unlinked.after) == (field, {"id": pk, "name": "Gone Ltd"}, None)
    [deleted] = events_of(account, EventType.DELETED)
    assert deleted.object_name == "Gone Ltd" and deleted.object_id == pk
    assert deleted.before["city"] == "Lugo" and deleted.actor == admin


@pytest.mark.parametrize(("who", "error"), [("seller", PermissionDenied), ("seller2", PermissionDenied), ("outsider", NotFound)])
def test_delete_refused(workspace, seller, seller2, outsider, who, error):
    account = AccountFactory(actor=seller)
    actor = {"seller": seller, "seller2": seller2, "outsider": outsider}[who]
    with unchanged(), pytest.raises(error):
        services.account_delete(actor=actor, account=account)


def test_deleting_what_is_already_gone_is_not_found(workspace, admin):
    account = AccountFactory(actor=admin)
    services.account_delete(actor=admin, account=account)
    with unchanged(), pytest.raises(NotFound):
        services.account_delete(actor=admin, account=account)


# -- archive and favourites ----------------------------------------------------------------------


def test_archive_and_unarchive(workspace, seller):
    account = AccountFactory(actor=seller)
    with clock.frozen_at(MOMENT):
        services.account_archive(actor=seller, account=account)
    assert reload(account).archived_at == MOMENT
    with unchanged(), pytest.raises(Conflict):
        services.account_archive(actor=seller, account=account)
    services.account_archive(actor=seller, account=account, archived=False)
    assert reload(account).archived_at is None
    assert [e.event_type for e in events_of(account)][1:] == [EventType.ARCHIVED, EventType.UNARCHIVED]
    with unchanged(), pytest.raises(Conflict):
        services.account_archive(actor=seller, account=account, archived=False)


@pytest.mark.parametrize(("who", "error"), [("seller2", PermissionDenied), ("outsider", NotFound)])
def test_archive_refused(workspace, seller, seller2, outsider, who, error):
    account = AccountFactory(actor=seller)
    actor = {"seller2": seller2, "outsider": outsider}[who]
    with unchanged(), pytest.raises(error):
        services.account_archive(actor=actor, account=account)


def test_favourite_is_personal_and_needs_only_view(workspace, seller, seller2):
    account = AccountFactory(actor=seller)
    services.account_favourite(actor=seller2, account=account)
    assert list(account.favourited_by.all()) == [seller2]
    [linked] = events_of(account, EventType.LINKED)
    assert (linked.field, linked.after, linked.actor) == ("favourite", "Sue Second", seller2)
    with unchanged():
        services.account_favourite(actor=seller2, account=account)  # already a favourite
    services.account_favourite(actor=seller2, account=account, favourite=False)
    assert not account.favourited_by.exists()
    [unlinked] = events_of(account, EventType.UNLINKED)
    assert unlinked.before == "Sue Second"


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_favourite_of_an_unseen_account_is_not_found(workspace, admin, seller, outsider, who):
    account = AccountFactory(actor=seller, is_private=True)
    actor = {"outsider": outsider, "admin": admin}[who]
    with unchanged(), pytest.raises(NotFound):
        services.account_favourite(actor=actor, account=account)
