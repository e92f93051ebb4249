"""The dashboard API: /api/v1/dashboard/layout (own layout, background, apply to all) and /baselines."""

from __future__ import annotations

import json
import math

import pytest
from django.test import Client

from rapport.dashboard.models import Baseline, DashboardLayout
from rapport.events.models import Event
from rapport.records.models import Pipeline

from .conftest import WIDGETS, baseline_input


def put_layout(api, body, version=None):
    headers = {"If-Match": f'"{version}"'} if version is not None else None
    return api.put("dashboard/layout", body, headers)


def upload(member, content: bytes, name: str = "picture.png"):
    """Multipart upload as the member's signed-in browser does it (session + CSRF)."""
    web = Client(enforce_csrf_checks=False)
    web.force_login(member.user)
    session = web.session
    session["rapport_workspace_id"] = member.workspace_id
    session.save()
    from django.core.files.uploadedfile import SimpleUploadedFile

    return web, web.post("/api/v1/dashboard/layout/background", {"file": SimpleUploadedFile(name, content)})


def test_a_member_without_a_layout_gets_the_default_one(api_as, seller):
    answer = api_as(seller).get("dashboard/layout")
    assert answer.status_code == 200
    body = answer.json()
    assert body["is_default"] is True and body["version"] == 0 and body["id"] is None
    assert "pipeline_dynamics" in [w["key"] for w in body["widgets"]]
    assert answer["ETag"] == '"0"'


def test_a_saved_layout_persists_and_answers_its_version(api_as, seller):
    api = api_as(seller)
    answer = put_layout(api, {"title": "Mine", "theme": "forest", "font_colour": "#336699", "widgets": WIDGETS}, version=0)
    assert answer.status_code == 200, answer.content
    assert answer["ETag"] == '"1"'

    again = api.get("dashboard/layout").json()
    assert (again["title"], again["theme"], again["font_colour"], again["version"]) == ("Mine", "forest", "#336699", 1)
    assert again["widgets"] == WIDGETS and again["is_default"] is False


def test_a_stale_if_match_answers_412_and_changes_nothing(api_as, seller):
    api = api_as(seller)
    put_layout(api, {"title": "One", "widgets": WIDGETS})
    put_layout(api, {"title": "Two", "widgets": WIDGETS}, version=1)

    answer = put_layout(api, {"title": "Lost", "widgets": []}, version=1)

    assert answer.status_code == 412
    assert answer["Content-Type"] == "application/problem+json"
    assert api.get("dashboard/layout").json()["title"] == "Two"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"widgets": [{**WIDGETS[0], "key": "bogus"}]}, "widgets.0.key"),
        ({"widgets": [{**WIDGETS[0], "x": 12}]}, "widgets.0.x"),
        ({"widgets": [{**WIDGETS[0], "w": 13}]}, "widgets.0.w"),
        ({"widgets": [{**WIDGETS[0], "view": "pie"}]}, "widgets.0.view"),
        ({"widgets": [{**WIDGETS[0], "extra": 1}]}, "widgets.0.extra"),
        ({"widgets": [{**WIDGETS[0], "options": {"k": [1]}}]}, "widgets.0.options.k"),
        ({"widgets": [{**WIDGETS[0], "x": 9, "w": 4}]}, "widgets"),
        ({"widgets": [WIDGETS[0], WIDGETS[0]]}, "widgets"),
        ({"widgets": WIDGETS, "theme": "neon"}, "theme"),
        ({"widgets": WIDGETS, "font_colour": "javascript:alert(1)"}, "font_colour"),
        ({"widgets": WIDGETS, "title": "x" * 121}, "title"),
        ({"widgets": WIDGETS, "title": "a\x00"}, "title"),
        ({"widgets": WIDGETS, "owner": 1}, "owner"),
        ({"title": "no widgets"}, "widgets"),
    ],
)
def test_bad_layout_input_is_a_422_with_the_field_named(api_as, seller, body, field):
    answer = put_layout(api_as(seller), body)
    assert answer.status_code == 422, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert not DashboardLayout.objects.exists()


def test_members_do_not_see_each_others_layouts(api_as, seller, seller2, outsider):
    put_layout(api_as(seller), {"title": "Seller's own", "widgets": WIDGETS})
    assert api_as(seller2).get("dashboard/layout").json()["is_default"] is True
    assert api_as(outsider).get("dashboard/layout").json()["is_default"] is True
    put_layout(api_as(outsider), {"title": "Globex", "widgets": []})
    assert api_as(seller).get("dashboard/layout").json()["title"] == "Seller's own"


def test_signed_out_callers_get_401(client):
    assert client.get("/api/v1/dashboard/layout").status_code == 401
    assert client.post("/api/v1/dashboard/baselines", "{}", content_type="application/json").status_code == 401


def test_a_background_uploads_and_is_served_to_its_member_only(api_as, seller, seller2, outsider, image_bytes):
    picture = image_bytes(64, 48, "PNG")
    web, answer = upload(seller, picture)
    assert answer.status_code == 200, answer.content
    url = answer.json()["background_url"]
    assert url.startswith("/api/v1/dashboard/layout/background?v=")

    served = web.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == picture
    assert "private" in served["Cache-Control"]
    # Others ask for their own background, which they do not have.
    assert api_as(seller2).get("dashboard/layout/background").status_code == 404
    assert api_as(outsider).get("dashboard/layout/background").status_code == 404

    cleared = api_as(seller).delete("dashboard/layout/background")
    assert cleared.status_code == 200 and cleared.json()["background_url"] is None


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "picture.svg"),
        (b"%PDF-1.4 not an image", "picture.png"),
        (b"", "empty.png"),
    ],
)
def test_a_background_that_is_not_an_image_is_a_422(seller, content, name):
    _, answer = upload(seller, content, name)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] in {"background", "file"}
    assert not DashboardLayout.objects.filter(member=seller).exclude(background="").exists()


