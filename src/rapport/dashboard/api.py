"""API of each member's dashboard: /api/v1/dashboard/layout and /api/v1/dashboard/baselines.

The widgets' figures themselves are answered by the analytics API (/api/v1/dashboard/widgets).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Router, Schema, Status, UploadedFile
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field

from rapport.api.crud import actor_of, expected_version
from rapport.api.schemas import Currency, Id, In, Text
from rapport.core.errors import NotFound

from . import selectors, services
from .grid import (
    COLUMNS,
    MAX_HEIGHT,
    MAX_OPTIONS,
    MAX_ROW,
    MAX_WIDGETS,
    PERIODS,
    VIEWS,
    WIDGET_KEYS,
)
from .images import CONTENT_TYPES
from .models import Theme

layout_router = Router(tags=["dashboard"])
baseline_router = Router(tags=["dashboard"])

WidgetKey = Literal[WIDGET_KEYS]  # type: ignore[valid-type]
Finite = Annotated[float, Field(allow_inf_nan=False)]


def _scalar(value: Any) -> Any:
    # One check with one message, rather than a union whose every branch reports its own error.
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Numbers must be finite.")
    if isinstance(value, str) and len(value) > 100:
        raise ValueError("At most 100 characters.")
    if value is not None and not isinstance(value, str | bool | int | float):
        raise ValueError("Give text, a number, true/false or null.")
    return value


OptionValue = Annotated[Any, AfterValidator(_scalar)]


class WidgetIn(In):
    key: WidgetKey
    x: Annotated[int, Field(ge=0, le=COLUMNS - 1)]
    y: Annotated[int, Field(ge=0, le=MAX_ROW)]
    w: Annotated[int, Field(ge=1, le=COLUMNS)]
    h: Annotated[int, Field(ge=1, le=MAX_HEIGHT)]
    view: Literal[VIEWS] = "number"  # type: ignore[valid-type]
    options: Annotated[dict[Text(30, 1), OptionValue], Field(max_length=MAX_OPTIONS)] = Field(default_factory=dict)


class LayoutIn(In):
    title: Text(120) = ""
    theme: Literal[tuple(Theme.values)] = Theme.LIGHT.value  # type: ignore[valid-type]
    font_colour: Annotated[str, Field(pattern=r"^(#[0-9a-fA-F]{6})?$")] = ""
    widgets: Annotated[list[WidgetIn], Field(max_length=MAX_WIDGETS)]


class LayoutOut(Schema):
    id: int | None
    is_default: bool
    title: str
    theme: str
    font_colour: str
    background_url: str | None
    widgets: list[dict[str, Any]]
    version: int
    updated_at: dt.datetime | None


class AppliedOut(Schema):
    members: int


def _layout_response(response: HttpResponse, data: dict[str, Any]) -> dict[str, Any]:
    response["ETag"] = f'"{data["version"]}"'
    return data


@layout_router.get("", response=LayoutOut, operation_id="dashboard_layout_get", summary="Get my dashboard layout")
def layout_get(request: HttpRequest, response: HttpResponse):
    """The caller's dashboard; the default layout (version 0, `is_default`) until they save one."""
    return _layout_response(response, selectors.layout_data(actor_of(request)))


@layout_router.put("", response=LayoutOut, operation_id="dashboard_layout_save", summary="Save my dashboard layout")
def layout_save(request: HttpRequest, response: HttpResponse, payload: LayoutIn):
    """Replace the caller's title, theme, font colour and widgets. `If-Match` guards against a lost update."""
    actor = actor_of(request)
    layout = services.layout_save(actor=actor, data=payload.model_dump(), expected_version=expected_version(request))
    return _layout_response(response, selectors.layout_data(actor, layout))


@layout_router.post("/background", response=LayoutOut, operation_id="dashboard_background_set", summary="Upload my dashboard background")
def background_set(request: HttpRequest, response: HttpResponse, file: File[UploadedFile]):
    """A PNG, JPEG, GIF or WebP image of at most 5 MB and 8000 pixels a side (multipart field `file`)."""
    actor = actor_of(request)
    layout = services.layout_set_background(actor=actor, file=file, size=file.size)
    return _layout_response(response, selectors.layout_data(actor, layout))


@layout_router.delete("/background", response=LayoutOut, operation_id="dashboard_background_clear", summary="Remove my dashboard background")
def background_clear(request: HttpRequest, response: HttpResponse):
    actor = actor_of(request)
    services.layout_clear_background(actor=actor)
    return _layout_response(response, selectors.layout_data(actor))


