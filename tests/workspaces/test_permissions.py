"""The permission gate: visible_to, can, require and get_visible for every scope (SPEC P1-P3, P5)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rapport.core.errors import NotFound, PermissionDenied
from rapport.records import services
from rapport.records.models import (
    Account,
    Activity,
    Contact,
    CustomFieldDefinition,
    Deal,
    Lead,
    Pipeline,
    Stage,
    Tag,
)
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import can, get_visible, require, team_ids, visible_to
from rapport.workspaces.services import member_update

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from ..records.helpers import database_state, member_with, unchanged

FACTORIES = {
    Account: AccountFactory,
    Contact: ContactFactory,
    Lead: LeadFactory,
    Deal: DealFactory,
    Activity: ActivityFactory,
}
MODELS = list(FACTORIES)
SCOPES = ("none", "own", "team", "all")


def grants(model: type, **actions: str) -> dict[str, dict[str, str]]:
    """A role that may view every other record type and do `actions` to `model`'s."""
    everything = {m.RECORD_TYPE: {"view": "all", "add": "all", "edit": "all", "delete": "all"} for m in MODELS}
    everything[model.RECORD_TYPE] = {"view": "none", "add": "none", "edit": "none", "delete": "none", **actions}
    return everything


def org_chart(workspace, admin, model: type, **actions: str) -> SimpleNamespace:
    """boss → sub → grand, and a stranger, all with the same role; one record owned by each, and one by nobody."""
    role = grants(model, **actions)
    boss = member_with(workspace, "boss@acme.test", role)
    sub = member_with(workspace, "sub@acme.test", role, manager=boss)
    grand = member_with(workspace, "grand@acme.test", role, manager=sub)
    stranger = member_with(workspace, "stranger@acme.test", role)
    people = {"boss": boss, "sub": sub, "grand": grand, "stranger": stranger, "admin": admin}
    records = {name: FACTORIES[model](actor=admin, owner=member) for name, member in people.items()}
    records["nobody"] = FACTORIES[model](actor=admin, owner=None)
    return SimpleNamespace(records=records, **people)


def visible_names(chart: SimpleNamespace, actor: Member, model: type) -> set[str]:
    pks = set(visible_to(actor, model).values_list("pk", flat=True))
    return {name for name, record in chart.records.items() if record.pk in pks}


def allowed_names(chart: SimpleNamespace, actor: Member, action: str) -> set[str]:
    return {name for name, record in chart.records.items() if can(actor, action, record)}


ALL = {"boss", "sub", "grand", "stranger", "admin", "nobody"}

# What each member of the chart sees with a view scope; P2 adds subordinates' records to any scope.
VIEW_EXPECTED = {
    ("boss", "none"): {"sub", "grand"},
    ("boss", "own"): {"boss", "sub", "grand"},
    ("boss", "team"): {"boss", "sub", "grand"},
    ("boss", "all"): ALL,
    ("sub", "none"): {"grand"},
    ("sub", "own"): {"sub", "grand"},
    ("sub", "all"): ALL,
    ("grand", "none"): set(),
    ("grand", "own"): {"grand"},
    ("grand", "team"): {"grand"},
    ("stranger", "team"): {"stranger"},
}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.RECORD_TYPE)
@pytest.mark.parametrize(("who", "scope"), list(VIEW_EXPECTED))
def test_view_scope_decides_the_list_and_the_single_record_alike(workspace, admin, model, who, scope):
    chart = org_chart(workspace, admin, model, view=scope)
    actor = getattr(chart, who)
    expected = VIEW_EXPECTED[(who, scope)]
    assert visible_names(chart, actor, model) == expected
    assert allowed_names(chart, actor, "view") == expected
    for name, record in chart.records.items():
        if name in expected:
            assert get_visible(actor, model, record.pk) == record
        else:
            with pytest.raises(NotFound):
                get_visible(actor, model, record.pk)


EDIT_EXPECTED = {
    "none": set(),
    "own": {"boss"},
    "team": {"boss", "sub", "grand"},
    "all": ALL,
}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.RECORD_TYPE)
@pytest.mark.parametrize("action", ["edit", "delete"])
@pytest.mark.parametrize("scope", SCOPES)
def test_edit_and_delete_scopes(workspace, admin, model, action, scope):
    chart = org_chart(workspace, admin, model, view="all", **{action: scope})
    assert allowed_names(chart, chart.boss, action) == EDIT_EXPECTED[scope]
    other = "delete" if action == "edit" else "edit"
    assert allowed_names(chart, chart.boss, other) == set()
    for name, record in chart.records.items():
        if name in EDIT_EXPECTED[scope]:
            require(chart.boss, action, record)
        else:
            # The boss sees everything here, so a refusal is "denied", not "not found".
            with pytest.raises(PermissionDenied):
                require(chart.boss, action, record)


