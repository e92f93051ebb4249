"""Saved list views: who may save, share and change them; validation; events."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.core.errors import NotFound, PermissionDenied
from rapport.events.models import EventType
from rapport.records.models import SavedFilter
from rapport.records.services import saved_filter_create, saved_filter_delete, saved_filter_update
from rapport.records.services.savedfilters import (
    get_saved_filter,
    role_default_for,
    saved_filters_for,
)

from .helpers import events_of, unchanged


def _personal(actor, **data):
    return saved_filter_create(actor=actor, data={"record_type": "deal", "name": "Open deals", "params": {"status": "open"}, **data})


def test_anyone_saves_a_personal_view_with_an_event(seller):
    saved = _personal(seller, columns=["name", "amount"], ordering="-amount")
    assert saved.owner_id == seller.pk and saved.role_id is None and not saved.is_role_default
    assert saved.params == {"status": "open"}
    [created] = events_of(saved, EventType.CREATED)
    assert created.actor_id == seller.pk and created.after["name"] == "Open deals"


def test_only_administrators_share_with_a_role_or_set_a_default(admin, seller):
    with unchanged(), pytest.raises(PermissionDenied):
        _personal(seller, role=seller.role_id)
    with unchanged(), pytest.raises(PermissionDenied):
        _personal(seller, role=seller.role_id, is_role_default=True)
    shared = _personal(admin, role=seller.role_id, is_role_default=True)
    assert shared.role_id == seller.role_id and shared.is_role_default


def test_a_default_needs_a_role(admin):
    with unchanged(), pytest.raises(ValidationError) as exc:
        _personal(admin, is_role_default=True)
    assert "is_role_default" in exc.value.message_dict


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"params": {"status": "sideways"}}, "params"),
        ({"params": {"no_such_filter": "1"}}, "params"),
        ({"params": ["status"]}, "params"),
        ({"ordering": "owner"}, "ordering"),
        ({"ordering": "drop table"}, "ordering"),
        ({"columns": ["<b>"]}, "columns"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"record_type": "planet"}, "record_type"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_invalid_views_are_refused_per_field(seller, data, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        saved_filter_create(actor=seller, data={"record_type": "deal", "name": "V", **data})
    assert field in exc.value.message_dict


def test_role_from_another_workspace_is_refused(admin, outsider):
    with unchanged(), pytest.raises(ValidationError) as exc:
        _personal(admin, role=outsider.role_id)
    assert "role" in exc.value.message_dict


def test_one_default_per_role_and_list(admin, seller):
    first = _personal(admin, name="First", role=seller.role_id, is_role_default=True)
    second = _personal(admin, name="Second", role=seller.role_id, is_role_default=True)
    first.refresh_from_db()
    assert not first.is_role_default and second.is_role_default
    assert role_default_for(seller, "deal") == second
    assert [e.field for e in events_of(first, EventType.FIELD_CHANGED)] == ["is_role_default"]


def test_who_sees_which_views(admin, seller, seller2, manager):
    mine = _personal(seller, name="Mine")
    shared = _personal(admin, name="Sellers", role=seller.role_id)
    managers = _personal(admin, name="Managers", role=manager.role_id)
    assert set(saved_filters_for(seller, "deal")) == {mine, shared}
    assert set(saved_filters_for(seller2, "deal")) == {shared}
    assert set(saved_filters_for(manager, "deal")) == {managers}
    assert set(saved_filters_for(admin, "deal")) == {shared, managers}  # admins manage every shared view
    assert saved_filters_for(seller, "lead").count() == 0
    with pytest.raises(NotFound):
        get_saved_filter(seller2, mine.pk)


def test_owner_updates_and_deletes_a_personal_view(seller, seller2):
    saved = _personal(seller)
    with unchanged(), pytest.raises(NotFound):
        saved_filter_update(actor=seller2, saved_filter=saved, data={"name": "Stolen"})
    with unchanged(), pytest.raises(NotFound):
        saved_filter_delete(actor=seller2, saved_filter=saved)
    saved_filter_update(actor=seller, saved_filter=saved, data={"name": "Renamed", "params": {"status": "won"}})
    saved.refresh_from_db()
    assert saved.name == "Renamed" and saved.params == {"status": "won"}
    assert {e.field for e in events_of(saved, EventType.FIELD_CHANGED)} == {"name", "params"}
    with unchanged(), pytest.raises(PermissionDenied):
        saved_filter_update(actor=seller, saved_filter=saved, data={"role": seller.role_id})
    saved_filter_delete(actor=seller, saved_filter=saved)
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()
    assert events_of(saved, EventType.DELETED)


def test_shared_view_is_changed_by_administrators_only(admin, seller, outsider):
    shared = _personal(admin, role=seller.role_id)
    with unchanged(), pytest.raises(PermissionDenied):
        saved_filter_update(actor=seller, saved_filter=shared, data={"name": "Mine now"})
    with unchanged(), pytest.raises(PermissionDenied):
        saved_filter_delete(actor=seller, saved_filter=shared)
    with unchanged(), pytest.raises(NotFound):
        saved_filter_delete(actor=outsider, saved_filter=shared)
    saved_filter_update(actor=admin, saved_filter=shared, data={"role": None})
    shared.refresh_from_db()
    assert shared.role_id is None and not shared.is_role_default
