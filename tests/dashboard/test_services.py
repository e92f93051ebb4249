"""Dashboard services: each member's own layout, the administrator's apply-to-all, backgrounds, baselines."""

from __future__ import annotations

import io
import math

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from rapport.core.errors import NotFound, PermissionDenied, StaleVersion
from rapport.dashboard import services
from rapport.dashboard.models import Baseline, DashboardLayout
from rapport.events.models import Event
from rapport.records.models import Pipeline
from rapport.workspaces.services import member_update

from .conftest import WIDGETS, baseline_input


def events_about(obj) -> list[Event]:
    return list(Event.objects.filter(object_type=type(obj)._meta.model_name, object_id=obj.pk).order_by("id"))


def test_first_save_creates_the_members_layout_and_logs_it(seller):
    layout = services.layout_save(actor=seller, data={"title": "My sales", "theme": "dark", "widgets": WIDGETS})

    assert layout.member_id == seller.pk and layout.version == 1
    assert [w["key"] for w in layout.widgets] == ["won_deals", "lead_sources"]
    (created,) = events_about(layout)
    assert created.event_type == "created" and created.actor_id == seller.pk
    assert created.after["title"] == "My sales"


def test_a_later_save_logs_each_changed_field_and_bumps_the_version(seller):
    layout = services.layout_save(actor=seller, data={"title": "A", "widgets": WIDGETS})
    services.layout_save(actor=seller, data={"title": "B", "theme": "light", "font_colour": "#AA0000", "widgets": WIDGETS}, expected_version=1)

    layout.refresh_from_db()
    assert (layout.title, layout.font_colour, layout.version) == ("B", "#aa0000", 2)
    changed = {e.field: (e.before, e.after) for e in events_about(layout) if e.event_type == "field_changed"}
    assert changed == {"title": ("A", "B"), "font_colour": ("", "#aa0000")}


def test_saving_an_unchanged_layout_writes_nothing(seller):
    layout = services.layout_save(actor=seller, data={"widgets": WIDGETS})
    services.layout_save(actor=seller, data={"widgets": WIDGETS})
    layout.refresh_from_db()
    assert layout.version == 1 and len(events_about(layout)) == 1


def test_a_stale_version_is_refused_and_changes_nothing(seller):
    layout = services.layout_save(actor=seller, data={"title": "Mine", "widgets": WIDGETS})
    services.layout_save(actor=seller, data={"title": "Newer"}, expected_version=1)

    with pytest.raises(StaleVersion):
        services.layout_save(actor=seller, data={"title": "Lost update"}, expected_version=1)
    layout.refresh_from_db()
    assert layout.title == "Newer" and layout.version == 2


def test_the_default_layout_is_version_zero(seller):
    with pytest.raises(StaleVersion):
        services.layout_save(actor=seller, data={"title": "x"}, expected_version=3)
    assert services.layout_save(actor=seller, data={"title": "x"}, expected_version=0).version == 1


@pytest.mark.parametrize(
    ("widgets", "message"),
    [
        ([{"key": "no_such_widget", "x": 0, "y": 0, "w": 4, "h": 3, "view": "number"}], "no widget called"),
        ([{"key": {"nested": 1}, "x": 0, "y": 0, "w": 4, "h": 3, "view": "number"}], "no widget called"),
        ([WIDGETS[0], WIDGETS[0]], "already on the dashboard"),
        ([{**WIDGETS[0], "x": 10, "w": 4}], "right edge"),
        ([{**WIDGETS[0], "w": 0}], "inside the grid"),
        ([{**WIDGETS[0], "h": 2.5}], "inside the grid"),
        ([{**WIDGETS[0], "y": True}], "inside the grid"),
        ([{**WIDGETS[0], "view": "pie"}], "number, a list or a chart"),
        ([{**WIDGETS[0], "colour": "red"}], "unknown field"),
        ([{**WIDGETS[0], "options": {"baseline": {"nested": 1}}}], "must be text"),
        ([{**WIDGETS[0], "options": {"compare": "x\x00"}}], "NUL"),
        ([{**WIDGETS[0], "options": {"ratio": math.nan}}], "finite"),
        ("won_deals", "list of widgets"),
    ],
)
def test_bad_widgets_are_refused_with_a_message_and_nothing_is_written(seller, widgets, message):
    with pytest.raises(ValidationError) as caught:
        services.layout_save(actor=seller, data={"widgets": widgets})
    assert message in " ".join(caught.value.message_dict["widgets"])
    assert not DashboardLayout.objects.exists()
    assert not Event.objects.filter(object_type="dashboardlayout").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "x" * 121}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"theme": "neon"}, "theme"),
        ({"font_colour": "red"}, "font_colour"),
        ({"font_colour": "#12345"}, "font_colour"),
        ({"background": "x.png"}, "background"),
        ({"member": 1}, "member"),
    ],
)
def test_bad_look_is_refused_per_field(seller, data, field):
    with pytest.raises(ValidationError) as caught:
        services.layout_save(actor=seller, data=data)
    assert field in caught.value.message_dict
    assert not DashboardLayout.objects.exists()