def test_team_scope_reaches_indirect_subordinates_but_not_managers(workspace, admin):
    chart = org_chart(workspace, admin, Deal, view="all", edit="team")
    assert team_ids(chart.boss) == {chart.boss.pk, chart.sub.pk, chart.grand.pk}
    assert allowed_names(chart, chart.sub, "edit") == {"sub", "grand"}
    assert allowed_names(chart, chart.grand, "edit") == {"grand"}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.RECORD_TYPE)
def test_inheritance_is_view_only(workspace, admin, model):
    """P2: the boss sees the subordinate's record but may not change it without an edit scope."""
    chart = org_chart(workspace, admin, model, view="own", edit="own", delete="own")
    record = chart.records["sub"]
    assert can(chart.boss, "view", record)
    for action in ("edit", "delete"):
        with pytest.raises(PermissionDenied):
            require(chart.boss, action, record)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.RECORD_TYPE)
@pytest.mark.parametrize("scope", SCOPES)
def test_add_scope_bounds_the_owner_of_the_new_record(workspace, admin, model, scope):
    chart = org_chart(workspace, admin, model, view="all", add=scope)
    assert can(chart.boss, "add", model) is (scope != "none")
    expected = {"none": set(), "own": {"boss"}, "team": {"boss", "sub", "grand"}, "all": {"boss", "sub", "grand", "stranger"}}[scope]
    for name in ("boss", "sub", "grand", "stranger"):
        owner = getattr(chart, name)
        unsaved = model(workspace_id=workspace.pk, owner=owner, created_by=chart.boss)
        assert can(chart.boss, "add", unsaved) is (name in expected), name


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.RECORD_TYPE)
def test_creating_a_record_for_someone_outside_the_add_scope_is_refused(workspace, admin, model, pipeline):
    chart = org_chart(workspace, admin, model, view="all", add="own")
    with unchanged(), pytest.raises(PermissionDenied):
        FACTORIES[model](actor=chart.boss, owner=chart.stranger)
    mine = FACTORIES[model](actor=chart.boss)
    assert mine.owner == chart.boss


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.RECORD_TYPE)
def test_a_role_without_add_cannot_create(workspace, admin, model, pipeline):
    chart = org_chart(workspace, admin, model, view="all")
    with unchanged(), pytest.raises(PermissionDenied):
        FACTORIES[model](actor=chart.boss)


# -- default roles -------------------------------------------------------------------------------


def test_default_roles(workspace, admin, manager, seller, seller2, loner):
    deal = DealFactory(actor=seller)
    account = AccountFactory(actor=seller)
    # Sellers see their own deals only; the manager sees the team's and edits them; admins all.
    assert list(visible_to(seller2, Deal)) == []
    assert list(visible_to(loner, Deal)) == []
    assert list(visible_to(manager, Deal)) == [deal]
    assert can(manager, "edit", deal) and can(manager, "delete", deal)
    assert not can(seller, "delete", deal)
    assert can(admin, "delete", deal)
    # Accounts are seen by every seller but edited by their owner.
    assert list(visible_to(seller2, Account)) == [account]
    with pytest.raises(PermissionDenied):
        require(seller2, "edit", account)
    with pytest.raises(NotFound):
        require(seller2, "edit", deal)


def test_manager_does_not_edit_outside_the_team(workspace, manager, loner):
    deal = DealFactory(actor=loner)
    assert can(manager, "view", deal)  # "Sales manager" views all deals
    with pytest.raises(PermissionDenied):
        require(manager, "edit", deal)


# -- P3: private and global accounts -------------------------------------------------------------


def test_private_account_is_its_creators_alone(workspace, admin, manager, seller):
    private = AccountFactory(actor=seller, is_private=True)
    handed_over = AccountFactory(actor=admin, owner=seller, is_private=True)
    assert set(visible_to(seller, Account)) == {private}
    assert set(visible_to(admin, Account)) == {handed_over}
    for member in (admin, manager):
        assert not can(member, "view", private)
        with pytest.raises(NotFound):
            get_visible(member, Account, private.pk)
        with pytest.raises(NotFound):
            require(member, "edit", private)
    # Ownership does not open a private account: only its creator sees it.
    assert not can(seller, "view", handed_over)


def test_global_account_is_seen_by_everyone_but_edited_by_scope(workspace, admin):
    role = grants(Account, view="own", edit="own")
    viewer = member_with(workspace, "viewer@acme.test", role)
    plain = AccountFactory(actor=admin)
    shared = AccountFactory(actor=admin, is_global=True)
    both = AccountFactory(actor=admin, is_global=True, is_private=True)
    assert set(visible_to(viewer, Account)) == {shared}
    assert can(viewer, "view", shared) and not can(viewer, "view", plain)
    with pytest.raises(PermissionDenied):
        require(viewer, "edit", shared)
    # Private wins over global.
    assert not can(viewer, "view", both)
    assert both in visible_to(admin, Account)


