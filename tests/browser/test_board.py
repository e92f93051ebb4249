"""The deals board in Chromium: sign in, drag cards across stages, win and lose through the drop
zones, the keyboard "move to" form, a refused move put back, and every step on the Events page."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from rapport.records import services
from rapport.records.models import Deal, DealStatus, Stage

from ..conftest import PASSWORD
from ..factories import DealFactory


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(page: Page, base: str, email: str, next_path: str = "/deals/board/") -> None:
    page.goto(f"{base}/login/?next={next_path}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path.split("?")[0])))


def drag(page: Page, source_selector: str, target_selector: str) -> None:
    """Drag with real pointer moves in steps, as SortableJS's pointer fallback needs.

    Sortable checks what is under the pointer on a 50 ms timer, so the pointer stays over the
    target (nudged a pixel or two) until the card is really there, then lets go; a busy machine
    cannot turn the drop into one on whatever the pointer crossed last.
    """
    # A card still saving its last move cannot be picked up yet.
    expect(page.locator(f"{source_selector}.is-saving")).to_have_count(0)
    source = page.locator(source_selector).bounding_box()
    target = page.locator(target_selector).bounding_box()
    assert source and target
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + 12)
    page.mouse.down()
    page.mouse.move(source["x"] + source["width"] / 2 + 10, source["y"] + 20, steps=5)
    x, y = target["x"] + target["width"] / 2, target["y"] + min(40, target["height"] / 2)
    page.mouse.move(x, y, steps=15)
    arrived = "([t, s]) => !!document.querySelector(t).querySelector(s + ':not(.sortable-fallback)')"
    for attempt in range(40):
        page.wait_for_timeout(75)
        if page.evaluate(arrived, [target_selector, source_selector]):
            break
        page.mouse.move(x + (attempt % 2) * 2, y + (attempt % 2) * 2)
    page.mouse.up()


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def cards_of(stage: Stage) -> str:
    return f"#stage-{stage.pk}-cards"


@pytest.fixture
def board_data(workspace, admin, seller):
    stages = list(Stage.objects.filter(workspace=workspace).order_by("position"))
    deals = {
        "printers": DealFactory(actor=seller, name="Printers", amount=Decimal("1200")),
        "paper": DealFactory(actor=seller, name="Paper supply", amount=Decimal("300")),
        "toner": DealFactory(actor=seller, name="Toner", amount=Decimal("80"), stage=stages[1]),
    }
    return stages, deals


def test_drag_across_stages_win_lose_and_see_it_all_on_the_events_page(live_server, page: Page, seller, board_data, screenshot):
    stages, deals = board_data
    printers, paper = deals["printers"], deals["paper"]
    sign_in(page, live_server.url, "seller@acme.test")
    expect(page.locator(f"#deal-{printers.pk}")).to_be_visible()
    expect(page.locator(f"#stage-{stages[0].pk}-stats")).to_contain_text("2 deals")
    screenshot(page, "board-1280")

    drag(page, f"#deal-{printers.pk}", cards_of(stages[1]))
    expect(page.locator("#board-status")).to_have_text("Moved.")
    expect(page.locator(f"{cards_of(stages[1])} #deal-{printers.pk}")).to_be_visible()
    expect(page.locator(f"#stage-{stages[1].pk}-stats")).to_contain_text("2 deals")
    expect(page.locator(f"#stage-{stages[0].pk}-stats")).to_contain_text("1 deal")
    wait_for(lambda: Deal.objects.get(pk=printers.pk).stage_id == stages[1].pk)

    drag(page, f"#deal-{printers.pk}", cards_of(stages[2]))
    expect(page.locator(f"{cards_of(stages[2])} #deal-{printers.pk}")).to_be_visible()
    wait_for(lambda: Deal.objects.get(pk=printers.pk).stage_id == stages[2].pk)

    drag(page, f"#deal-{printers.pk}", ".drop-won")
    expect(page.locator("#board-status")).to_have_text("Marked won.")
    expect(page.locator(f"#deal-{printers.pk}")).to_have_count(0)
    wait_for(lambda: Deal.objects.get(pk=printers.pk).status == DealStatus.WON)

    # Lost asks for a reason first; an empty one is refused in the dialog.
    drag(page, f"#deal-{paper.pk}", ".drop-lost")
    dialog = page.locator("#lost-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Mark lost").click()
    expect(page.locator("#lost-error")).to_have_text("Say why the deal was lost.")
    screenshot(page, "board-lost-dialog")
    page.get_by_label("Why was it lost?").fill("Went with a competitor")
    dialog.get_by_role("button", name="Mark lost").click()
    expect(page.locator(f"#deal-{paper.pk}")).to_have_count(0)
    wait_for(lambda: Deal.objects.get(pk=paper.pk).lost_reason == "Went with a competitor")

    page.goto(f"{live_server.url}/events/?object_type=deal&object_id={printers.pk}")
    table = page.locator("table.events-table tbody")
    expect(table.locator("tr", has_text="Stage changed")).to_have_count(2)
    expect(table.locator("tr", has_text="Stage changed").first).to_contain_text(f"{stages[1].name} {stages[2].name}")
    expect(table.locator("tr", has_text="Won")).to_have_count(1)
    expect(table.locator("tr", has_text="Created")).to_have_count(1)
    screenshot(page, "events-after-board")


def test_cancelling_the_lost_dialog_puts_the_card_back(live_server, page: Page, seller, board_data):
    stages, deals = board_data
    sign_in(page, live_server.url, "seller@acme.test")
    card = f"#deal-{deals['paper'].pk}"
    expect(page.locator(card)).to_be_visible()
    drag(page, card, ".drop-lost")
    expect(page.locator("#lost-dialog")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator(f"{cards_of(stages[0])} {card}")).to_be_visible()
    assert Deal.objects.get(pk=deals["paper"].pk).status == DealStatus.OPEN


def test_refused_move_is_explained_and_the_card_goes_back(live_server, page: Page, seller, board_data):
    stages, deals = board_data
    toner = deals["toner"]
    sign_in(page, live_server.url, "seller@acme.test")
    expect(page.locator(f"#deal-{toner.pk}")).to_be_visible()
    # Someone else edits the deal after the page loaded: the card's version is now stale.
    services.deal_update(actor=seller, deal=Deal.objects.get(pk=toner.pk), data={"amount": Decimal("90")})
    drag(page, f"#deal-{toner.pk}", cards_of(stages[3]))
    expect(page.locator("#board-status")).to_contain_text("The change was not saved")
    expect(page.locator(f"{cards_of(stages[1])} #deal-{toner.pk}")).to_be_visible()
    assert Deal.objects.get(pk=toner.pk).stage_id == stages[1].pk
    # The card was re-read, so the next try carries the fresh version and succeeds.
    expect(page.locator(f"#deal-{toner.pk}")).to_have_attribute("data-version", "2")
    drag(page, f"#deal-{toner.pk}", cards_of(stages[3]))
    expect(page.locator(f"{cards_of(stages[3])} #deal-{toner.pk}")).to_be_visible()
    wait_for(lambda: Deal.objects.get(pk=toner.pk).stage_id == stages[3].pk)


def test_keyboard_move_to_form(live_server, page: Page, seller, board_data):
    stages, deals = board_data
    toner = deals["toner"]
    sign_in(page, live_server.url, "seller@acme.test")
    select = page.get_by_label("Move “Toner” to")
    expect(select).to_be_visible()
    select.focus()
    # The focused control shows the focus ring.
    assert page.evaluate("getComputedStyle(document.activeElement).boxShadow") != "none"
    select.select_option(label=stages[3].name)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(f"{cards_of(stages[3])} #deal-{toner.pk}")).to_be_visible()
    wait_for(lambda: Deal.objects.get(pk=toner.pk).stage_id == stages[3].pk)
    expect(page.locator(f"#move-{toner.pk}")).to_be_focused()
    page.get_by_label("Move “Toner” to").select_option(label="Won")
    page.locator(f"#deal-{toner.pk}").get_by_role("button", name="Move").click()
    expect(page.locator(f"#deal-{toner.pk}")).to_have_count(0)
    wait_for(lambda: Deal.objects.get(pk=toner.pk).status == DealStatus.WON)


def test_phone_width_scrolls_the_board_sideways(live_server, page: Page, seller, board_data, screenshot):
    stages, deals = board_data
    # A card in the last column, off screen: its hidden "Move to" label must not widen the page.
    far = DealFactory(actor=seller, name="Far right", stage=stages[3])
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, "seller@acme.test")
    expect(page.locator(f"#deal-{deals['printers'].pk}")).to_be_visible()
    expect(page.locator(f"#deal-{far.pk}")).to_be_attached()
    columns = page.locator(".board-columns")
    assert columns.evaluate("el => el.scrollWidth > el.clientWidth")
    # The page itself does not scroll sideways: only the board does.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "board-390")
    columns.evaluate("el => el.scrollBy(el.scrollWidth, 0)")
    expect(page.locator(f"#stage-{stages[3].pk}-title")).to_be_in_viewport()


def test_seller_board_shows_only_own_deals(live_server, page: Page, seller, seller2, board_data):
    stages, deals = board_data
    DealFactory(actor=seller2, name="Not yours")
    sign_in(page, live_server.url, "seller@acme.test")
    expect(page.locator(f"#deal-{deals['printers'].pk}")).to_be_visible()
    expect(page.get_by_text("Not yours")).to_have_count(0)


def test_a_long_column_loads_thirty_cards_then_more_on_scroll(live_server, page: Page, seller, board_data):
    stages, _ = board_data
    for i in range(40):
        DealFactory(actor=seller, name=f"Bulk {i}", stage=stages[3])
    sign_in(page, live_server.url, "seller@acme.test")
    column = page.locator(f"#stage-{stages[3].pk}-cards")
    expect(column.locator(".deal-card")).to_have_count(30)
    expect(page.locator(f"#stage-{stages[3].pk}-stats")).to_contain_text("40 deals")
    page.wait_for_timeout(500)
    expect(column.locator(".deal-card")).to_have_count(30)  # nothing more until asked
    column.evaluate("el => el.scrollTo(0, el.scrollHeight)")
    expect(column.locator(".deal-card")).to_have_count(40)
    expect(page.locator(f"#stage-{stages[3].pk}-more .load-more")).to_have_count(0)
