"""List pages: permissions, the API's filters and orderings, paging, columns, htmx partials."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.records import services
from rapport.records.models import Deal

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .records_fixtures import XSS, fast_passwords, media_root, row_names, sales_stages, text  # noqa: F401

LISTS = ["/accounts/", "/contacts/", "/leads/", "/deals/", "/activities/"]


@pytest.mark.parametrize("url", LISTS)
def test_every_list_page_opens_for_a_member(url, admin, seller, web_as):
    response = web_as(seller).get(url)
    assert response.status_code == 200
    assert 'id="records-results"' in text(response)
    assert 'id="filter-form"' in text(response)


def test_signed_out_visitor_is_sent_to_sign_in(db, client):
    response = client.get("/deals/?status=open")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/deals/")


def test_seller_sees_only_their_own_deals_and_leads(seller, seller2, manager, web_as):
    DealFactory(actor=seller, name="Mine")
    DealFactory(actor=seller2, name="Theirs")
    LeadFactory(actor=seller, title="My lead")
    LeadFactory(actor=seller2, title="Their lead")
    assert row_names(web_as(seller).get("/deals/")) == ["Mine"]
    assert row_names(web_as(seller).get("/leads/")) == ["My lead"]
    # P2: their manager sees both.
    assert sorted(row_names(web_as(manager).get("/deals/"))) == ["Mine", "Theirs"]


def test_other_workspace_records_never_listed(admin, outsider, web_as):
    AccountFactory(actor=admin, name="Ours")
    AccountFactory(actor=outsider, name="Globex secret")
    assert row_names(web_as(admin).get("/accounts/")) == ["Ours"]
    assert row_names(web_as(outsider).get("/accounts/")) == ["Globex secret"]


def test_private_account_of_another_member_stays_hidden(admin, seller, web_as):
    AccountFactory(actor=seller, name="Private one", is_private=True)
    AccountFactory(actor=seller, name="Public one")
    assert row_names(web_as(admin).get("/accounts/")) == ["Public one"]
    assert sorted(row_names(web_as(seller).get("/accounts/"))) == ["Private one", "Public one"]


def test_list_link_answers_exactly_what_the_api_answers(admin, seller, api_as, web_as):
    stages = sales_stages(admin)
    account = AccountFactory(actor=admin, name="Target")
    wanted = DealFactory(actor=admin, name="Wanted", account=account)
    services.deal_move(actor=admin, deal=wanted, stage=stages[2].pk)
    moved_then_lost = DealFactory(actor=admin, name="Lost one", account=account)
    services.deal_move(actor=admin, deal=moved_then_lost, stage=stages[2].pk)
    services.deal_mark_lost(actor=admin, deal=Deal.objects.get(pk=moved_then_lost.pk), reason="Too pricey")
    DealFactory(actor=admin, name="Other stage", account=account)
    DealFactory(actor=seller, name="Seller's", amount=Decimal("5"))
    query = f"pipeline={stages[0].pipeline_id}&stage={stages[2].pk}&status=open&account={account.pk}"
    api_names = [item["name"] for item in api_as(admin).get(f"/api/v1/deals?{query}").json()["items"]]
    assert api_names == ["Wanted"]
    assert row_names(web_as(admin).get(f"/deals/?{query}")) == api_names
    # The same for a filter with a lookup and a boolean.
    api_small = [item["name"] for item in api_as(admin).get("/api/v1/deals?amount_max=10&ordering=name").json()["items"]]
    assert row_names(web_as(admin).get("/deals/?amount_max=10&ordering=name")) == api_small == ["Seller's"]


def test_search_filter_and_empty_state(admin, web_as):
    AccountFactory(actor=admin, name="Alpha Books", city="Vigo")
    AccountFactory(actor=admin, name="Beta Bikes")
    web = web_as(admin)
    assert row_names(web.get("/accounts/?q=books")) == ["Alpha Books"]
    assert row_names(web.get("/accounts/?city=vigo")) == ["Alpha Books"]
    empty = web.get("/accounts/?q=nothing-like-this")
    assert row_names(empty) == []
    assert "No Accounts to show here." in text(empty)
    assert "0 records" in text(empty)


def test_invalid_filter_is_a_422_with_the_message_next_to_the_field(admin, web_as):
    DealFactory(actor=admin, name="Any deal")
    response = web_as(admin).get("/deals/?status=maybe&amount_min=lots")
    assert response.status_code == 422
    html = text(response)
    assert row_names(response) == []
    assert 'id="filter_status_error"' in html
    assert 'id="filter_amount_min_error"' in html
    assert 'aria-describedby="filter_status_error"' in html


def test_sorting_by_column_header(admin, web_as):
    for name, amount in [("Small", "10"), ("Big", "900"), ("Middle", "50")]:
        DealFactory(actor=admin, name=name, amount=Decimal(amount))
    web = web_as(admin)
    assert row_names(web.get("/deals/?ordering=amount")) == ["Small", "Middle", "Big"]
    response = web.get("/deals/?ordering=-amount")
    assert row_names(response) == ["Big", "Middle", "Small"]
    html = text(response)
    assert 'aria-sort="descending"' in html
    # The header link flips the direction and keeps the other parameters.
    assert 'href="/deals/?ordering=amount"' in html
    bad = web.get("/deals/?ordering=owner")
    assert bad.status_code == 422
    assert "Order by one of" in text(bad)


def test_keyset_paging_next_and_previous(admin, web_as):
    for i in range(55):
        AccountFactory(actor=admin, name=f"Account {i:02d}")
    web = web_as(admin)
    first = web.get("/accounts/")
    names_first = row_names(first)
    assert names_first == [f"Account {i:02d}" for i in range(50)]
    assert "55 records" in text(first)
    next_link = first.context["next_link"]
    assert next_link and not first.context["previous_link"]
    second = web.get("/accounts/" + next_link)
    assert row_names(second) == [f"Account {i:02d}" for i in range(50, 55)]
    assert not second.context["next_link"]
    back = web.get("/accounts/" + second.context["previous_link"])
    assert row_names(back) == names_first
    assert back.context["next_link"]
    assert not back.context["previous_link"]
    assert row_names(web.get("/accounts/" + back.context["next_link"])) == row_names(second)


def test_forged_cursor_is_refused_not_crashed(admin, web_as):
    response = web_as(admin).get("/accounts/?cursor=not-a-cursor")
    assert response.status_code == 422
    assert "cursor" in text(response)


def test_column_picker_is_remembered_in_the_session(admin, web_as):
    AccountFactory(actor=admin, name="Acme", city="Lugo", industry="Paper")
    web = web_as(admin)
    response = web.get("/accounts/?columns=name&columns=industry")
    headers = [h["column"].key for h in response.context["headers"]]
    assert headers == ["name", "industry"]
    assert "Paper" in text(response)
    again = web.get("/accounts/")
    assert [h["column"].key for h in again.context["headers"]] == ["name", "industry"]
    # Unknown column names are ignored, not an error.
    assert web.get("/accounts/?columns=nope,name").status_code == 200


def test_custom_field_columns(admin, web_as):
    services.custom_field_create(actor=admin, data={"record_type": "account", "key": "tier", "label": "Tier", "field_type": "text"})
    AccountFactory(actor=admin, name="Gold Co", custom={"tier": "gold"})
    response = web_as(admin).get("/accounts/?columns=name,custom.tier")
    assert "Tier" in text(response) and "gold" in text(response)


def test_htmx_request_gets_only_the_results_partial(admin, web_as):
    AccountFactory(actor=admin, name="Partial Co")
    response = web_as(admin).get("/accounts/?q=partial", headers={"HX-Request": "true"})
    html = text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="records-results"')
    assert "<html" not in html
    assert row_names(response) == ["Partial Co"]


def test_list_text_renders_inert(admin, web_as):
    account = AccountFactory(actor=admin, name=XSS, city=XSS)
    DealFactory(actor=admin, name=XSS, account=account)
    for url in ("/accounts/?columns=name,city", "/deals/?columns=name,account"):
        html = text(web_as(admin).get(url))
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def _fifty(admin, seller) -> None:
    tag = services.tag_create(actor=admin, data={"name": "Hot"})
    account = AccountFactory(actor=admin, name="Parent")
    for i in range(50):
        child = AccountFactory(actor=seller, name=f"A{i}", parent=account, tags=[tag.pk])
        contact = ContactFactory(actor=seller, account=child, tags=[tag.pk])
        deal = DealFactory(actor=seller, account=child, tags=[tag.pk])
        LeadFactory(actor=seller, account=child, tags=[tag.pk])
        ActivityFactory(actor=seller, deal=deal, contact=contact)


@pytest.mark.parametrize("url", LISTS)
def test_list_pages_with_fifty_rows_stay_under_fifteen_queries(url, admin, manager, seller, web_as, django_assert_max_num_queries):
    _fifty(admin, seller)
    every_column = {
        "/accounts/": "name,kind,account_type,city,owner,parent,tags,email",
        "/contacts/": "name,account,owner,tags,email",
        "/leads/": "title,status,owner,account,tags",
        "/deals/": "name,account,pipeline,stage,status,amount,owner,tags",
        "/activities/": "subject,kind,owner,regarding,due_at",
    }[url]
    for member in (admin, seller):
        web = web_as(member)
        web.get(f"{url}?columns={every_column}")  # the first visit also stores the columns in the session
        with django_assert_max_num_queries(15):
            response = web.get(f"{url}?columns={every_column}")
        assert response.status_code == 200
        assert response.context["rows"].count("<tr>") == 50