@layout_router.get("/background", operation_id="dashboard_background_get", summary="My dashboard background image", response={200: None})
def background_get(request: HttpRequest):
    layout = selectors.layout_of(actor_of(request))
    if layout is None or not layout.background:
        raise NotFound("The dashboard has no background image.")
    extension = layout.background.name.rsplit(".", 1)[-1].lower()
    try:
        handle = layout.background.open("rb")
    except OSError:
        raise NotFound("The background image is missing from storage.") from None
    answer = FileResponse(handle, content_type=CONTENT_TYPES.get(extension, "application/octet-stream"))
    # Personal, and its address changes with every new upload (?v=<version>).
    answer["Cache-Control"] = "private, max-age=86400"
    return answer


@layout_router.post("/apply-to-all", response=AppliedOut, operation_id="dashboard_layout_apply_to_all", summary="Apply my layout to every member")
def layout_apply_to_all(request: HttpRequest):
    """Administrators only: copy the caller's widgets, title, theme, font colour and background to every active member."""
    return {"members": services.layout_apply_to_all(actor=actor_of(request))}


class _Part(Schema):
    # Parts are stored as the widget API answered them; fields this API does not know are dropped.
    model_config = ConfigDict(extra="ignore")


class NumberPart(_Part):
    value: Finite | None = None
    display: Text(100) = ""
    label: Text(200) = ""
    link: Text(2000) | None = None
    previous: Finite | None = None
    change_percent: Finite | None = None


class RowPart(_Part):
    key: Text(100) = ""
    label: Text(200) = ""
    value: Finite | None = None
    display: Text(100) = ""
    share: Finite | None = None
    link: Text(2000) | None = None


class DatasetPart(_Part):
    label: Text(200) = ""
    data: Annotated[list[Finite | None], Field(max_length=1000)]
    links: Annotated[list[Text(2000) | None], Field(max_length=1000)] | None = None
    style: Literal["primary", "muted", "band-low", "band-high"] = "primary"


class ChartPart(_Part):
    type: Literal["bar", "line", "doughnut"]
    labels: Annotated[list[Text(200)], Field(max_length=1000)]
    datasets: Annotated[list[DatasetPart], Field(max_length=20)]


class FiguresIn(In):
    number: NumberPart | None = None
    rows: Annotated[list[RowPart], Field(max_length=500)] = Field(default_factory=list)
    chart: ChartPart | None = None


class PeriodIn(In):
    key: Literal[PERIODS]  # type: ignore[valid-type]
    start: AwareDatetime
    end: AwareDatetime
    label: Text(120) = ""


class BaselineIn(In):
    widget_key: WidgetKey
    name: Text(120, 1)
    period: PeriodIn
    pipeline: Id | None = None
    as_of: AwareDatetime | None = None
    currency: Currency | None = None
    data: FiguresIn


class BaselinePatch(In):
    name: Text(120, 1)


class PeriodOut(Schema):
    key: str
    start: dt.datetime
    end: dt.datetime
    label: str


class BaselineOut(Schema):
    id: int
    widget_key: str
    name: str
    period: PeriodOut
    pipeline: int | None
    as_of: dt.datetime | None
    currency: str
    data: dict[str, Any]
    created_at: dt.datetime


@baseline_router.get("", response=list[BaselineOut], operation_id="dashboard_baseline_list", summary="List my baselines")
def baseline_list(request: HttpRequest, widget: WidgetKey | None = None):
    """The caller's baselines, newest first (at most 200 exist per member), optionally of one widget."""
    return [selectors.baseline_data(b) for b in selectors.baselines_of(actor_of(request), widget)]


@baseline_router.post("", response={201: BaselineOut}, operation_id="dashboard_baseline_create", summary="Freeze a baseline")
def baseline_create(request: HttpRequest, payload: BaselineIn):
    data = payload.model_dump()
    data["data"] = payload.data.model_dump(exclude_none=False)
    baseline = services.baseline_create(actor=actor_of(request), data=data)
    return Status(201, selectors.baseline_data(baseline))


@baseline_router.get("/{int:baseline_id}", response=BaselineOut, operation_id="dashboard_baseline_get", summary="Get one of my baselines")
def baseline_get(request: HttpRequest, baseline_id: int):
    return selectors.baseline_data(selectors.get_baseline(actor_of(request), baseline_id))


@baseline_router.patch("/{int:baseline_id}", response=BaselineOut, operation_id="dashboard_baseline_rename", summary="Rename one of my baselines")
def baseline_rename(request: HttpRequest, baseline_id: int, payload: BaselinePatch):
    actor = actor_of(request)
    baseline = services.baseline_rename(actor=actor, baseline=selectors.get_baseline(actor, baseline_id), name=payload.name)
    return selectors.baseline_data(baseline)


@baseline_router.delete("/{int:baseline_id}", response={204: None}, operation_id="dashboard_baseline_delete", summary="Delete one of my baselines")
def baseline_delete(request: HttpRequest, baseline_id: int):
    actor = actor_of(request)
    services.baseline_delete(actor=actor, baseline=selectors.get_baseline(actor, baseline_id))
    return Status(204, None)
