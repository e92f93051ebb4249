"""What a seller's role lets them see, checked on every surface of the web app at once.

For each record type and each view scope the role may grant (`own`, `all`), one record of the
seller and one of a colleague carry the same word. The colleague's record must show up, or stay
hidden, consistently in the list, on its detail and history pages, in search results and
suggestions (page and API), on the Events page and, for deals, on the board. A surface that
forgot `visible_to` fails here whatever the record type.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from rapport.records.models import Pipeline
from rapport.workspaces.models import Member, Role

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .records_fixtures import fast_passwords, text  # noqa: F401

SLUGS = {
    "account": "accounts",
    "contact": "contacts",
    "lead": "leads",
    "deal": "deals",
    "activity": "activities",
}


def make(record_type: str, actor: Member, label: str) -> Any:
    """A record of `record_type` owned by `actor`, titled "Quokka <label> <type>"."""
    title = f"Quokka {label} {record_type}"
    if record_type == "account":
        return AccountFactory(actor=actor, name=title)
    if record_type == "contact":
        return ContactFactory(actor=actor, first_name="Quokka", last_name=f"{label} {record_type}")
    if record_type == "lead":
        return LeadFactory(actor=actor, title=title)
    if record_type == "deal":
        return DealFactory(actor=actor, name=title)
    return ActivityFactory(actor=actor, subject=title)


def search_links(html: str) -> set[str]:
    return set(re.findall(r'href="(/[a-z]+/\d+/)"', html))


def api_hit_ids(body: dict, record_type: str) -> set[int]:
    return {
        hit["id"]
        for group in body["groups"]
        if group["type"] == record_type
        for hit in group["hits"]
    }


@pytest.mark.parametrize("scope", ["own", "all"])
@pytest.mark.parametrize("record_type", list(SLUGS))
def test_a_seller_sees_a_colleagues_record_everywhere_or_nowhere(
    record_type, scope, workspace, seller, seller2, web_as, api_as
):
    role = Role.objects.get(workspace=workspace, name="Seller")
    role.permissions[record_type]["view"] = scope
    role.save()
    seller = Member.objects.select_related("user", "role", "workspace").get(pk=seller.pk)
    mine, theirs = make(record_type, seller, "mine"), make(record_type, seller2, "theirs")
    visible = scope == "all"
    slug = SLUGS[record_type]
    web = web_as(seller)
    mine_url, theirs_url = f"/{slug}/{mine.pk}/", f"/{slug}/{theirs.pk}/"
    theirs_name = str(theirs)

    listed = text(web.get(f"/{slug}/", {"q": "quokka"}))
    assert str(mine) in listed
    assert (theirs_name in listed) is visible, "list"

    expected_status = 200 if visible else 404
    assert web.get(theirs_url).status_code == expected_status, "detail"
    assert web.get(f"{theirs_url}history/").status_code == expected_status, "history tab"

    for url in ("/search/?q=quokka", "/search/suggest/?q=quokka", "/search/?q=qoukka"):
        links = search_links(text(web.get(url)))
        assert mine_url in links, url
        assert (theirs_url in links) is visible, url
    body = api_as(seller).get("search", q="quokka").json()
    assert mine.pk in api_hit_ids(body, record_type)
    assert (theirs.pk in api_hit_ids(body, record_type)) is visible, "API search"

    events = text(web.get("/events/", {"object_type": record_type}))
    assert str(mine) in events
    assert (theirs_name in events) is visible, "events page"
    by_object = text(web.get("/events/", {"object_type": record_type, "object_id": theirs.pk}))
    assert ("data-event-id=" in by_object) is visible, "events of one object"

    if record_type == "deal":
        pipeline = Pipeline.objects.get(pk=theirs.pipeline_id)
        cards = text(
            web.get(f"/deals/board/stages/{theirs.stage_id}/cards/", {"pipeline": pipeline.pk})
        )
        assert f'id="deal-{mine.pk}"' in cards
        assert (f'id="deal-{theirs.pk}"' in cards) is visible, "board column"
        board = text(web.get("/deals/board/", {"pipeline": pipeline.pk}))
        assert ("2 deals" if visible else "1 deal") in board, "column count"
        refreshed = web.get(
            "/deals/board/refresh/", {"pipeline": pipeline.pk, "ids": f"{mine.pk},{theirs.pk}"}
        ).json()["cards"]
        assert refreshed[str(mine.pk)] is not None
        assert (refreshed[str(theirs.pk)] is not None) is visible, "board refresh"