def test_each_member_saves_only_their_own_layout(admin, seller):
    admins = services.layout_save(actor=admin, data={"title": "Admin view", "widgets": WIDGETS})
    services.layout_save(actor=seller, data={"title": "Seller view", "widgets": WIDGETS[:1]})

    admins.refresh_from_db()
    assert admins.title == "Admin view" and len(admins.widgets) == 2
    assert DashboardLayout.objects.get(member=seller).title == "Seller view"


def test_an_inactive_member_cannot_save(admin, seller):
    member_update(actor=admin, member=seller, data={"is_active": False})
    seller.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.layout_save(actor=seller, data={"title": "x"})
    assert not DashboardLayout.objects.filter(member=seller).exists()


def test_an_admin_applies_their_layout_to_every_active_member(admin, manager, seller, seller2, loner, outsider, image_bytes):
    member_update(actor=admin, member=loner, data={"is_active": False})
    widgets = [{**WIDGETS[1], "options": {"baseline": 7, "compare": "beside"}}]
    services.layout_save(actor=admin, data={"title": "Team", "theme": "ocean", "font_colour": "#102030", "widgets": widgets})
    services.layout_set_background(actor=admin, file=io.BytesIO(image_bytes()), size=len(image_bytes()))
    services.layout_save(actor=seller, data={"title": "Mine", "widgets": WIDGETS})
    outsider_layout = services.layout_save(actor=outsider, data={"title": "Globex", "widgets": WIDGETS})

    changed = services.layout_apply_to_all(actor=admin)

    assert changed == 3  # manager, seller, seller2; not the inactive loner, not another workspace
    admin_layout = DashboardLayout.objects.get(member=admin)
    for member in (manager, seller, seller2):
        layout = DashboardLayout.objects.get(member=member)
        assert (layout.title, layout.theme, layout.font_colour) == ("Team", "ocean", "#102030")
        # The admin's own baseline is theirs alone: the copy keeps the compare mode, not the baseline.
        assert layout.widgets == [{**WIDGETS[1], "options": {"compare": "beside"}}]
        assert layout.background.name == admin_layout.background.name
    assert not DashboardLayout.objects.filter(member=loner).exists()
    outsider_layout.refresh_from_db()
    assert outsider_layout.title == "Globex"
    seller_layout = DashboardLayout.objects.get(member=seller)
    assert {e.field for e in events_about(seller_layout) if e.actor_id == admin.pk} >= {"title", "widgets", "background"}


def test_only_an_admin_applies_a_layout_to_all_and_a_refusal_changes_nothing(manager, seller):
    services.layout_save(actor=manager, data={"title": "Manager's", "widgets": WIDGETS})
    services.layout_save(actor=seller, data={"title": "Seller's", "widgets": WIDGETS[:1]})
    before = list(DashboardLayout.objects.order_by("id").values())
    events = Event.objects.count()

    with pytest.raises(PermissionDenied):
        services.layout_apply_to_all(actor=manager)

    assert list(DashboardLayout.objects.order_by("id").values()) == before
    assert Event.objects.count() == events


def test_a_background_image_is_stored_and_a_replaced_one_deleted(seller, image_bytes, django_capture_on_commit_callbacks):
    first = image_bytes(40, 30, "PNG")
    with django_capture_on_commit_callbacks(execute=True):
        layout = services.layout_set_background(actor=seller, file=io.BytesIO(first), size=len(first))
    old_name = layout.background.name
    assert old_name.endswith(".png") and default_storage.exists(old_name)

    second = image_bytes(40, 30, "JPEG")
    with django_capture_on_commit_callbacks(execute=True):
        layout = services.layout_set_background(actor=seller, file=io.BytesIO(second), size=len(second))

    assert layout.background.name.endswith(".jpg") and default_storage.exists(layout.background.name)
    assert not default_storage.exists(old_name)
    backgrounds = [e for e in events_about(layout) if e.field == "background"]
    assert [(e.before, e.after) for e in backgrounds] == [(None, old_name), (old_name, layout.background.name)]

    with django_capture_on_commit_callbacks(execute=True):
        services.layout_clear_background(actor=seller)
    layout.refresh_from_db()
    assert not layout.background
    assert not default_storage.exists(backgrounds[-1].after)


def test_a_shared_background_survives_while_another_layout_uses_it(admin, seller, image_bytes, django_capture_on_commit_callbacks):
    picture = image_bytes()
    services.layout_set_background(actor=admin, file=io.BytesIO(picture), size=len(picture))
    services.layout_apply_to_all(actor=admin)
    shared = DashboardLayout.objects.get(member=seller).background.name

    with django_capture_on_commit_callbacks(execute=True):
        services.layout_clear_background(actor=seller)

    assert default_storage.exists(shared)  # still the admin's background


