"""Search in Chromium: typing in the layout's box shows live suggestions grouped by type, the
keyboard reaches them, and Enter opens the results page, at desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ..factories import AccountFactory, ContactFactory, DealFactory


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def signed_in(page: Page, live_server, web_as, admin) -> Page:
    """The page with the session cookie of `admin`, signed in by the test client."""
    session = web_as(admin).cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    return page


@pytest.fixture
def searchable(admin, seller, outsider):
    acme = AccountFactory(actor=admin, name="Acme Trading", emails=["info@acme.test"])
    return {
        "acme": acme,
        "jane": ContactFactory(actor=admin, first_name="Jane", last_name="Smith", emails=["jane@acme.test"], account=acme),
        "deal": DealFactory(actor=seller, name="Acme renewal"),
        "hidden": AccountFactory(actor=outsider, name="Acme Trading"),
    }


def test_typing_shows_grouped_suggestions_and_enter_opens_the_results(signed_in: Page, live_server, searchable, screenshot):
    page = signed_in
    page.goto(f"{live_server.url}/search/")
    box = page.locator("#global-search-input")
    box.press_sequentially("acme", delay=40)

    suggestions = page.locator("#global-search-suggestions")
    expect(suggestions.locator(".search-suggest-type")).to_have_count(3)
    expect(suggestions.locator(".search-suggest-type")).to_contain_text(["Accounts", "Contacts", "Deals"])
    first = suggestions.locator("a.search-suggest-link").first
    expect(first).to_have_attribute("href", f"/accounts/{searchable['acme'].pk}/")
    expect(first.locator(".search-suggest-title mark")).to_have_text(["Acme"])
    expect(suggestions.locator(f'a[href="/contacts/{searchable["jane"].pk}/"] .search-suggest-snippet mark')).to_have_text(["acme"])

    # A typo still finds it.
    box.press_sequentially(" trdaing", delay=40)
    expect(suggestions.locator(".search-suggest-type")).to_have_count(1)
    expect(first.locator(".search-suggest-title mark")).to_have_text(["Acme", "Trading"])
    # Only acme's own records: globex's "Acme Trading" is another workspace's.
    expect(suggestions.locator(f'a[href="/accounts/{searchable["hidden"].pk}/"]')).to_have_count(0)
    screenshot(page, "search-suggestions-1280")

    # The keyboard reaches the suggestions and Escape puts the focus back in the box.
    box.press("ArrowDown")
    expect(first).to_be_focused()
    page.keyboard.press("Escape")
    expect(box).to_be_focused()
    expect(suggestions.locator("a")).to_have_count(0)

    box.fill("acme")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=acme"))
    expect(page.locator("#search-group-account h2")).to_contain_text("Accounts")
    expect(page.locator("#search-group-deal h2")).to_contain_text("1")
    expect(page.locator("#search-group-deal .search-hit-title")).to_have_text("Acme renewal")
    screenshot(page, "search-results-1280")


def test_the_results_page_updates_as_you_type_on_a_phone(signed_in: Page, live_server, searchable, screenshot):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/search/")
    page.locator("#search-page-input").press_sequentially("smtih", delay=40)
    expect(page.locator("#search-group-contact .search-hit-title")).to_have_text("Jane Smith")
    expect(page).to_have_url(re.compile(r"/search/\?q=smtih"))
    # Nothing sticks out sideways at 390px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "search-results-390")
