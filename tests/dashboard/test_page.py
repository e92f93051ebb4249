"""The dashboard page: who sees it, what it starts from, and how the address drives it."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from rapport.dashboard import services
from rapport.records.models import Pipeline
from rapport.records.services import pipeline_create

from .conftest import WIDGETS, baseline_input


def page_state(answer) -> dict:
    match = re.search(r'<script id="dashboard-state" type="application/json">(.*?)</script>', answer.content.decode(), re.S)
    assert match, "the page carries its state for the page script"
    return json.loads(match.group(1))


@pytest.mark.parametrize("path", ["/", "/dashboard/"])
def test_the_dashboard_is_the_start_page_for_an_admin(web_as, admin, path):
    answer = web_as(admin).get(path)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'id="dashboard-grid"' in html and "gridstack-14.1.0-all.js" in html and "chart-4.6.1.umd.min.js" in html
    assert 'name="apply_to_all"' in html  # administrators may apply their layout to everyone
    state = page_state(answer)
    assert state["layout"]["is_default"] is True
    assert state["is_admin"] is True and state["params"]["period"] == "month"


def test_a_seller_sees_their_own_layout_and_no_apply_to_all(web_as, seller, admin):
    services.layout_save(actor=admin, data={"title": "Admin board", "widgets": WIDGETS})
    services.layout_save(actor=seller, data={"title": "Sam's numbers", "theme": "dark", "widgets": WIDGETS[:1]})
    services.baseline_create(actor=seller, data=baseline_input())
    services.baseline_create(actor=admin, data=baseline_input(name="Admin's"))

    answer = web_as(seller).get("/")

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Sam&#x27;s numbers" in html and "Admin board" not in html
    assert 'name="apply_to_all"' not in html
    assert 'data-theme="dark"' in html
    state = page_state(answer)
    assert [w["key"] for w in state["layout"]["widgets"]] == ["won_deals"]
    assert [b["name"] for b in state["baselines"]] == ["March"]  # not the admin's


def test_the_address_sets_period_pipeline_and_as_of(web_as, admin, seller):
    second = pipeline_create(actor=admin, data={"name": "Renewals"}, stages=[{"name": "Due"}])
    answer = web_as(seller).get(f"/?period=custom&start=2025-03-01&end=2025-03-31&pipeline={second.pk}&as_of=2025-04-15")
    params = page_state(answer)["params"]
    assert params == {"period": "custom", "start": "2025-03-01", "end": "2025-03-31", "pipeline": second.pk, "as_of": "2025-04-15"}
    html = answer.content.decode()
    assert '<option value="custom" selected>' in html
    assert f'<option value="{second.pk}" selected>' in html


@pytest.mark.parametrize(
    ("query", "period"),
    [
        ("?period=decade", "month"),
        ("?period=custom&start=2025-05-01&end=2025-04-01", "custom"),
        ("?period=custom&start=nope", "custom"),
        ("?pipeline=abc&as_of=yesterday", "month"),
        ("?as_of=2999-01-01", "month"),
    ],
)
def test_an_unreadable_address_falls_back_to_defaults(web_as, seller, query, period):
    answer = web_as(seller).get("/" + query)
    assert answer.status_code == 200
    params = page_state(answer)["params"]
    assert params["period"] == period and params["as_of"] == ""
    assert params["pipeline"] == Pipeline.objects.get(workspace=seller.workspace).pk
    if period == "custom":  # a broken range becomes the last seven days
        start, end = dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"])
        assert end - start == dt.timedelta(days=6)


def test_a_pipeline_of_another_workspace_is_not_offered(web_as, seller, outsider):
    foreign = Pipeline.objects.get(workspace=outsider.workspace)
    answer = web_as(seller).get(f"/?pipeline={foreign.pk}")
    state = page_state(answer)
    own = Pipeline.objects.get(workspace=seller.workspace)
    assert state["params"]["pipeline"] == own.pk
    assert [p["id"] for p in state["pipelines"]] == [own.pk]
    assert f'<option value="{foreign.pk}"' not in answer.content.decode()


def test_user_text_is_escaped_in_the_page_and_its_state(web_as, seller):
    services.layout_save(actor=seller, data={"title": "</script><script>alert(1)</script>", "widgets": WIDGETS})
    html = web_as(seller).get("/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\\u003C/script\\u003E" in html  # inside the JSON state


def test_signed_out_visitors_are_sent_to_sign_in(client, workspace):
    answer = client.get("/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


def test_every_signed_in_page_reports_usage(web_as, seller):
    assert "dashboard/usage.js" in web_as(seller).get("/").content.decode()


def test_the_navigation_links_to_the_dashboard(web_as, seller):
    html = web_as(seller).get("/").content.decode()
    assert '<a href="/" aria-current="page">' in html
