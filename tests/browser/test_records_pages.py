"""The record pages in a real browser: forms with field errors, a filtered list, a saved view,
and the same pages at phone width (screenshots in test-artifacts/screenshots/)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from rapport.api.auth import SESSION_WORKSPACE_KEY
from rapport.records.models import Account, Contact, SavedFilter

from ..factories import AccountFactory, ActivityFactory, DealFactory


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(page: Page, live_server, member) -> None:
    """Sign in as `member` by handing the browser the session of a signed-in test client."""
    client = Client()
    client.force_login(member.user)
    session = client.session
    session[SESSION_WORKSPACE_KEY] = member.workspace_id
    session.save()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}])


def test_create_filter_and_save_a_view(transactional_db, live_server, page: Page, admin, seller, screenshot):
    for i in range(4):
        deal_account = AccountFactory(actor=seller, name=f"Existing {i}", city="Vigo")
        DealFactory(actor=seller, account=deal_account, name=f"Deal {i}")
    sign_in(page, live_server, seller)
    url = live_server.url

    # An account through the form.
    page.goto(f"{url}/accounts/new/")
    page.get_by_label("Name", exact=True).fill("Browser Books")
    page.get_by_label("City").fill("Lugo")
    page.get_by_label("E-mails").fill("hello@books.test")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Browser Books")
    account = Account.objects.get(name="Browser Books")
    assert page.url == f"{url}/accounts/{account.pk}/"
    screenshot(page, "records-account-detail")

    # A contact: first without the required last name, which is refused next to the field.
    page.goto(f"{url}/contacts/new/?account={account.pk}")
    page.get_by_label("First name").fill("Bea")
    page.get_by_role("button", name="Create contact").click()
    error = page.locator("#id_last_name_error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("This field is required")
    expect(page.get_by_label("Last name")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "records-contact-field-error")
    assert not Contact.objects.exists()
    page.get_by_label("Last name").fill("Reader")
    expect(page.get_by_label("Account")).to_have_value(str(account.pk))
    page.get_by_role("button", name="Create contact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bea Reader")
    assert Contact.objects.get(last_name="Reader").account_id == account.pk

    # The account list, filtered as one types (htmx swaps the table and pushes the URL).
    page.goto(f"{url}/accounts/")
    expect(page.locator("#records-results tbody tr")).to_have_count(5)
    page.locator("#filter_q").fill("books")
    expect(page.locator("#records-results tbody tr")).to_have_count(1)
    expect(page.locator("#records-results tbody")).to_contain_text("Browser Books")
    expect(page).to_have_url(re.compile(r"q=books"))
    assert "kind=" not in page.url  # empty filters stay out of the address
    screenshot(page, "records-accounts-filtered")

    # Save the filtered list as a personal view.
    page.get_by_text("Views", exact=True).click()
    page.locator("#view_name").fill("Bookshops")
    page.get_by_role("button", name="Save view").click()
    expect(page).to_have_url(re.compile(r"/accounts/\?view=\d+$"))
    saved = SavedFilter.objects.get(name="Bookshops")
    assert page.url == f"{url}/accounts/?view={saved.pk}"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bookshops")
    expect(page.locator("#records-results tbody tr")).to_have_count(1)
    assert saved.params == {"q": "books"} and saved.owner_id == seller.pk

    # Keyboard focus is visible on the list's controls.
    page.locator("#filter_q").focus()
    shadow = page.locator("#filter_q").evaluate("el => getComputedStyle(el).boxShadow")
    assert shadow and shadow != "none"

    # Phone width: the same pages still fit and work.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{url}/deals/")
    expect(page.locator("#records-results tbody tr")).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "records-deals-390")
    page.goto(f"{url}/accounts/{account.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Browser Books")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "records-account-detail-390")


def test_event_logs_read_as_labelled_cards_on_a_phone(
    transactional_db, live_server, page: Page, seller, screenshot
):
    # An activity has no timeline, so its history (long values) is the tab open on arrival.
    deal = DealFactory(actor=seller, name="Printers for the north-west regional office")
    activity = ActivityFactory(
        actor=seller, deal=deal, subject="Confirm the budget with procurement", category="Preparation"
    )
    sign_in(page, live_server, seller)
    page.set_viewport_size({"width": 390, "height": 844})
    label = "el => getComputedStyle(el, '::before').content"
    for url, table, after in (
        (f"/activities/{activity.pk}/", "#history table", "After"),
        (f"/events/?object_type=activity&object_id={activity.pk}", "table.events-table", "Value after"),
    ):
        page.goto(f"{live_server.url}{url}")
        value = page.locator(f"{table} tbody tr").first.locator("td").last
        expect(value).to_contain_text("Confirm the budget with procurement")
        # The value is on screen, under its label, not off to the right of a wide table.
        box = value.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (url, box)
        assert value.evaluate(label) == f'"{after}"'
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        screenshot(page, "records-activity-detail-390" if "history" in table else "events-390")
    # At desktop width it is a table again, with its header row.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("table.events-table thead th").first).to_be_visible()
    assert page.locator("table.events-table tbody td").last.evaluate(label) == "none"


def test_list_refreshes_when_a_change_of_its_type_arrives(transactional_db, live_server, page: Page, admin):
    AccountFactory(actor=admin, name="Already here")
    # Stand in for live.js (whose stream needs an ASGI server): keep the listener the list registers.
    page.add_init_script("window.rapportLive = { subscribe(fn) { (window.__listeners ||= []).push(fn); } };")
    sign_in(page, live_server, admin)
    page.goto(f"{live_server.url}/accounts/")
    expect(page.locator("#records-results tbody tr")).to_have_count(1)
    newcomer = AccountFactory(actor=admin, name="Arrived live")
    fire = "change => window.__listeners.forEach(fn => fn(change))"
    page.evaluate(fire, {"object_type": "deal", "object_id": 1, "event_type": "created", "field": ""})
    page.wait_for_timeout(600)
    expect(page.locator("#records-results tbody tr")).to_have_count(1)  # another type: no refresh
    page.evaluate(fire, {"object_type": "account", "object_id": newcomer.pk, "event_type": "created", "field": ""})
    expect(page.locator("#records-results tbody tr")).to_have_count(2)
    expect(page.locator("#records-results tbody")).to_contain_text("Arrived live")
    # While rows are selected for a bulk action the refresh waits, so the selection survives.
    page.locator("input[data-row-select]").first.check()
    expect(page.locator("[data-bulk-count]")).to_have_text("1 row selected")
    AccountFactory(actor=admin, name="Third one")
    page.evaluate(fire, {"object_type": "account", "object_id": 0, "event_type": "created", "field": ""})
    page.wait_for_timeout(600)
    expect(page.locator("#records-results tbody tr")).to_have_count(2)
    page.locator("input[data-row-select]").first.uncheck()
    expect(page.locator("#records-results tbody tr")).to_have_count(3)
