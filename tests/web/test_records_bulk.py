"""Bulk actions from the list pages: every chosen row changes, or none and the page names why."""

from __future__ import annotations

from rapport.events.models import Event, EventType
from rapport.records import services
from rapport.records.models import Account, Deal, DealStatus, Lead

from ..factories import AccountFactory, DealFactory, LeadFactory
from .records_fixtures import fast_passwords, media_root, reload, sales_stages, text, unchanged  # noqa: F401


def test_bulk_set_owner(admin, seller, seller2, web_as):
    deals = [DealFactory(actor=seller, name=f"D{i}") for i in range(3)]
    web = web_as(admin)
    response = web.post("/deals/bulk/", {"ids": [d.pk for d in deals], "action": "owner", "owner": seller2.pk, "next": "/deals/?status=open"})
    assert response.status_code == 302 and response["Location"] == "/deals/?status=open"
    assert {reload(d).owner_id for d in deals} == {seller2.pk}
    assert Event.objects.filter(object_type="deal", field="owner", event_type=EventType.FIELD_CHANGED).count() == 3
    assert "3 records changed." in text(web.get("/deals/"))


def test_bulk_is_all_or_nothing_and_names_the_refused_records(manager, seller, loner, web_as):
    # The manager sees every deal but edits only their team's: the loner's deal is refused.
    team_deal = DealFactory(actor=seller, name="Team deal")
    outside = DealFactory(actor=loner, name="Loner's deal")
    with unchanged():
        response = web_as(manager).post(
            "/deals/bulk/", {"ids": [team_deal.pk, outside.pk], "action": "owner", "owner": manager.pk, "next": "/deals/"}
        )
    assert response.status_code == 409
    html = text(response)
    assert "Nothing was changed" in html and "Loner&#x27;s deal" in html
    assert "Team deal:" not in html
    assert reload(team_deal).owner_id == seller.pk


def test_bulk_delete_needs_the_delete_right(admin, seller, web_as):
    accounts = [AccountFactory(actor=seller, name=f"Acc {i}") for i in range(2)]
    ids = [a.pk for a in accounts]
    with unchanged():
        assert web_as(seller).post("/accounts/bulk/", {"ids": ids, "action": "delete"}).status_code == 409
    assert web_as(admin).post("/accounts/bulk/", {"ids": ids, "action": "delete"}).status_code == 302
    assert not Account.objects.filter(pk__in=ids).exists()


def test_bulk_move_deals_to_a_stage(admin, seller, web_as):
    stages = sales_stages(admin)
    deals = [DealFactory(actor=seller) for _ in range(2)]
    web_as(admin).post("/deals/bulk/", {"ids": [d.pk for d in deals], "action": "move", "stage": stages[3].pk})
    assert {reload(d).stage_id for d in deals} == {stages[3].pk}


def test_bulk_status_and_tags(admin, seller, web_as):
    tag = services.tag_create(actor=admin, data={"name": "Priority"})
    leads = [LeadFactory(actor=seller) for _ in range(2)]
    web = web_as(seller)
    web.post("/leads/bulk/", {"ids": [lead.pk for lead in leads], "action": "status", "status": "working"})
    assert {reload(lead).status for lead in leads} == {"working"}
    web.post("/leads/bulk/", {"ids": [lead.pk for lead in leads], "action": "tag_add", "tag": tag.pk})
    assert all(list(Lead.objects.get(pk=lead.pk).tags.all()) == [tag] for lead in leads)
    deals = [DealFactory(actor=seller) for _ in range(2)]
    with unchanged():
        no_reason = web.post("/deals/bulk/", {"ids": [d.pk for d in deals], "action": "status", "status": "lost"})
    assert no_reason.status_code == 422 and "Say why" in text(no_reason)
    web.post("/deals/bulk/", {"ids": [d.pk for d in deals], "action": "status", "status": "lost", "reason": "Budget cut"})
    assert {reload(d).status for d in deals} == {DealStatus.LOST}


def test_bulk_on_records_of_another_workspace_changes_nothing(admin, outsider, web_as):
    mine = DealFactory(actor=admin, name="Mine")
    foreign = DealFactory(actor=outsider, name="Globex deal")
    with unchanged():
        response = web_as(admin).post("/deals/bulk/", {"ids": [mine.pk, foreign.pk], "action": "delete"})
    assert response.status_code == 409
    assert f"#{foreign.pk}" in text(response) and "Globex deal" not in text(response)
    assert Deal.objects.filter(pk=mine.pk).exists()


def test_bulk_without_rows_or_with_a_foreign_redirect_is_refused(admin, web_as):
    deal = DealFactory(actor=admin)
    with unchanged():
        assert web_as(admin).post("/deals/bulk/", {"action": "delete"}).status_code == 422
    response = web_as(admin).post("/deals/bulk/", {"ids": [deal.pk], "action": "status", "status": "won", "next": "https://evil.test/"})
    assert response.status_code == 302 and response["Location"] == "/deals/"
