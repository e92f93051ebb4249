"""API endpoints for workspace settings (pipelines, stages, custom fields, tags) and members."""

from django.http import HttpRequest
from ninja import FilterSchema, Router

from rapport.records import services
from rapport.records.models import CustomFieldDefinition, Pipeline, Stage, Tag
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import get_visible, visible_to

from . import schemas as s
from .crud import actor_of

pipeline_router = Router(tags=["pipelines"])
stage_router = Router(tags=["pipelines"])
custom_field_router = Router(tags=["custom fields"])
tag_router = Router(tags=["tags"])
member_router = Router(tags=["members"])


def _pipelines(actor: Member):
    return visible_to(actor, Pipeline).prefetch_related("stages")


@pipeline_router.get("", response=list[s.PipelineOut], operation_id="pipeline_list")
def pipeline_list(request: HttpRequest):
    return list(_pipelines(actor_of(request)))


@pipeline_router.post("", response={201: s.PipelineOut}, operation_id="pipeline_create")
def pipeline_create(request: HttpRequest, payload: s.PipelineIn):
    actor = actor_of(request)
    data = payload.model_dump(exclude_unset=True, exclude={"stages"})
    if data.get("position") is None:
        data.pop("position", None)
    stages = [{k: v for k, v in st.model_dump().items() if v is not None} for st in payload.stages]
    pipeline = services.pipeline_create(actor=actor, data=data, stages=stages)
    return 201, _pipelines(actor).get(pk=pipeline.pk)


@pipeline_router.get("/{int:pipeline_id}", response=s.PipelineOut, operation_id="pipeline_get")
def pipeline_get(request: HttpRequest, pipeline_id: int):
    actor = actor_of(request)
    get_visible(actor, Pipeline, pipeline_id)
    return _pipelines(actor).get(pk=pipeline_id)


@pipeline_router.patch("/{int:pipeline_id}", response=s.PipelineOut, operation_id="pipeline_update")
def pipeline_update(request: HttpRequest, pipeline_id: int, payload: s.PipelinePatch):
    actor = actor_of(request)
    pipeline = get_visible(actor, Pipeline, pipeline_id)
    services.pipeline_update(actor=actor, pipeline=pipeline, data=payload.model_dump(exclude_unset=True))
    return _pipelines(actor).get(pk=pipeline_id)


@pipeline_router.delete("/{int:pipeline_id}", response={204: None}, operation_id="pipeline_delete")
def pipeline_delete(request: HttpRequest, pipeline_id: int):
    actor = actor_of(request)
    services.pipeline_delete(actor=actor, pipeline=get_visible(actor, Pipeline, pipeline_id))
    return 204, None


@pipeline_router.post("/{int:pipeline_id}/stages", response={201: s.StageOut}, operation_id="stage_create")
def stage_create(request: HttpRequest, pipeline_id: int, payload: s.StageIn):
    actor = actor_of(request)
    pipeline = get_visible(actor, Pipeline, pipeline_id)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return 201, services.stage_create(actor=actor, data={**data, "pipeline": pipeline.pk})


@stage_router.patch("/{int:stage_id}", response=s.StageOut, operation_id="stage_update")
def stage_update(request: HttpRequest, stage_id: int, payload: s.StagePatch):
    actor = actor_of(request)
    stage = get_visible(actor, Stage, stage_id)
    return services.stage_update(actor=actor, stage=stage, data=payload.model_dump(exclude_unset=True))


@stage_router.delete("/{int:stage_id}", response={204: None}, operation_id="stage_delete")
def stage_delete(request: HttpRequest, stage_id: int):
    actor = actor_of(request)
    services.stage_delete(actor=actor, stage=get_visible(actor, Stage, stage_id))
    return 204, None


class CustomFieldFilter(FilterSchema):
    record_type: s.RecordType | None = None


@custom_field_router.get("", response=list[s.CustomFieldOut], operation_id="custom_field_list")
def custom_field_list(request: HttpRequest, record_type: s.RecordType | None = None):
    qs = visible_to(actor_of(request), CustomFieldDefinition)
    return list(qs.filter(record_type=record_type) if record_type else qs)


@custom_field_router.post("", response={201: s.CustomFieldOut}, operation_id="custom_field_create")
def custom_field_create(request: HttpRequest, payload: s.CustomFieldIn):
    return 201, services.custom_field_create(actor=actor_of(request), data=payload.model_dump())


@custom_field_router.patch("/{int:field_id}", response=s.CustomFieldOut, operation_id="custom_field_update")
def custom_field_update(request: HttpRequest, field_id: int, payload: s.CustomFieldPatch):
    actor = actor_of(request)
    definition = get_visible(actor, CustomFieldDefinition, field_id)
    return services.custom_field_update(actor=actor, definition=definition, data=payload.model_dump(exclude_unset=True))


@custom_field_router.delete("/{int:field_id}", response={204: None}, operation_id="custom_field_delete")
def custom_field_delete(request: HttpRequest, field_id: int):
    actor = actor_of(request)
    services.custom_field_delete(actor=actor, definition=get_visible(actor, CustomFieldDefinition, field_id))
    return 204, None


@tag_router.get("", response=list[s.TagOut], operation_id="tag_list")
def tag_list(request: HttpRequest):
    return list(visible_to(actor_of(request), Tag))


@tag_router.post("", response={201: s.TagOut}, operation_id="tag_create")
def tag_create(request: HttpRequest, payload: s.TagIn):
    return 201, services.tag_create(actor=actor_of(request), data=payload.model_dump())


@tag_router.patch("/{int:tag_id}", response=s.TagOut, operation_id="tag_update")
def tag_update(request: HttpRequest, tag_id: int, payload: s.TagPatch):
    actor = actor_of(request)
    return services.tag_update(actor=actor, tag=get_visible(actor, Tag, tag_id), data=payload.model_dump(exclude_unset=True))


@tag_router.delete("/{int:tag_id}", response={204: None}, operation_id="tag_delete")
def tag_delete(request: HttpRequest, tag_id: int):
    actor = actor_of(request)
    services.tag_delete(actor=actor, tag=get_visible(actor, Tag, tag_id))
    return 204, None


@member_router.get("", response=list[s.MemberOut], operation_id="member_list")
def member_list(request: HttpRequest):
    actor = actor_of(request)
    return list(Member.objects.filter(workspace_id=actor.workspace_id).select_related("user", "role").order_by("id"))


@member_router.get("/me", response=s.MeOut, operation_id="member_me")
def member_me(request: HttpRequest):
    actor = actor_of(request)
    record_types = ("account", "contact", "lead", "deal", "activity")
    permissions = {t: {a: actor.role.scope_for(t, a) for a in ("view", "add", "edit", "delete")} for t in record_types}
    return {"member": actor, "workspace": actor.workspace, "permissions": permissions}
