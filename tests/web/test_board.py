"""The deals board: columns with counts and sums, lazy card pages, moves, wins and losses."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import RequestFactory

from rapport.events.models import Event, EventType
from rapport.records import services
from rapport.records.models import Deal, DealStatus, Pipeline, Stage, StageChange
from rapport.web.views.board import PAGE_SIZE, column_summaries, load_board
from rapport.workspaces.models import ExchangeRate, Role

from ..factories import AccountFactory, DealFactory

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def pipeline(workspace, admin) -> Pipeline:
    return Pipeline.objects.get(workspace=workspace, name="Sales")


@pytest.fixture
def stages(pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("position"))


def board_url(pipeline: Pipeline, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"pipeline": pipeline.pk, **params}.items())
    return f"/deals/board/?{query}"


def column_url(pipeline: Pipeline, stage: Stage, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"pipeline": pipeline.pk, **params}.items())
    return f"/deals/board/stages/{stage.pk}/cards/?{query}"


def card_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-deal-id="(\d+)" data-version', html)]


def snapshot(deal: Deal) -> tuple:
    deal = Deal.objects.get(pk=deal.pk)
    events = Event.objects.filter(object_type="deal", object_id=deal.pk).count()
    return (deal.stage_id, deal.status, deal.version, deal.lost_reason, events, StageChange.objects.filter(deal=deal).count())


# --- the page and its columns ------------------------------------------------------------------


def test_board_shows_a_column_per_stage_with_count_and_sum_in_base_currency(workspace, admin, pipeline, stages, web_as):
    ExchangeRate.objects.create(workspace=workspace, currency="USD", rate=Decimal("0.5"), valid_from=dt.date(2020, 1, 1))
    DealFactory(actor=admin, amount=Decimal("1000"))
    DealFactory(actor=admin, amount=Decimal("300"), currency="USD")
    DealFactory(actor=admin, amount=Decimal("50"), stage=stages[2])
    page = web_as(admin).get(board_url(pipeline))
    assert page.status_code == 200
    html = page.content.decode()
    for stage in stages:
        assert f'id="stage-{stage.pk}-title"' in html
    stats = re.findall(r'id="stage-(\d+)-stats"[^>]*>(.*?)</div>', html, re.S)
    by_stage = {int(sid): re.sub(r"\s+", " ", text) for sid, text in stats}
    assert "2 deals" in by_stage[stages[0].pk] and "€1,150.00" in by_stage[stages[0].pk]
    assert "1 deal" in by_stage[stages[2].pk] and "€50.00" in by_stage[stages[2].pk]
    assert "0 deals" in by_stage[stages[1].pk]


def test_amounts_without_a_rate_are_listed_beside_the_sum(admin, pipeline, stages, web_as):
    DealFactory(actor=admin, amount=Decimal("100"))
    DealFactory(actor=admin, amount=Decimal("70"), currency="GBP")
    current = _board_for(admin, pipeline)
    summary = column_summaries(current)[stages[0].pk]
    assert summary.count == 2 and summary.total == Decimal("100") and summary.unconverted == {"GBP": Decimal("70")}
    assert "£70.00" in web_as(admin).get(board_url(pipeline)).content.decode()


def test_the_latest_rate_up_to_today_converts(workspace, admin, pipeline, stages):
    ExchangeRate.objects.create(workspace=workspace, currency="USD", rate=Decimal("0.5"), valid_from=dt.date(2020, 1, 1))
    ExchangeRate.objects.create(workspace=workspace, currency="USD", rate=Decimal("0.8"), valid_from=dt.date(2021, 1, 1))
    ExchangeRate.objects.create(workspace=workspace, currency="USD", rate=Decimal("9"), valid_from=dt.date(2999, 1, 1))
    DealFactory(actor=admin, amount=Decimal("100"), currency="USD")
    assert column_summaries(_board_for(admin, pipeline))[stages[0].pk].total == Decimal("80")


def test_counts_and_sums_are_one_aggregate_query(admin, pipeline, stages, django_assert_num_queries):
    for i in range(12):
        DealFactory(actor=admin, stage=stages[i % 3], amount=Decimal(i))
    current = _board_for(admin, pipeline)
    with django_assert_num_queries(1):
        summaries = column_summaries(current)
    assert [summaries[s.pk].count for s in stages] == [4, 4, 4, 0]


def test_won_and_lost_deals_are_not_on_the_board(admin, pipeline, stages):
    won = DealFactory(actor=admin)
    services.deal_mark_won(actor=admin, deal=won)
    DealFactory(actor=admin)
    assert column_summaries(_board_for(admin, pipeline))[stages[0].pk].count == 1


def test_default_pipeline_is_the_first_active_one(admin, pipeline, web_as):
    services.pipeline_create(actor=admin, data={"name": "Renewals", "position": 5}, stages=[{"name": "Due"}])
    html = web_as(admin).get("/deals/board/").content.decode()
    assert re.search(rf'<option value="{pipeline.pk}" selected>Sales</option>', html)


def test_pipeline_switcher_shows_the_other_pipeline(admin, pipeline, web_as):
    renewals = services.pipeline_create(actor=admin, data={"name": "Renewals"}, stages=[{"name": "Due"}, {"name": "Quoted"}])
    html = web_as(admin).get(board_url(renewals)).content.decode()
    assert "Due" in html and "Quoted" in html and "Qualification" not in html


def test_pipeline_of_another_workspace_is_not_found(seller, outsider, other_workspace, web_as):
    theirs = Pipeline.objects.get(workspace=other_workspace)
    assert web_as(seller).get(board_url(theirs)).status_code == 404
    assert web_as(seller).get("/deals/board/?pipeline=abc").status_code == 404
    assert web_as(seller).get(f"/deals/board/?pipeline={2**70}").status_code == 404


def test_bad_filter_is_a_400_with_the_field_named(admin, pipeline, web_as):
    response = web_as(admin).get(board_url(pipeline, owner="me"))
    assert response.status_code == 400
    assert "owner" in response.content.decode()


def test_user_text_is_escaped_on_cards(admin, pipeline, stages, web_as):
    DealFactory(actor=admin, name='<script>alert("x")</script>')
    html = web_as(admin).get(column_url(pipeline, stages[0])).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_card_shows_name_account_amount_owner_and_days_in_stage(admin, seller, pipeline, stages, web_as):
    account = AccountFactory(actor=seller, name="Initech")
    DealFactory(actor=seller, name="Big one", account=account, amount=Decimal("1234.5"))
    html = web_as(seller).get(column_url(pipeline, stages[0])).content.decode()
    assert "Big one" in html and "Initech" in html and "€1,234.50" in html
    assert "Sam Seller" in html and "0 days in stage" in html


def test_private_account_name_stays_hidden_from_others(admin, manager, seller, pipeline, stages, web_as):
    account = AccountFactory(actor=seller, name="Secret Corp", is_private=True)
    DealFactory(actor=seller, name="Hush", account=account)
    html = web_as(manager).get(column_url(pipeline, stages[0])).content.decode()
    assert "Hush" in html and "Secret Corp" not in html
    assert "Secret Corp" in web_as(seller).get(column_url(pipeline, stages[0])).content.decode()


# --- lazy pages ----------------------------------------------------------------------------------


def test_columns_load_in_pages_of_thirty_without_repeats(admin, pipeline, stages, web_as):
    made = {DealFactory(actor=admin).pk for _ in range(PAGE_SIZE + 5)}
    client = web_as(admin)
    first = client.get(column_url(pipeline, stages[0])).content.decode()
    assert len(card_ids(first)) == PAGE_SIZE
    more = re.search(r'hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(more).content.decode()
    assert len(card_ids(second)) == 5
    assert set(card_ids(first)) | set(card_ids(second)) == made
    assert "Load more" not in second


def test_board_page_does_not_load_cards_itself(admin, pipeline, stages, web_as):
    DealFactory(actor=admin, name="Lazy card")
    html = web_as(admin).get(board_url(pipeline)).content.decode()
    assert "Lazy card" not in html
    assert f'hx-get="/deals/board/stages/{stages[0].pk}/cards/?pipeline={pipeline.pk}"' in html


def test_stage_of_another_pipeline_is_not_a_column(admin, pipeline, web_as):
    renewals = services.pipeline_create(actor=admin, data={"name": "Renewals"}, stages=[{"name": "Due"}])
    response = web_as(admin).get(column_url(pipeline, renewals.stages.get()))
    assert response.status_code == 404


def test_bad_cursor_is_a_400(admin, pipeline, stages, web_as):
    assert web_as(admin).get(column_url(pipeline, stages[0], cursor="garbage!")).status_code == 400


# --- who sees what -------------------------------------------------------------------------------


def test_seller_sees_only_own_deals(seller, seller2, manager, pipeline, stages, web_as):
    mine = DealFactory(actor=seller)
    theirs = DealFactory(actor=seller2)
    assert card_ids(web_as(seller).get(column_url(pipeline, stages[0])).content.decode()) == [mine.pk]
    assert column_summaries(_board_for(seller, pipeline))[stages[0].pk].count == 1
    # The manager sees the team's deals (P2).
    assert set(card_ids(web_as(manager).get(column_url(pipeline, stages[0])).content.decode())) == {mine.pk, theirs.pk}


def test_owner_and_mine_filters(manager, seller, seller2, pipeline, stages, web_as):
    mine = DealFactory(actor=manager)
    sellers = DealFactory(actor=seller)
    DealFactory(actor=seller2)
    client = web_as(manager)
    assert card_ids(client.get(column_url(pipeline, stages[0], owner=seller.pk)).content.decode()) == [sellers.pk]
    assert card_ids(client.get(column_url(pipeline, stages[0], mine="1")).content.decode()) == [mine.pk]
    # A filter never widens what the member may see.
    assert card_ids(web_as(seller).get(column_url(pipeline, stages[0], owner=seller2.pk)).content.decode()) == []


def test_outsider_board_shows_nothing_of_acme(seller, outsider, web_as):
    DealFactory(actor=seller, name="Acme secret")
    html = web_as(outsider).get("/deals/board/").content.decode()
    assert "Acme secret" not in html and "Sales" in html
    globex = Pipeline.objects.get(workspace=outsider.workspace)
    cards = web_as(outsider).get(column_url(globex, globex.stages.order_by("position").first())).content.decode()
    assert card_ids(cards) == []


# --- moving, winning, losing --------------------------------------------------------------------


def move(client, deal: Deal, stage: Stage, pipeline: Pipeline, version: int | None = None, **extra):
    data = {"stage": stage.pk}
    if version is not None:
        data["version"] = version
    return client.post(f"/deals/board/{deal.pk}/move/?pipeline={pipeline.pk}", data, **extra)


def test_move_calls_the_service_and_answers_fresh_card_and_columns(seller, pipeline, stages, web_as):
    deal = DealFactory(actor=seller, amount=Decimal("10"))
    response = move(web_as(seller), deal, stages[1], pipeline, version=deal.version, **JSON)
    assert response.status_code == 200
    body = response.json()
    deal.refresh_from_db()
    assert deal.stage_id == stages[1].pk and deal.version == 2
    assert StageChange.objects.filter(deal=deal, from_stage=stages[0], to_stage=stages[1]).exists()
    assert Event.objects.filter(object_id=deal.pk, event_type=EventType.STAGE_CHANGED, actor=seller).exists()
    card = body["cards"][str(deal.pk)]
    assert card["stage"] == stages[1].pk and card["version"] == 2 and 'data-version="2"' in card["html"]
    assert "1 deal" in body["columns"][str(stages[1].pk)] and "0 deals" in body["columns"][str(stages[0].pk)]


def test_move_with_a_stale_version_changes_nothing(seller, pipeline, stages, web_as):
    deal = DealFactory(actor=seller)
    services.deal_update(actor=seller, deal=deal, data={"name": "Renamed"})
    before = snapshot(deal)
    response = move(web_as(seller), deal, stages[1], pipeline, version=1, **JSON)
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]
    assert snapshot(deal) == before


def test_move_of_a_deal_seen_but_not_editable_is_403_and_changes_nothing(workspace, seller, seller2, pipeline, stages, web_as):
    role = Role.objects.get(workspace=workspace, name="Seller")
    role.permissions["deal"]["view"] = "all"
    role.save()
    deal = DealFactory(actor=seller2)
    before = snapshot(deal)
    response = move(web_as(seller), deal, stages[1], pipeline, **JSON)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:rapport:problem:permission-denied"
    assert snapshot(deal) == before


def test_move_of_a_deal_not_visible_is_404(seller, seller2, pipeline, stages, web_as):
    deal = DealFactory(actor=seller2)
    before = snapshot(deal)
    assert move(web_as(seller), deal, stages[1], pipeline, **JSON).status_code == 404
    assert snapshot(deal) == before


def test_move_of_another_workspaces_deal_is_404(seller, outsider, pipeline, stages, web_as):
    deal = DealFactory(actor=outsider)
    before = snapshot(deal)
    assert move(web_as(seller), deal, stages[1], pipeline, **JSON).status_code == 404
    globex = Pipeline.objects.get(workspace=outsider.workspace)
    response = web_as(seller).post(f"/deals/board/{deal.pk}/move/?pipeline={globex.pk}", {"stage": globex.stages.last().pk}, **JSON)
    assert response.status_code == 404
    assert snapshot(deal) == before


def test_move_to_a_stage_of_another_workspace_or_pipeline_is_422(admin, outsider, pipeline, web_as):
    deal = DealFactory(actor=admin)
    renewals = services.pipeline_create(actor=admin, data={"name": "Renewals"}, stages=[{"name": "Due"}])
    foreign_stage = Stage.objects.filter(workspace=outsider.workspace).first()
    before = snapshot(deal)
    for stage in (foreign_stage, renewals.stages.get()):
        response = move(web_as(admin), deal, stage, pipeline, **JSON)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "stage"
    response = web_as(admin).post(f"/deals/board/{deal.pk}/move/?pipeline={pipeline.pk}", {"stage": "x"}, **JSON)
    assert response.status_code == 422
    assert snapshot(deal) == before


def test_move_needs_post(admin, pipeline, web_as):
    deal = DealFactory(actor=admin)
    assert web_as(admin).get(f"/deals/board/{deal.pk}/move/").status_code == 405


def test_move_without_javascript_redirects_back_with_a_message(seller, seller2, pipeline, stages, web_as):
    deal = DealFactory(actor=seller)
    client = web_as(seller)
    response = move(client, deal, stages[2], pipeline)
    assert response.status_code == 302 and response["Location"] == f"/deals/board/?pipeline={pipeline.pk}"
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[2].pk
    services.deal_mark_won(actor=seller, deal=Deal.objects.get(pk=deal.pk))
    refused = move(client, deal, stages[1], pipeline, follow=True)
    assert "reopen it before moving it" in refused.content.decode()


def test_won_marks_the_deal_won_and_takes_it_off_the_board(seller, pipeline, stages, web_as):
    deal = DealFactory(actor=seller)
    response = web_as(seller).post(f"/deals/board/{deal.pk}/won/?pipeline={pipeline.pk}", {"version": 1}, **JSON)
    assert response.status_code == 200
    assert response.json()["cards"] == {str(deal.pk): None}
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON and deal.closed_at is not None
    assert Event.objects.filter(object_id=deal.pk, event_type=EventType.WON).exists()


def test_won_twice_is_a_conflict(seller, pipeline, web_as):
    deal = DealFactory(actor=seller)
    client = web_as(seller)
    assert client.post(f"/deals/board/{deal.pk}/won/", {}, **JSON).status_code == 200
    before = snapshot(deal)
    assert client.post(f"/deals/board/{deal.pk}/won/", {}, **JSON).status_code == 409
    assert snapshot(deal) == before


def test_won_denied_for_someone_elses_deal(seller, seller2, outsider, web_as):
    hidden = DealFactory(actor=seller2)
    foreign = DealFactory(actor=outsider)
    for deal in (hidden, foreign):
        before = snapshot(deal)
        assert web_as(seller).post(f"/deals/board/{deal.pk}/won/", {}, **JSON).status_code == 404
        assert snapshot(deal) == before


def test_lost_needs_a_reason(seller, web_as):
    deal = DealFactory(actor=seller)
    before = snapshot(deal)
    response = web_as(seller).post(f"/deals/board/{deal.pk}/lost/", {"reason": "  "}, **JSON)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "reason", "message": "Say why the deal was lost."}]
    assert snapshot(deal) == before


def test_lost_with_a_reason(seller, web_as):
    deal = DealFactory(actor=seller)
    response = web_as(seller).post(f"/deals/board/{deal.pk}/lost/", {"reason": "Too expensive", "version": "1"}, **JSON)
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST and deal.lost_reason == "Too expensive"
    assert Event.objects.filter(object_id=deal.pk, event_type=EventType.LOST, field="status", after="lost", actor=seller).exists()


def test_lost_denied_for_a_deal_seen_but_not_editable(workspace, seller, seller2, web_as):
    role = Role.objects.get(workspace=workspace, name="Seller")
    role.permissions["deal"]["view"] = "all"
    role.save()
    deal = DealFactory(actor=seller2)
    before = snapshot(deal)
    assert web_as(seller).post(f"/deals/board/{deal.pk}/lost/", {"reason": "x"}, **JSON).status_code == 403
    assert snapshot(deal) == before


def test_bad_version_is_422(seller, web_as):
    deal = DealFactory(actor=seller)
    response = web_as(seller).post(f"/deals/board/{deal.pk}/won/", {"version": "v1"}, **JSON)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "version"
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.OPEN


def test_signed_out_actions_change_nothing(seller, pipeline, stages, client):
    deal = DealFactory(actor=seller)
    before = snapshot(deal)
    response = client.post(f"/deals/board/{deal.pk}/move/", {"stage": stages[1].pk})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert snapshot(deal) == before


# --- live refresh ----------------------------------------------------------------------------------


def test_refresh_answers_cards_on_the_board_and_none_for_others(seller, seller2, outsider, pipeline, stages, web_as):
    mine = DealFactory(actor=seller)
    hidden = DealFactory(actor=seller2)
    foreign = DealFactory(actor=outsider)
    ids = f"{mine.pk},{hidden.pk},{foreign.pk}"
    body = web_as(seller).get(f"/deals/board/refresh/?pipeline={pipeline.pk}&ids={ids}").json()
    assert body["cards"][str(mine.pk)]["stage"] == stages[0].pk
    assert body["cards"][str(hidden.pk)] is None and body["cards"][str(foreign.pk)] is None
    assert set(body["columns"]) == {str(s.pk) for s in stages}
    assert "1 deal" in body["columns"][str(stages[0].pk)]


def test_refresh_refuses_bad_ids(seller, pipeline, web_as):
    response = web_as(seller).get(f"/deals/board/refresh/?pipeline={pipeline.pk}&ids=1,x")
    assert response.status_code == 422
    too_many = ",".join(str(i) for i in range(1, 300))
    assert web_as(seller).get(f"/deals/board/refresh/?pipeline={pipeline.pk}&ids={too_many}").status_code == 422


def _board_for(member, pipeline):
    request = RequestFactory().get(f"/deals/board/?pipeline={pipeline.pk}")
    request.member = member
    return load_board(request)


def test_filters_match_the_deals_list_filter(admin, pipeline, stages):
    """The board applies records.filters.DealFilter, the same filter as /api/v1/deals."""
    DealFactory(actor=admin, name="Alpha", amount=Decimal("5"))
    DealFactory(actor=admin, name="Alpine", amount=Decimal("500"))
    DealFactory(actor=admin, name="Beta", amount=Decimal("5"))
    request = RequestFactory().get(f"/deals/board/?pipeline={pipeline.pk}&q=alp&amount_max=10")
    request.member = admin
    current = load_board(request)
    assert list(current.deals().values_list("name", flat=True)) == ["Alpha"]
    assert current.params == {"pipeline": str(pipeline.pk), "q": "alp", "amount_max": "10"}