# -- settings records ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Pipeline, Stage, Tag, CustomFieldDefinition], ids=lambda m: m.__name__)
def test_settings_are_visible_to_all_and_written_by_admins(workspace, admin, seller, outsider, model):
    services.tag_create(actor=admin, data={"name": "Hot"})
    services.custom_field_create(actor=admin, data={"record_type": "deal", "key": "region", "label": "Region", "field_type": "text"})
    row = model.objects.filter(workspace=workspace).first()
    assert row in visible_to(seller, model)
    assert can(seller, "view", row) and can(seller, "view", model)
    for action in ("edit", "delete"):
        assert not can(seller, action, row)
        assert can(admin, action, row)
        with pytest.raises(PermissionDenied):
            require(seller, action, row)
    assert not can(seller, "add", model) and can(admin, "add", model)
    assert row not in visible_to(outsider, model)
    assert not can(outsider, "view", row)
    with pytest.raises(NotFound):
        require(outsider, "edit", row)


# -- other workspace, inactive member, admin -----------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.RECORD_TYPE)
def test_another_workspace_sees_nothing_and_gets_not_found(workspace, admin, outsider, model):
    record = FACTORIES[model](actor=admin)
    assert not visible_to(outsider, model).filter(pk=record.pk).exists()
    for action in ("view", "edit", "delete"):
        assert not can(outsider, action, record)
        with pytest.raises(NotFound):
            require(outsider, action, record)
    with pytest.raises(NotFound):
        get_visible(outsider, model, record.pk)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.RECORD_TYPE)
def test_inactive_member_may_do_nothing(workspace, admin, model):
    former = member_with(workspace, "former@acme.test", grants(model, view="all", add="all", edit="all", delete="all"))
    record = FACTORIES[model](actor=former)
    member_update(actor=admin, member=former, data={"is_active": False})
    former = Member.objects.select_related("role", "user").get(pk=former.pk)
    assert not visible_to(former, model).exists()
    for action in ("view", "edit", "delete"):
        assert not can(former, action, record)
    assert not can(former, "add", model)
    with pytest.raises(NotFound):
        require(former, "edit", record)
    with pytest.raises(PermissionDenied):
        require(former, "add", model)
    with unchanged(), pytest.raises(PermissionDenied):
        FACTORIES[model](actor=former)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.RECORD_TYPE)
def test_admin_sees_and_does_everything(workspace, admin, seller, model):
    record = FACTORIES[model](actor=seller)
    assert record in visible_to(admin, model)
    for action in ("view", "edit", "delete"):
        assert can(admin, action, record)
    assert can(admin, "add", model)


# -- get_visible, the owner field, and one rule for lists and records ----------------------------


@pytest.mark.parametrize("pk", ["abc", 0, -1, 2**63, 2**70, None, "", 1.5e30])
def test_get_visible_answers_not_found_for_ids_that_cannot_exist(workspace, admin, pk):
    with pytest.raises(NotFound):
        get_visible(admin, Deal, pk)


def test_owner_field_is_read_the_same_way_by_lists_and_single_records(workspace, seller, seller2, monkeypatch):
    """A model whose owner field is not "owner": both halves of the gate read OWNER_FIELD."""
    deal = DealFactory(actor=seller, owner=seller2)
    monkeypatch.setattr(Deal, "OWNER_FIELD", "created_by", raising=False)
    assert list(visible_to(seller, Deal)) == [deal]
    assert can(seller, "view", deal) and can(seller, "edit", deal)
    assert list(visible_to(seller2, Deal)) == []
    assert not can(seller2, "view", deal)


def test_lists_and_single_records_agree_for_every_member(workspace, admin, manager, seller, seller2, loner, outsider, foreign):
    """One gate: for every member and record, can(view) is True exactly when visible_to lists it."""
    members = [admin, manager, seller, seller2, loner, outsider]
    for owner in (seller, seller2, loner, manager):
        for factory in FACTORIES.values():
            factory(actor=admin, owner=owner)
    AccountFactory(actor=seller, is_private=True)
    AccountFactory(actor=admin, owner=loner, is_global=True)
    before = database_state()
    for model in MODELS:
        rows = list(model.objects.all())
        for member in members:
            listed = set(visible_to(member, model).values_list("pk", flat=True))
            single = {row.pk for row in rows if can(member, "view", row)}
            assert listed == single, (model.RECORD_TYPE, str(member))
    assert database_state() == before