def test_a_missing_upload_is_a_422(seller):
    web, _ = upload(seller, b"")
    answer = web.post("/api/v1/dashboard/layout/background", {})
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["field"].startswith("file") and error["message"] == "This field is required."


def test_an_admin_applies_the_layout_to_all_and_a_seller_may_not(api_as, admin, manager, seller, outsider):
    put_layout(api_as(admin), {"title": "Company view", "theme": "dark", "widgets": WIDGETS[:1]})
    put_layout(api_as(seller), {"title": "Seller view", "widgets": WIDGETS})
    put_layout(api_as(outsider), {"title": "Globex view", "widgets": []})

    refused = api_as(seller).post("dashboard/layout/apply-to-all")
    assert refused.status_code == 403
    assert api_as(manager).get("dashboard/layout").json()["is_default"] is True

    answer = api_as(admin).post("dashboard/layout/apply-to-all")
    assert answer.status_code == 200 and answer.json() == {"members": 2}
    for member in (manager, seller):
        got = api_as(member).get("dashboard/layout").json()
        assert (got["title"], got["theme"], got["widgets"]) == ("Company view", "dark", WIDGETS[:1])
    assert api_as(outsider).get("dashboard/layout").json()["title"] == "Globex view"


def test_a_baseline_is_created_listed_renamed_and_deleted_by_its_member(api_as, seller):
    api = api_as(seller)
    pipeline = Pipeline.objects.get(workspace=seller.workspace)
    created = api.post("dashboard/baselines", baseline_input(pipeline=pipeline.pk))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "March" and body["pipeline"] == pipeline.pk
    assert body["data"]["chart"]["datasets"][0]["links"] == ["/leads/?source=email", None]
    assert body["period"]["label"] == "March 2025"

    assert [b["id"] for b in api.get("dashboard/baselines").json()] == [body["id"]]
    assert api.get("dashboard/baselines", widget="won_deals").json() == []
    assert api.get(f"dashboard/baselines/{body['id']}").json()["data"] == body["data"]

    renamed = api.patch(f"dashboard/baselines/{body['id']}", {"name": "Before the campaign"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Before the campaign"
    assert api.delete(f"dashboard/baselines/{body['id']}").status_code == 204
    assert api.get(f"dashboard/baselines/{body['id']}").status_code == 404


@pytest.mark.parametrize("who", ["admin", "seller2", "outsider"])
def test_another_members_baseline_is_not_found_and_stays_unchanged(api_as, request, seller, who):
    baseline_id = api_as(seller).post("dashboard/baselines", baseline_input()).json()["id"]
    other = api_as(request.getfixturevalue(who))
    events = Event.objects.count()

    assert other.get("dashboard/baselines").json() == []
    assert other.get(f"dashboard/baselines/{baseline_id}").status_code == 404
    assert other.patch(f"dashboard/baselines/{baseline_id}", {"name": "Taken"}).status_code == 404
    assert other.delete(f"dashboard/baselines/{baseline_id}").status_code == 404

    assert Baseline.objects.get(pk=baseline_id).name == "March"
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"widget_key": "bogus"}, "widget_key"),
        ({"name": ""}, "name"),
        ({"period": {"key": "month", "start": "2025-03-01T00:00:00", "end": "2025-04-01T00:00:00Z"}}, "period.start"),
        ({"period": {"key": "month", "start": "2025-04-01T00:00:00Z", "end": "2025-03-01T00:00:00Z"}}, "period.end"),
        ({"currency": "eur"}, "currency"),
        ({"data": {"chart": {"type": "pie", "labels": [], "datasets": []}}}, "data.chart.type"),
        ({"data": {"rows": [], "other": 1}}, "data.other"),
        ({"data": {}}, "data"),
        ({"pipeline": 0}, "pipeline"),
        ({"extra": True}, "extra"),
    ],
)
def test_bad_baseline_input_is_a_422(api_as, seller, changes, field):
    answer = api_as(seller).post("dashboard/baselines", baseline_input(**changes))
    assert answer.status_code == 422, answer.content
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert not Baseline.objects.exists()


def test_not_a_number_in_baseline_figures_is_a_422_not_a_500(api_as, seller):
    api = api_as(seller)
    figures = json.loads(json.dumps(baseline_input()))
    figures["data"]["chart"]["datasets"][0]["data"] = [math.nan, 1]
    raw = json.dumps(figures)  # Python writes NaN, which a database cannot store in JSON
    answer = api.client.post("/api/v1/dashboard/baselines", raw, content_type="application/json")
    assert answer.status_code == 422
    assert not Baseline.objects.exists()


def test_a_pipeline_of_another_workspace_is_a_422_for_a_baseline(api_as, seller, outsider):
    foreign = Pipeline.objects.get(workspace=outsider.workspace)
    answer = api_as(seller).post("dashboard/baselines", baseline_input(pipeline=foreign.pk))
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["pipeline"]


def test_the_openapi_document_lists_the_dashboard_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/dashboard/layout", "/api/v1/dashboard/layout/background", "/api/v1/dashboard/layout/apply-to-all",
            "/api/v1/dashboard/baselines", "/api/v1/dashboard/baselines/{baseline_id}"} <= set(paths)
