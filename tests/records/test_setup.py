"""Settings services: pipelines, stages, custom fields and tags, written by administrators (SPEC R4, R7, R8, P6)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.core.errors import Conflict, NotFound, PermissionDenied
from rapport.events.models import EventType
from rapport.records import services
from rapport.records.models import CustomFieldDefinition, Pipeline, Stage, StageChange, Tag

from ..factories import AccountFactory, DealFactory
from .helpers import events_of, reload, unchanged

# -- pipelines -----------------------------------------------------------------------------------


def test_pipeline_create_with_stages(workspace, admin, pipeline):
    created = services.pipeline_create(actor=admin, data={"name": "Partners"}, stages=[{"name": "Signed up", "probability": 5}, {"name": "Active"}])
    assert created.position == 1  # after "Sales"
    assert list(created.stages.values_list("name", "position", "probability")) == [("Signed up", 0, 5), ("Active", 1, 10)]
    [event] = events_of(created)
    assert (event.event_type, event.actor, event.object_type, event.after) == (EventType.CREATED, admin, "pipeline", {"name": "Partners", "position": 1, "is_active": True})
    assert [e.object_name for e in events_of(created.stages.first())] == ["Signed up"]


@pytest.mark.parametrize(("data", "field"), [({"name": ""}, "name"), ({"name": "Sales"}, "name"), ({"name": "P", "position": -1}, "position"), ({"name": "P", "custom": {}}, "custom")])
def test_pipeline_create_refuses_bad_input(workspace, admin, pipeline, data, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.pipeline_create(actor=admin, data=data)
    assert field in exc.value.message_dict


def test_pipeline_create_with_a_bad_stage_is_all_or_nothing(workspace, admin):
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.pipeline_create(actor=admin, data={"name": "Half"}, stages=[{"name": "Ok"}, {"name": "Bad", "probability": 150}])
    assert "probability" in exc.value.message_dict


def test_same_pipeline_name_in_another_workspace_is_fine(workspace, admin, outsider):
    assert services.pipeline_create(actor=outsider, data={"name": "Renewals"}).workspace_id == outsider.workspace_id
    assert services.pipeline_create(actor=admin, data={"name": "Renewals"}).workspace_id == workspace.pk


def test_pipeline_update_and_duplicate_name(workspace, admin, pipeline, other_pipeline):
    services.pipeline_update(actor=admin, pipeline=pipeline, data={"name": "New business", "is_active": False})
    [renamed, deactivated] = events_of(pipeline, EventType.FIELD_CHANGED)
    assert (renamed.field, renamed.before, renamed.after) == ("name", "Sales", "New business")
    assert (deactivated.field, deactivated.after) == ("is_active", False)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.pipeline_update(actor=admin, pipeline=reload(pipeline), data={"name": "Renewals"})
    assert "name" in exc.value.message_dict


def test_pipeline_delete_removes_its_stages_with_events(workspace, admin, other_pipeline):
    stage_ids = list(other_pipeline.stages.values_list("pk", flat=True))
    services.pipeline_delete(actor=admin, pipeline=other_pipeline)
    assert not Pipeline.objects.filter(pk=other_pipeline.pk).exists()
    assert not Stage.objects.filter(pk__in=stage_ids).exists()
    assert events_of(other_pipeline, EventType.DELETED)[0].before == {"name": "Renewals", "position": 1, "is_active": True}
    assert all(events_of(Stage(pk=pk, workspace_id=workspace.pk), EventType.DELETED) for pk in stage_ids)


def test_pipeline_with_deals_cannot_be_deleted(workspace, admin, seller, pipeline):
    DealFactory(actor=seller)
    with unchanged(), pytest.raises(Conflict):
        services.pipeline_delete(actor=admin, pipeline=pipeline)


# The outsider administers their own workspace, so creating settings there is theirs to do: an
# outsider is refused only on this workspace's rows.
REFUSALS = [
    (action, who, error)
    for action in ("create", "update", "delete")
    for who, error in (("seller", PermissionDenied), ("manager", PermissionDenied), ("outsider", NotFound))
    if not (action == "create" and who == "outsider")
]


@pytest.mark.parametrize(("action", "who", "error"), REFUSALS)
def test_pipelines_are_written_by_admins_of_the_workspace_only(workspace, seller, manager, outsider, pipeline, action, who, error):
    actor = {"seller": seller, "manager": manager, "outsider": outsider}[who]
    DealFactory(actor=seller)  # a reason to refuse deletion that must not be given to them
    call = {
        "create": lambda: services.pipeline_create(actor=actor, data={"name": "Mine"}, stages=[{"name": "S"}]),
        "update": lambda: services.pipeline_update(actor=actor, pipeline=pipeline, data={"name": "Mine"}),
        "delete": lambda: services.pipeline_delete(actor=actor, pipeline=pipeline),
    }[action]
    with unchanged(), pytest.raises(error):
        call()


# -- stages --------------------------------------------------------------------------------------


def test_stage_create_appends_to_the_pipeline(workspace, admin, pipeline):
    stage = services.stage_create(actor=admin, data={"pipeline": pipeline.pk, "name": "Contract", "probability": 90})
    assert (stage.position, stage.probability, stage.pipeline) == (4, 90, pipeline)
    assert events_of(stage)[0].after["pipeline"] == {"id": pipeline.pk, "name": "Sales"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "S", "probability": -1}, "probability"),
        ({"name": "S", "probability": 101}, "probability"),
        ({"name": "S", "probability": "50"}, "probability"),
        ({"name": "S", "probability": 50.5}, "probability"),
        ({"name": "S", "probability": True}, "probability"),
        ({"name": ""}, "name"),
        ({"name": "S", "pipeline": 10**9}, "pipeline"),
        ({"name": "S", "pipeline": None}, "pipeline"),
    ],
)
def test_stage_create_refuses_bad_input(workspace, admin, pipeline, data, field):
    data = {"pipeline": pipeline.pk, **data}
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.stage_create(actor=admin, data=data)
    assert field in exc.value.message_dict


def test_stage_of_another_workspaces_pipeline_is_a_field_error(workspace, admin, foreign):
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.stage_create(actor=admin, data={"pipeline": foreign.pipeline.pk, "name": "Sneaky"})
    assert "pipeline" in exc.value.message_dict


def test_stage_update(workspace, admin, stages, other_pipeline):
    services.stage_update(actor=admin, stage=stages[1], data={"name": "Discovery", "probability": 30})
    changes = {e.field: (e.before, e.after) for e in events_of(stages[1], EventType.FIELD_CHANGED)}
    assert changes == {"name": ("Qualification", "Discovery"), "probability": (20, 30)}
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.stage_update(actor=admin, stage=stages[1], data={"pipeline": other_pipeline.pk})
    assert "pipeline" in exc.value.message_dict


def test_stage_delete(workspace, admin, pipeline):
    spare = services.stage_create(actor=admin, data={"pipeline": pipeline.pk, "name": "Spare"})
    services.stage_delete(actor=admin, stage=spare)
    assert not Stage.objects.filter(pk=spare.pk).exists()
    assert events_of(spare, EventType.DELETED)[0].object_name == "Spare"


@pytest.mark.parametrize("reason", ["deals", "last", "history"])
def test_stage_delete_refusals(workspace, admin, seller, stages, other_pipeline, reason):
    if reason == "deals":
        stage = stages[0]
        DealFactory(actor=seller)
    elif reason == "last":
        lonely = services.pipeline_create(actor=admin, data={"name": "Lonely"}, stages=[{"name": "Only"}])
        stage = lonely.stages.get()
    else:
        deal = DealFactory(actor=seller)
        services.deal_move(actor=seller, deal=deal, stage=stages[1].pk)
        services.deal_move(actor=seller, deal=reload(deal), stage=stages[2].pk)
        stage = stages[1]  # no deal stands in it now, but one passed through
        assert StageChange.objects.filter(to_stage=stage).exists()
    with unchanged(), pytest.raises(Conflict):
        services.stage_delete(actor=admin, stage=stage)


@pytest.mark.parametrize(("action", "who", "error"), REFUSALS)
def test_stages_are_written_by_admins_only(workspace, seller, manager, outsider, pipeline, stages, action, who, error):
    actor = {"seller": seller, "manager": manager, "outsider": outsider}[who]
    DealFactory(actor=seller)  # stage 0 has a deal: a conflict that must not be revealed
    call = {
        "create": lambda: services.stage_create(actor=actor, data={"pipeline": pipeline.pk, "name": "Mine", "probability": 500}),
        "update": lambda: services.stage_update(actor=actor, stage=stages[0], data={"probability": 500}),
        "delete": lambda: services.stage_delete(actor=actor, stage=stages[0]),
    }[action]
    with unchanged(), pytest.raises(error):
        call()


def test_an_outsider_adds_stages_only_to_their_own_pipelines(workspace, outsider, pipeline):
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.stage_create(actor=outsider, data={"pipeline": pipeline.pk, "name": "Mine"})
    assert "pipeline" in exc.value.message_dict


# -- tags ----------------------------------------------------------------------------------------


def test_tag_create_update_delete(workspace, admin, seller):
    tag = services.tag_create(actor=admin, data={"name": "Hot", "color": "#ff0000"})
    services.tag_update(actor=admin, tag=tag, data={"color": "#00AA00"})
    [change] = events_of(tag, EventType.FIELD_CHANGED)
    assert (change.field, change.before, change.after) == ("color", "#ff0000", "#00AA00")
    account = AccountFactory(actor=seller, tags=[tag.pk])
    services.tag_delete(actor=admin, tag=tag)
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert not account.tags.exists()
    assert events_of(tag, EventType.DELETED)[0].before == {"name": "Hot", "color": "#00AA00"}


@pytest.mark.parametrize(("data", "field"), [({"name": ""}, "name"), ({"name": "x" * 61}, "name"), ({"name": "T", "color": "red"}, "color"), ({"name": "T", "color": "#12345g"}, "color"), ({"name": "T", "color": "#fff;x:"}, "color")])
def test_tag_create_refuses_bad_input(workspace, admin, data, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.tag_create(actor=admin, data=data)
    assert field in exc.value.message_dict


def test_tag_names_are_unique_per_workspace(workspace, admin, outsider):
    services.tag_create(actor=admin, data={"name": "VIP"})
    other = services.tag_create(actor=admin, data={"name": "Other"})
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.tag_create(actor=admin, data={"name": "VIP"})
    assert "name" in exc.value.message_dict
    with unchanged(), pytest.raises(ValidationError):
        services.tag_update(actor=admin, tag=other, data={"name": "VIP"})
    assert services.tag_create(actor=outsider, data={"name": "VIP"}).workspace_id == outsider.workspace_id


@pytest.mark.parametrize(("action", "who", "error"), REFUSALS)
def test_tags_are_written_by_admins_only(workspace, admin, seller, manager, outsider, action, who, error):
    tag = services.tag_create(actor=admin, data={"name": "Hot"})
    actor = {"seller": seller, "manager": manager, "outsider": outsider}[who]
    call = {
        "create": lambda: services.tag_create(actor=actor, data={"name": "Hot", "color": "bad"}),
        "update": lambda: services.tag_update(actor=actor, tag=tag, data={"name": "Cold", "color": "bad"}),
        "delete": lambda: services.tag_delete(actor=actor, tag=tag),
    }[action]
    with unchanged(), pytest.raises(error):
        call()


# -- custom field definitions --------------------------------------------------------------------


def test_custom_field_create_update_delete(workspace, admin):
    field = services.custom_field_create(actor=admin, data={"record_type": "deal", "key": "segment", "label": "Segment", "field_type": "choice", "choices": ["SMB", "Enterprise"]})
    assert events_of(field)[0].after["choices"] == ["SMB", "Enterprise"]
    services.custom_field_update(actor=admin, definition=field, data={"label": "Market segment", "required": True})
    field = reload(field)
    assert (field.label, field.required) == ("Market segment", True)
    services.custom_field_delete(actor=admin, definition=field)
    assert not CustomFieldDefinition.objects.filter(pk=field.pk).exists()
    assert [e.event_type for e in events_of(field)] == [EventType.CREATED, EventType.FIELD_CHANGED, EventType.FIELD_CHANGED, EventType.DELETED]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"record_type": "invoice"}, "record_type"),
        ({"key": "has space"}, "key"),
        ({"key": ""}, "key"),
        ({"field_type": "colour"}, "field_type"),
        ({"field_type": "choice"}, "choices"),
        ({"field_type": "multi_choice", "choices": []}, "choices"),
        ({"field_type": "choice", "choices": "a,b"}, "choices"),
        ({"field_type": "choice", "choices": ["a", ""]}, "choices"),
        ({"label": ""}, "label"),
        ({"key": "region"}, "key"),  # taken on deals
    ],
)
def test_custom_field_create_refuses_bad_input(workspace, admin, data, field):
    services.custom_field_create(actor=admin, data={"record_type": "deal", "key": "region", "label": "Region", "field_type": "text"})
    data = {"record_type": "deal", "key": "size", "label": "Size", "field_type": "text", **data}
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.custom_field_create(actor=admin, data=data)
    assert field in exc.value.message_dict


def test_the_same_key_on_another_record_type_is_fine(workspace, admin):
    services.custom_field_create(actor=admin, data={"record_type": "deal", "key": "region", "label": "Region", "field_type": "text"})
    other = services.custom_field_create(actor=admin, data={"record_type": "account", "key": "region", "label": "Region", "field_type": "text"})
    assert other.record_type == "account"


@pytest.mark.parametrize("data", [{"key": "renamed"}, {"field_type": "number"}, {"record_type": "lead"}])
def test_custom_field_key_type_and_record_type_are_fixed(workspace, admin, data):
    field = services.custom_field_create(actor=admin, data={"record_type": "deal", "key": "region", "label": "Region", "field_type": "text"})
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.custom_field_update(actor=admin, definition=field, data=data)
    assert next(iter(data)) in exc.value.message_dict


@pytest.mark.parametrize(("action", "who", "error"), REFUSALS)
def test_custom_fields_are_written_by_admins_only(workspace, admin, seller, manager, outsider, action, who, error):
    field = services.custom_field_create(actor=admin, data={"record_type": "deal", "key": "region", "label": "Region", "field_type": "choice", "choices": ["N"]})
    actor = {"seller": seller, "manager": manager, "outsider": outsider}[who]
    call = {
        "create": lambda: services.custom_field_create(actor=actor, data={"record_type": "nope", "key": "k", "label": "K", "field_type": "text"}),
        "update": lambda: services.custom_field_update(actor=actor, definition=field, data={"choices": []}),
        "delete": lambda: services.custom_field_delete(actor=actor, definition=field),
    }[action]
    with unchanged(), pytest.raises(error):
        call()
