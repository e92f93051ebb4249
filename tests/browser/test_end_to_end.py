"""A seller's day, end to end in Chromium: sign in, create a lead, qualify it into a deal, drag the
deal across two stages, mark it won, find it through global search, and see each step on the
Events page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from rapport.records.models import Deal, DealStatus, Lead, Stage

from .test_board import drag, sign_in, wait_for


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_lead_to_won_deal(live_server, page: Page, workspace, seller, screenshot):
    base = live_server.url
    stages = list(Stage.objects.filter(workspace=workspace).order_by("position"))
    sign_in(page, base, "seller@acme.test", next_path="/leads/new/")

    # 1. A new lead.
    page.get_by_label("Title").fill("Hospital printers")
    page.get_by_label("Company").fill("St Mary Clinic")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_role("button", name="Create lead").click()
    page.wait_for_url(re.compile(r"/leads/\d+/$"))
    lead = Lead.objects.get(title="Hospital printers")
    expect(page.get_by_role("heading", name="Hospital printers")).to_be_visible()

    # 2. Qualified into a deal: the page goes on to the new deal.
    page.get_by_role("button", name="Qualify into a deal").click()
    page.wait_for_url(re.compile(r"/deals/\d+/$"))
    deal = Deal.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert Lead.objects.get(pk=lead.pk).status == "qualified"
    assert deal.stage_id == stages[0].pk
    screenshot(page, "e2e-deal-detail")

    # 3. Across two stages on the board, then won.
    page.goto(f"{base}/deals/board/")
    card = f"#deal-{deal.pk}"
    expect(page.locator(f"#stage-{stages[0].pk}-cards {card}")).to_be_visible()
    drag(page, card, f"#stage-{stages[1].pk}-cards")
    expect(page.locator(f"#stage-{stages[1].pk}-cards {card}")).to_be_visible()
    wait_for(lambda: Deal.objects.get(pk=deal.pk).stage_id == stages[1].pk)
    drag(page, card, f"#stage-{stages[2].pk}-cards")
    expect(page.locator(f"#stage-{stages[2].pk}-cards {card}")).to_be_visible()
    wait_for(lambda: Deal.objects.get(pk=deal.pk).stage_id == stages[2].pk)
    drag(page, card, ".drop-won")
    expect(page.locator("#board-status")).to_have_text("Marked won.")
    wait_for(lambda: Deal.objects.get(pk=deal.pk).status == DealStatus.WON)

    # 4. Found through global search, from the top bar.
    search = page.get_by_role("searchbox", name="Search")
    search.fill("hospital printers")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=hospital"))
    result = page.locator(f'main a[href="/deals/{deal.pk}/"]').first
    expect(result).to_be_visible()
    screenshot(page, "e2e-search")
    result.click()
    page.wait_for_url(f"{base}/deals/{deal.pk}/")

    # 5. Every step on the Events page: the lead's and the deal's.
    page.goto(f"{base}/events/?object_type=lead&object_id={lead.pk}")
    rows = page.locator("table.events-table tbody tr")
    expect(rows.filter(has_text="Created")).to_have_count(1)
    expect(rows.filter(has_text="Qualified").first).to_be_visible()
    page.goto(f"{base}/events/?object_type=deal&object_id={deal.pk}")
    expect(rows.filter(has_text="Created")).to_have_count(1)
    stage_rows = rows.filter(has_text="Stage changed")
    expect(stage_rows).to_have_count(2)
    expect(stage_rows.nth(1)).to_contain_text(f"{stages[0].name} {stages[1].name}")
    expect(stage_rows.nth(0)).to_contain_text(f"{stages[1].name} {stages[2].name}")
    expect(rows.filter(has_text="Won")).to_have_count(1)
    expect(rows.first).to_contain_text("Sam Seller")
    screenshot(page, "e2e-events")
