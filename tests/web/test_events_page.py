"""The Events page: newest first, readable values, filters, periods in the workspace's time zone,
keyset paging, and only events of records the member may see."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest

from rapport.core import clock
from rapport.events.models import Event
from rapport.records import services
from rapport.records.models import Pipeline
from rapport.web.views import events as events_view
from rapport.web.views.events import period_bounds, readable

from ..factories import AccountFactory, DealFactory, LeadFactory

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def event_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-event-id="(\d+)"', html)]


def rows_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_lists_events_newest_first_with_readable_values(admin, seller, workspace, web_as):
    account = AccountFactory(actor=seller, name="Initech")
    deal = DealFactory(actor=seller, name="Printers", amount=Decimal("10"))
    services.deal_update(actor=seller, deal=deal, data={"account": account.pk, "amount": Decimal("25")})
    response = web_as(seller).get("/events/")
    assert response.status_code == 200
    html = response.content.decode()
    ids = event_ids(html)
    expected = list(Event.objects.filter(workspace=workspace).order_by("-occurred_at", "-id").values_list("id", flat=True))
    assert ids == [i for i in expected if i in ids] and len(ids) >= 4
    text = rows_text(html)
    # A foreign key shows its name, not {"id": .., "name": ..}.
    assert "account — Initech" in text
    assert "Field changed amount 10.00 25 " in text
    assert f'href="/deals/{deal.pk}/"' in html
    assert '"id"' not in text


def test_times_are_shown_in_the_workspace_time_zone(admin, seller, web_as):
    with clock.frozen_at(dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)):
        DealFactory(actor=seller, name="Late")
    html = web_as(seller).get("/events/?object_type=deal").content.decode()
    assert "2026-03-03 00:30" in html  # Madrid is UTC+1 in March


def test_filters_by_user_event_type_object_type_and_object(admin, seller, manager, web_as):
    deal = DealFactory(actor=seller)
    other = DealFactory(actor=manager)
    services.deal_move(actor=manager, deal=deal, stage=deal.pipeline.stages.order_by("position")[1].pk)
    client = web_as(manager)

    def ids(query: str) -> set[int]:
        response = client.get(f"/events/?{query}")
        assert response.status_code == 200
        return set(event_ids(response.content.decode()))

    stage_events = set(Event.objects.filter(event_type="stage_changed").values_list("id", flat=True))
    assert ids("event_type=stage_changed") == stage_events
    assert ids(f"user={seller.pk}") == set(Event.objects.filter(actor=seller).values_list("id", flat=True))
    assert ids(f"object_type=deal&object_id={other.pk}") == set(
        Event.objects.filter(object_type="deal", object_id=other.pk).values_list("id", flat=True)
    )
    assert ids("object_type=pipeline") == set(Event.objects.filter(object_type="pipeline").values_list("id", flat=True))


def test_seller_sees_only_events_of_records_they_may_see(admin, seller, seller2, web_as):
    DealFactory(actor=seller, name="Mine")
    DealFactory(actor=seller2, name="Theirs")
    LeadFactory(actor=seller2, title="Their lead")
    html = web_as(seller).get("/events/").content.decode()
    assert "Mine" in html and "Theirs" not in html and "Their lead" not in html
    # Asking for the hidden record by id shows nothing either.
    theirs = Event.objects.get(object_name="Theirs")
    hidden = web_as(seller).get(f"/events/?object_type=deal&object_id={theirs.object_id}").content.decode()
    assert event_ids(hidden) == []


def test_other_workspace_events_never_show(seller, outsider, web_as):
    DealFactory(actor=outsider, name="Globex deal")
    html = web_as(seller).get("/events/").content.decode()
    assert "Globex deal" not in html
    globex_event = Event.objects.get(object_name="Globex deal")
    assert event_ids(web_as(seller).get(f"/events/?object_type=deal&object_id={globex_event.object_id}").content.decode()) == []
    # A member of the other workspace is not a valid author filter here.
    assert web_as(seller).get(f"/events/?user={outsider.pk}").status_code == 400


def test_bad_filters_are_field_errors(seller, web_as):
    client = web_as(seller)
    for query, message in [
        ("event_type=exploded", "Select a valid choice"),
        ("object_id=-4", "greater than or equal to 1"),
        (f"object_id={2**70}", "less than or equal to"),
        ("period=custom", "Give a start or an end date"),
        ("since=2026-05-02&until=2026-05-01", "before the start date"),
        ("since=yesterday", "Enter a valid date"),
        ("cursor=zzz", "not one we issued"),
    ]:
        response = client.get(f"/events/?{query}")
        assert response.status_code == 400, query
        assert message in response.content.decode(), query


def test_periods_are_computed_in_the_workspace_time_zone(admin, seller, web_as):
    # 2026-05-13 is a Wednesday; in Madrid (UTC+2 in May) "today" starts at 22:00 UTC the day before.
    now = dt.datetime(2026, 5, 13, 10, 0, tzinfo=dt.UTC)
    moments = {
        "early_today": dt.datetime(2026, 5, 12, 22, 30, tzinfo=dt.UTC),  # 00:30 on the 13th in Madrid
        "yesterday": dt.datetime(2026, 5, 12, 12, 0, tzinfo=dt.UTC),
        "monday": dt.datetime(2026, 5, 11, 9, 0, tzinfo=dt.UTC),
        "month_start": dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC),
        "april": dt.datetime(2026, 4, 30, 21, 30, tzinfo=dt.UTC),  # 23:30 on 30 April in Madrid
    }
    deals = {}
    for name, moment in moments.items():
        with clock.frozen_at(moment):
            deals[name] = DealFactory(actor=seller, name=f"deal-{name}")
    client = web_as(seller)

    def names(query: str) -> set[str]:
        with clock.frozen_at(now):
            html = client.get(f"/events/?object_type=deal&{query}").content.decode()
        return {name for name in moments if f"deal-{name}<" in html}

    assert names("period=today") == {"early_today"}
    assert names("period=yesterday") == {"yesterday"}
    assert names("period=week") == {"early_today", "yesterday", "monday"}
    assert names("period=month") == {"early_today", "yesterday", "monday", "month_start"}
    assert names("since=2026-04-30&until=2026-04-30") == {"april"}
    assert names("period=custom&since=2026-05-11") == {"early_today", "yesterday", "monday"}


def test_period_bounds_cross_a_daylight_saving_change():
    with clock.frozen_at(dt.datetime(2026, 3, 29, 12, 0, tzinfo=dt.UTC)):
        start, end = period_bounds("today", None, None, "Europe/Madrid")
    assert start == dt.datetime(2026, 3, 29, tzinfo=MADRID)
    # The clocks go forward that night: the day is 23 hours long.
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=23)


def test_keyset_paging_walks_every_event_once(admin, seller, web_as, monkeypatch):
    monkeypatch.setattr(events_view, "PAGE_SIZE", 3)
    for i in range(4):
        DealFactory(actor=seller, name=f"Paged {i}")
    client = web_as(seller)
    seen: list[int] = []
    url = "/events/?object_type=deal"
    pages = 0
    while url:
        html = client.get(url).content.decode()
        seen += event_ids(html)
        pages += 1
        match = re.search(r'href="(\?[^"]+)" rel="next"', html)
        url = "/events/" + match.group(1).replace("&amp;", "&") if match else None
    expected = list(Event.objects.filter(object_type="deal").order_by("-occurred_at", "-id").values_list("id", flat=True))
    assert seen == expected and pages == 2


def test_values_are_escaped(seller, web_as):
    DealFactory(actor=seller, name="<b>bold</b>")
    html = web_as(seller).get("/events/").content.decode()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_readable_values():
    assert readable({"id": 3, "name": "Acme"}) == "Acme"
    assert readable([{"id": 1, "name": "A"}, {"id": 2, "name": "B"}]) == "A, B"
    assert readable({"id": 1, "name": "Pat", "role": "Buyer"}) == "Pat (Buyer)"
    assert readable(True) == "Yes" and readable(None) == "" and readable("12.50") == "12.50"
    assert readable({"name": "Sales", "stages": ["In", "Out"]}) == "name: Sales; stages: In, Out"


def test_signed_out_is_sent_to_login(client, db):
    assert client.get("/events/?event_type=won")["Location"] == "/login/?next=/events/%3Fevent_type%3Dwon"


def test_pipeline_events_are_visible_to_everyone(admin, seller, workspace, web_as):
    pipeline = Pipeline.objects.get(workspace=workspace)
    html = web_as(seller).get("/events/?object_type=pipeline").content.decode()
    assert pipeline.name in html


def test_choice_values_show_their_labels(seller, web_as):
    deal = DealFactory(actor=seller)
    services.deal_mark_won(actor=seller, deal=deal)
    html = web_as(seller).get(f"/events/?object_type=deal&object_id={deal.pk}&event_type=won").content.decode()
    text = rows_text(html[html.index("<tbody>"):])
    assert "Won status Open Won" in text