@pytest.mark.parametrize(
    ("content", "size", "message"),
    [
        (b"just some text", None, "not a PNG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None, "not a PNG"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", None, "not a PNG"),
        (b"", 0, "empty"),
        (b"x", 6 * 1024 * 1024, "larger than 5 MB"),
    ],
)
def test_a_file_that_is_not_an_acceptable_image_is_refused(seller, content, size, message):
    with pytest.raises(ValidationError) as caught:
        services.layout_set_background(actor=seller, file=io.BytesIO(content), size=len(content) if size is None else size)
    assert message in caught.value.message_dict["background"][0]
    assert not DashboardLayout.objects.exists()


def test_an_image_of_enormous_dimensions_is_refused(seller, image_bytes):
    picture = image_bytes(9000, 1, "PNG")
    with pytest.raises(ValidationError) as caught:
        services.layout_set_background(actor=seller, file=io.BytesIO(picture), size=len(picture))
    assert "8000 pixels" in caught.value.message_dict["background"][0]


def test_a_bitmap_image_type_outside_the_list_is_refused(seller, image_bytes):
    picture = image_bytes(10, 10, "BMP")
    with pytest.raises(ValidationError):
        services.layout_set_background(actor=seller, file=io.BytesIO(picture), size=len(picture))


def test_a_baseline_freezes_a_widgets_figures_for_its_member(seller):
    pipeline = Pipeline.objects.get(workspace=seller.workspace)
    baseline = services.baseline_create(actor=seller, data=baseline_input(pipeline=pipeline.pk))

    stored = Baseline.objects.get(pk=baseline.pk)
    assert (stored.member_id, stored.widget_key, stored.name, stored.pipeline_id) == (seller.pk, "lead_sources", "March", pipeline.pk)
    assert stored.data["chart"]["datasets"][0]["data"] == [4, 2]
    (created,) = events_about(stored)
    assert created.event_type == "created" and created.after["name"] == "March"
    assert "data" not in created.after  # the figures themselves stay out of the log


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"widget_key": "nope"}, "widget_key"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"period": {"key": "decade", "start": "2025-01-01T00:00:00Z", "end": "2025-02-01T00:00:00Z"}}, "period"),
        ({"period": {"key": "custom", "start": "2025-02-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}}, "period.end"),
        ({"period": {"key": "custom", "start": "2025-01-01T00:00:00", "end": "2025-02-01T00:00:00Z"}}, "period.start"),
        ({"currency": "euro"}, "currency"),
        ({"data": {}}, "data"),
        ({"data": {"chart": {"labels": "a"}}}, "data"),
        ({"data": {"number": {"value": math.inf}}}, "data"),
        ({"data": {"rows": [{"label": "\x00"}]}}, "data"),
        ({"data": {"rows": [{"label": "x" * 300_000}]}}, "data"),
        ({"secret": 1}, "secret"),
    ],
)
def test_bad_baselines_are_refused_per_field(seller, changes, field):
    with pytest.raises(ValidationError) as caught:
        services.baseline_create(actor=seller, data=baseline_input(**changes))
    assert field in caught.value.message_dict
    assert not Baseline.objects.exists()


def test_a_pipeline_of_another_workspace_is_not_found_for_a_baseline(seller, outsider):
    foreign = Pipeline.objects.get(workspace=outsider.workspace)
    with pytest.raises(ValidationError) as caught:
        services.baseline_create(actor=seller, data=baseline_input(pipeline=foreign.pk))
    assert "pipeline" in caught.value.message_dict
    assert not Baseline.objects.exists()


def test_baseline_names_are_unique_per_member_and_widget(seller, seller2):
    services.baseline_create(actor=seller, data=baseline_input())
    with pytest.raises(ValidationError) as caught:
        services.baseline_create(actor=seller, data=baseline_input())
    assert "name" in caught.value.message_dict
    services.baseline_create(actor=seller, data=baseline_input(widget_key="won_deals"))
    services.baseline_create(actor=seller2, data=baseline_input())
    assert Baseline.objects.count() == 3


def test_a_member_renames_and_deletes_their_own_baseline(seller):
    baseline = services.baseline_create(actor=seller, data=baseline_input())
    services.baseline_rename(actor=seller, baseline=baseline, name="Q1 close")
    assert Baseline.objects.get(pk=baseline.pk).name == "Q1 close"
    pk = baseline.pk
    services.baseline_delete(actor=seller, baseline=baseline)
    assert not Baseline.objects.filter(pk=pk).exists()
    kinds = list(Event.objects.filter(object_type="baseline", object_id=pk).order_by("id").values_list("event_type", flat=True))
    assert kinds == ["created", "field_changed", "deleted"]


@pytest.mark.parametrize("who", ["admin", "seller2", "outsider"])
def test_nobody_else_renames_or_deletes_a_members_baseline(request, seller, who):
    other = request.getfixturevalue(who)
    baseline = services.baseline_create(actor=seller, data=baseline_input())
    events = Event.objects.count()

    with pytest.raises(NotFound):
        services.baseline_rename(actor=other, baseline=baseline, name="Mine now")
    with pytest.raises(NotFound):
        services.baseline_delete(actor=other, baseline=baseline)

    assert Baseline.objects.get(pk=baseline.pk).name == "March"
    assert Event.objects.count() == events
